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
