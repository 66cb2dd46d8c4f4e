//! The Benjamini–Hochberg false-discovery-rate correction (Benjamini & Hochberg 1995) and the
//! hot- and cold-spot confidence bins ArcGIS Hot Spot Analysis reports after it.
//!
//! Testing thousands of cells at 95 % would flag one in twenty by chance alone. BH sorts the m
//! p-values, and rejects every hypothesis up to the largest rank k with p_(k) ≤ (k/m)·α; the
//! adjusted p-value ("q-value") q_(i) = min_{k ≥ i} min(1, p_(k)·m/k) is significant at level α
//! exactly when BH at α rejects it, so one pass gives the answer at every confidence level.

/// BH-adjusted p-values, in the order given.
#[must_use]
pub fn bh_adjust(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut q = vec![1.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64).min(1.0);
        q[i] = running;
    }
    q
}

/// The confidence bin of a cell: ±3 at 99 %, ±2 at 95 %, ±1 at 90 %, 0 otherwise, signed by
/// the z-score (positive: a hot spot), from its BH-adjusted p-value.
#[must_use]
pub fn bin(z: f64, q: f64) -> i32 {
    let level = [0.01, 0.05, 0.10].iter().filter(|&&alpha| q <= alpha).count();
    let level = i32::try_from(level).unwrap_or(0);
    if z > 0.0 {
        level
    } else if z < 0.0 {
        -level
    } else {
        0
    }
}

/// Bins for every cell after the BH correction over all of them.
#[must_use]
pub fn bins(z: &[f64], p: &[f64]) -> Vec<i32> {
    bh_adjust(p).iter().zip(z).map(|(&q, &z)| bin(z, q)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_checked_list() {
        // m = 5, given out of order. Sorted: 0.005, 0.011, 0.02, 0.04, 0.5.
        // p·m/k: 0.005·5/1 = 0.025, 0.011·5/2 = 0.0275, 0.02·5/3 = 0.0333…, 0.04·5/4 = 0.05,
        // 0.5·5/5 = 0.5. Running minimum from the top changes nothing (already increasing).
        let p = [0.04, 0.005, 0.5, 0.02, 0.011];
        let q = bh_adjust(&p);
        let expected = [0.05, 0.025, 0.5, 0.02 * 5.0 / 3.0, 0.0275];
        for (got, want) in q.iter().zip(expected) {
            assert!((got - want).abs() < 1e-15, "{q:?}");
        }
        // At α = 0.05 BH rejects ranks 1..4 (0.04 ≤ 4/5·0.05 = 0.04), not 0.5.
        assert_eq!(bins(&[1.0, 1.0, 1.0, -1.0, 1.0], &p), vec![2, 2, 0, -2, 2]);
    }

    #[test]
    fn running_minimum_lowers_earlier_ranks() {
        // Sorted 0.01, 0.03, 0.031 with m = 3: 0.03, 0.045, 0.031. The second is lowered to the
        // third's 0.031 (BH rejects all three at 0.05 because 0.031 ≤ 3/3·0.05).
        let q = bh_adjust(&[0.031, 0.01, 0.03]);
        assert!((q[0] - 0.031).abs() < 1e-15 && (q[2] - 0.031).abs() < 1e-15 && (q[1] - 0.03).abs() < 1e-15);
    }

    #[test]
    fn bins_by_level_and_sign() {
        assert_eq!(bin(3.0, 0.001), 3);
        assert_eq!(bin(-3.0, 0.03), -2);
        assert_eq!(bin(2.0, 0.08), 1);
        assert_eq!(bin(2.0, 0.2), 0);
        assert_eq!(bin(0.0, 0.0), 0);
        assert!(bh_adjust(&[]).is_empty());
    }
}
