//! Spatial statistics for planners, in plain Rust over numbers PostGIS computed: no database here,
//! so every method is unit-tested against known answers. `docs/analysis.md` explains each one.
//!
//! - [`gistar`]: Getis-Ord Gi* hot spots with binary distance-band weights;
//! - [`fdr`]: the Benjamini–Hochberg correction and the −3…+3 confidence bins;
//! - [`kde`]: quartic kernel density and its default search radius;
//! - [`trend`]: Mann–Kendall trends and the emerging-hotspot patterns;
//! - [`pai`]: hit rate and Predictive Accuracy Index.

// Counts of cells, points and months are far below 2^52, where usize → f64 would round; bucket
// keys are metres over a band of at least a metre, far inside i64.
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]

pub mod fdr;
pub mod gistar;
pub mod kde;
pub mod pai;
pub mod trend;

/// The (i, j) of the hexagon of edge `edge` that contains (x, y), on the lattice of PostGIS's
/// `ST_HexagonGrid`: hexagon (i, j) is centred at (1.5·edge·i, √3·edge·(j + ½ if i is odd)),
/// flat side up. A hexagon of a regular tiling is the set of points nearer its centre than any
/// other, and the nearest centre lies in column ⌊x / 1.5·edge⌋ or the next: the nearer of the
/// two columns' nearest rows. A point exactly on an edge goes to the lower column.
#[must_use]
pub fn hexagon_of(x: f64, y: f64, edge: f64) -> (i32, i32) {
    let row = 3f64.sqrt() * edge;
    let column = (x / (1.5 * edge)).floor() as i32;
    let candidate = |i: i32| {
        let shift = if i % 2 == 0 { 0.0 } else { 0.5 };
        let j = (y / row - shift).round() as i32;
        let d2 = (x - 1.5 * edge * f64::from(i)).powi(2) + (y - row * (f64::from(j) + shift)).powi(2);
        (i, j, d2)
    };
    let (left, right) = (candidate(column), candidate(column + 1));
    if left.2 <= right.2 { (left.0, left.1) } else { (right.0, right.1) }
}

/// The Gi* statistics of one grid: per cell z, two-sided p and the FDR-corrected bin.
#[derive(Debug, Clone, PartialEq)]
pub struct HotSpots {
    /// Gi* z-scores.
    pub z: Vec<f64>,
    /// Two-sided p-values of z.
    pub p: Vec<f64>,
    /// −3…+3 after the Benjamini–Hochberg correction over all cells.
    pub bin: Vec<i32>,
}

/// Gi*, p-values and FDR bins of `counts` at `centres` with neighbours within `band`.
#[must_use]
pub fn hot_spots(counts: &[f64], centres: &[(f64, f64)], band: f64) -> HotSpots {
    let weights = gistar::Weights::distance_band(centres, band);
    hot_spots_with(counts, &weights)
}

/// Gi*, p-values and FDR bins of `counts` under `weights`.
#[must_use]
pub fn hot_spots_with(counts: &[f64], weights: &gistar::Weights) -> HotSpots {
    let z = gistar::gi_star(counts, weights);
    let p: Vec<f64> = z.iter().map(|&z| gistar::two_sided_p(z)).collect();
    let bin = fdr::bins(&z, &p);
    HotSpots { z, p, bin }
}

#[cfg(test)]
mod tests {
    use super::hexagon_of;

    #[test]
    fn hexagons_as_postgis_numbers_them() {
        // PostGIS 3.3, `ST_HexagonGrid(100, ST_MakeEnvelope(-160, -160, 160, 160, 32648))`:
        // (0,0) centred at (0, 0); (1,0) at (150, 86.6); (-1,-1) at (-150, -86.6); (0,1) at
        // (0, 173.2); hexagon (0,0) has vertices (±100, 0), (±50, ±86.6).
        assert_eq!(hexagon_of(0.0, 0.0, 100.0), (0, 0));
        assert_eq!(hexagon_of(150.0, 86.6, 100.0), (1, 0));
        assert_eq!(hexagon_of(-150.0, -86.6, 100.0), (-1, -1));
        assert_eq!(hexagon_of(0.0, 173.2, 100.0), (0, 1));
        // Just inside (0,0) near its corners and flat sides, and just outside.
        assert_eq!(hexagon_of(99.0, 0.0, 100.0), (0, 0));
        assert_eq!(hexagon_of(0.0, 86.0, 100.0), (0, 0));
        assert_eq!(hexagon_of(0.0, 87.0, 100.0), (0, 1));
        assert_eq!(hexagon_of(74.0, 43.0, 100.0), (0, 0)); // inside the slanted edge (50,86.6)-(100,0)
        assert_eq!(hexagon_of(76.0, 44.0, 100.0), (1, 0)); // just beyond it
        assert_eq!(hexagon_of(101.0, 1.0, 100.0), (1, 0)); // past the corner (100, 0), above the axis
    }
}
