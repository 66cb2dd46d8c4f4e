//! Getis-Ord Gi* with binary distance-band weights (Getis & Ord 1992; Ord & Getis 1995).
//!
//! Each cell is its own neighbour (the "star"), and so is every cell whose centre lies within the
//! band. With X̄ and S the mean and the population standard deviation of all n values,
//!
//! `z_i = [Σ_j w_ij x_j − X̄ Σ_j w_ij] / ( S √{[n Σ_j w_ij² − (Σ_j w_ij)²]/(n−1)} )`,
//!
//! which is the formula ArcGIS Hot Spot Analysis and PySAL `esda`'s `G_Local(star=True)` use.

use std::collections::HashMap;

/// Binary spatial weights as neighbour lists (each list includes the cell itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weights {
    /// `neighbours[i]`: the indices j with `w_ij = 1`, sorted, `i` included.
    pub neighbours: Vec<Vec<u32>>,
}

impl Weights {
    /// Neighbours within `band` (inclusive) of each point, the point itself included. Points are
    /// bucketed on a grid of `band`-sized squares, so the work grows with n, not n².
    ///
    /// # Panics
    /// Never for finite coordinates; more than 2³² points is outside what a province grid makes.
    #[must_use]
    pub fn distance_band(points: &[(f64, f64)], band: f64) -> Self {
        let band = if band.is_finite() && band > 0.0 { band } else { f64::MIN_POSITIVE };
        let key = |&(x, y): &(f64, f64)| ((x / band).floor() as i64, (y / band).floor() as i64);
        let mut buckets: HashMap<(i64, i64), Vec<u32>> = HashMap::new();
        for (i, p) in points.iter().enumerate() {
            buckets.entry(key(p)).or_default().push(u32::try_from(i).expect("fewer than 2^32 cells"));
        }
        let band2 = band * band;
        let neighbours = points
            .iter()
            .map(|p| {
                let (kx, ky) = key(p);
                let mut near = Vec::new();
                for dx in -1..=1 {
                    for dy in -1..=1 {
                        for &j in buckets.get(&(kx + dx, ky + dy)).map_or(&[][..], Vec::as_slice) {
                            let q = points[j as usize];
                            if (q.0 - p.0).powi(2) + (q.1 - p.1).powi(2) <= band2 {
                                near.push(j);
                            }
                        }
                    }
                }
                near.sort_unstable();
                near
            })
            .collect();
        Self { neighbours }
    }

    /// The number of cells.
    #[must_use]
    pub fn len(&self) -> usize {
        self.neighbours.len()
    }

    /// Whether there are no cells.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.neighbours.is_empty()
    }
}

/// The default band for a hexagon grid of edge `edge`: adjacent hexagons' centres are edge·√3
/// apart, the next ring 3·edge, so edge·√3 plus a relative millionth takes exactly the first ring
/// whatever the rounding of the centroids.
#[must_use]
pub fn hexagon_band(edge: f64) -> f64 {
    edge * 3f64.sqrt() * (1.0 + 1e-6)
}

/// Gi* z-scores of `values` under `weights` (same length). When every value is equal (S = 0),
/// or a cell neighbours every cell, nothing stands out: z = 0.
///
/// # Panics
/// If `values` and `weights` differ in length.
#[must_use]
pub fn gi_star(values: &[f64], weights: &Weights) -> Vec<f64> {
    assert_eq!(values.len(), weights.len(), "one value per cell");
    let n = values.len() as f64;
    if values.len() < 2 {
        return vec![0.0; values.len()];
    }
    let mean = values.iter().sum::<f64>() / n;
    let s = (values.iter().map(|x| x * x).sum::<f64>() / n - mean * mean).max(0.0).sqrt();
    weights
        .neighbours
        .iter()
        .map(|near| {
            let lag: f64 = near.iter().map(|&j| values[j as usize]).sum();
            // Binary weights: Σ w_ij = Σ w_ij² = the number of neighbours.
            let wi = near.len() as f64;
            let denominator = s * ((n * wi - wi * wi) / (n - 1.0)).sqrt();
            if denominator > 0.0 { (lag - mean * wi) / denominator } else { 0.0 }
        })
        .collect()
}

