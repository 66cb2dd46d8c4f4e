//! Kernel density with the quartic (biweight) kernel and the default search radius of ArcGIS
//! Kernel Density (Silverman 1986, eq. 4.5, adapted to two dimensions by Esri: "How Kernel
//! Density works").
//!
//! `density(c) = (1/r²) Σ_{d_i < r} (3/π) (1 − (d_i/r)²)²`, `d_i` the distance from c to point
//! i, in points per square unit; `r = 0.9 · min(SD, √(1/ln 2) · D_m) · n^(−0.2)`, SD the
//! standard distance and `D_m` the median distance of the points to their mean centre.

use std::collections::HashMap;
use std::f64::consts::{LN_2, PI};

/// The default search radius for `points`, or `None` with fewer than two points or when they all
/// coincide (a radius of zero would divide by zero).
#[must_use]
pub fn default_radius(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let mut d2: Vec<f64> = points.iter().map(|p| (p.0 - mx).powi(2) + (p.1 - my).powi(2)).collect();
    // Standard distance: √(Σ d_i² / n).
    let sd = (d2.iter().sum::<f64>() / n).sqrt();
    d2.sort_by(f64::total_cmp);
    let mid = d2.len() / 2;
    let median = if d2.len().is_multiple_of(2) {
        f64::midpoint(d2[mid - 1].sqrt(), d2[mid].sqrt())
    } else {
        d2[mid].sqrt()
    };
    let r = 0.9 * sd.min((1.0 / LN_2).sqrt() * median) * n.powf(-0.2);
    (r > 0.0).then_some(r)
}

/// Quartic kernel density of `points` at each of `at`, in points per square unit, radius `r`.
#[must_use]
pub fn density(points: &[(f64, f64)], at: &[(f64, f64)], r: f64) -> Vec<f64> {
    if !(r.is_finite() && r > 0.0) {
        return vec![0.0; at.len()];
    }
    let key = |&(x, y): &(f64, f64)| ((x / r).floor() as i64, (y / r).floor() as i64);
    let mut buckets: HashMap<(i64, i64), Vec<(f64, f64)>> = HashMap::new();
    for p in points {
        buckets.entry(key(p)).or_default().push(*p);
    }
    let r2 = r * r;
    at.iter()
        .map(|c| {
            let (kx, ky) = key(c);
            let mut sum = 0.0;
            for dx in -1..=1 {
                for dy in -1..=1 {
                    for q in buckets.get(&(kx + dx, ky + dy)).map_or(&[][..], Vec::as_slice) {
                        let d2 = (q.0 - c.0).powi(2) + (q.1 - c.1).powi(2);
                        if d2 < r2 {
                            sum += (1.0 - d2 / r2).powi(2);
                        }
                    }
                }
            }
            3.0 / PI * sum / r2
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn density_by_hand() {
        // r = 10, at the origin: points at distance 0, 5, 6·√2 ≈ 8.49 (inside) and 10 (on the
        // edge: d < r fails, so it adds nothing), and 20 (outside).
        // Terms (1 − d²/r²)²: 1, (1 − 25/100)² = 0.5625, (1 − 72/100)² = 0.0784, 0.
        // density = (1/100)·(3/π)·(1 + 0.5625 + 0.0784) = 0.016409·3/π = 0.015669…
        let pts = [(0.0, 0.0), (5.0, 0.0), (6.0, 6.0), (0.0, 10.0), (20.0, 0.0)];
        let d = density(&pts, &[(0.0, 0.0)], 10.0);
        let by_hand = 3.0 / PI * 1.6409 / 100.0;
        assert!((d[0] - by_hand).abs() < 1e-15, "{d:?}");
        // Far from every point the density is zero.
        assert!(density(&pts, &[(100.0, 100.0)], 10.0)[0].abs() < f64::EPSILON);
    }

    #[test]
    fn default_radius_by_hand() {
        // Four corners of a 6 × 8 rectangle: mean centre (3, 4), each corner 5 away.
        // SD = √((4·25)/4) = 5; D_m = 5; √(1/ln 2)·5 = 6.0056… > 5, so min = SD = 5.
        // r = 0.9 · 5 · 4^(−0.2) = 4.5 · 0.757858… = 3.410362…
        let pts = [(0.0, 0.0), (6.0, 0.0), (0.0, 8.0), (6.0, 8.0)];
        let r = default_radius(&pts).expect("a radius");
        assert!((r - 4.5 * 4f64.powf(-0.2)).abs() < 1e-12, "{r}");
        assert!((r - 3.410_362).abs() < 1e-6);
    }

    #[test]
    fn default_radius_takes_the_median_when_smaller() {
        // Five points: (0,0) ×3, (10,0), (−10,0). Mean centre (0, 0); distances 0, 0, 0, 10, 10.
        // SD = √(200/5) = 6.3246; D_m = 0, so min(SD, √(1/ln 2)·0) = 0: no radius.
        let pts = [(0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (10.0, 0.0), (-10.0, 0.0)];
        assert_eq!(default_radius(&pts), None);
        // Six points: distances 1, 1, 1, 1, 30, 30 around (0, 0) → SD = √((4 + 1800)/6) = 17.34;
        // D_m = (1 + 1)/2 = 1 → √(1/ln 2) = 1.201122…; r = 0.9 · 1.201122 · 6^(−0.2) = 0.756…
        let pts = [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0), (30.0, 0.0), (-30.0, 0.0)];
        let r = default_radius(&pts).expect("a radius");
        assert!((r - 0.9 * (1.0 / LN_2).sqrt() * 6f64.powf(-0.2)).abs() < 1e-12, "{r}");
        assert_eq!(default_radius(&[(1.0, 1.0)]), None);
    }
}