/// The two-sided p-value of a standard normal z: P(|Z| ≥ |z|) = erfc(|z|/√2).
#[must_use]
pub fn two_sided_p(z: f64) -> f64 {
    libm::erfc(z.abs() / std::f64::consts::SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of PySAL `esda`'s tests (`esda/tests/test_getisord.py`, class
    /// `G_Local_Tester`): six points, `DistanceBand(threshold=15)`, y = [2, 3, 3.2, 5, 8, 7];
    /// `G_Local(y, w, transform="B", star=True).Zs[0]` = −1.39727626 (`places=8`).
    const POINTS: [(f64, f64); 6] =
        [(10.0, 10.0), (20.0, 10.0), (40.0, 10.0), (15.0, 20.0), (30.0, 20.0), (30.0, 30.0)];
    const Y: [f64; 6] = [2.0, 3.0, 3.2, 5.0, 8.0, 7.0];

    #[test]
    fn esda_known_answer() {
        let w = Weights::distance_band(&POINTS, 15.0);
        // By hand: point 0 is within 15 of 1 (10) and 3 (√125 ≈ 11.2), not of 4 (√500 ≈ 22.4).
        assert_eq!(w.neighbours[0], vec![0, 1, 3]);
        let z = gi_star(&Y, &w);
        assert!((z[0] - (-1.397_276_26)).abs() < 1e-8, "z0 = {}", z[0]);
        // The same by hand: X̄ = 28.2/6 = 4.7, S² = 161.24/6 − 4.7² = 4.78333…,
        // z0 = (10 − 4.7·3) / (S √((6·3 − 9)/5)).
        let s = (161.24f64 / 6.0 - 4.7 * 4.7).sqrt();
        let by_hand = (10.0 - 4.7 * 3.0) / (s * (9.0f64 / 5.0).sqrt());
        assert!((z[0] - by_hand).abs() < 1e-12);
    }

    #[test]
    fn constant_values_stand_out_nowhere() {
        let w = Weights::distance_band(&POINTS, 15.0);
        assert!(gi_star(&[4.0; 6], &w).iter().all(|&z| z == 0.0));
    }

    #[test]
    fn band_on_a_hexagon_grid_takes_the_first_ring() {
        // Centres of a hexagon grid with edge 100 (flat-topped, as ST_HexagonGrid makes them):
        // columns 150 apart, rows √3·100 apart, odd columns shifted by half a row.
        let h = 3f64.sqrt() * 100.0;
        let mut centres = Vec::new();
        for i in 0..5 {
            for j in 0..5 {
                let shift = if i % 2 == 1 { h / 2.0 } else { 0.0 };
                centres.push((f64::from(i) * 150.0, f64::from(j) * h + shift));
            }
        }
        let w = Weights::distance_band(&centres, hexagon_band(100.0));
        // The centre cell (2, 2) has itself and its six neighbours.
        assert_eq!(w.neighbours[2 * 5 + 2].len(), 7);
        // A corner cell (0, 0): itself, (0, 1) above and (1, 0) to the upper right.
        assert_eq!(w.neighbours[0], vec![0, 1, 5]);
    }

    #[test]
    fn p_values_of_known_quantiles() {
        // Standard normal quantiles: 1.959963984540054 is the 97.5th percentile.
        let p = two_sided_p(1.959_963_984_540_054);
        assert!((p - 0.05).abs() < 1e-12, "{p}");
        assert!((two_sided_p(-2.575_829_303_548_901) - 0.01).abs() < 1e-12);
        assert!((two_sided_p(0.0) - 1.0).abs() < 1e-15);
    }
}
