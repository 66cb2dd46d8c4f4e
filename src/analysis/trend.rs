//! The Mann–Kendall trend test (Mann 1945; Kendall 1975) and the emerging-hotspot patterns,
//! after Esri's Emerging Hot Spot Analysis, simplified to hot spots and to what monthly counts of
//! a province support.

use super::gistar::two_sided_p;

/// A Mann–Kendall test of a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannKendall {
    /// `S = Σ_{k<j} sign(x_j − x_k)`.
    pub s: i64,
    /// Var(S) = n(n−1)(2n+5)/18 (no tie correction).
    pub var: f64,
    /// Z = (S − 1)/√Var(S) if S > 0, (S + 1)/√Var(S) if S < 0, else 0.
    pub z: f64,
    /// Two-sided p-value of Z.
    pub p: f64,
}

/// The Mann–Kendall test of `x` in time order.
#[must_use]
pub fn mann_kendall(x: &[f64]) -> MannKendall {
    let mut s = 0i64;
    for (k, a) in x.iter().enumerate() {
        for b in &x[k + 1..] {
            s += match b.partial_cmp(a) {
                Some(std::cmp::Ordering::Greater) => 1,
                Some(std::cmp::Ordering::Less) => -1,
                _ => 0,
            };
        }
    }
    let n = x.len() as f64;
    let var = n * (n - 1.0) * (2.0 * n + 5.0) / 18.0;
    let z = match s {
        _ if var <= 0.0 => 0.0,
        s if s > 0 => (s - 1) as f64 / var.sqrt(),
        s if s < 0 => (s + 1) as f64 / var.sqrt(),
        _ => 0.0,
    };
    MannKendall { s, var, z, p: two_sided_p(z) }
}

/// The significance level of the trend in the patterns.
pub const TREND_ALPHA: f64 = 0.05;

/// An emerging-hotspot pattern (see [`classify`] for the exact rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Hot only in the last month.
    New,
    /// Hot in ≥ 90 % of months, the last included, with a significant upward trend of z.
    Intensifying,
    /// Hot in ≥ 90 % of months without a significant trend.
    Persistent,
    /// Hot in ≥ 90 % of months with a significant downward trend of z.
    Diminishing,
    /// Hot in the last month and in some, fewer than 90 %, of the earlier ones.
    Sporadic,
    /// None of the above (never hot, or hot in the past but not in the last month).
    NoPattern,
}

impl Pattern {
    /// The value served in the `pattern` property.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Intensifying => "intensifying",
            Self::Persistent => "persistent",
            Self::Diminishing => "diminishing",
            Self::Sporadic => "sporadic",
            Self::NoPattern => "no_pattern",
        }
    }
}

/// Classifies a cell from its monthly hot flags (FDR-corrected hot spot at 90 % or more that
/// month, in time order) and the Mann–Kendall test of its monthly z-scores. In this order:
/// 1. never hot → no pattern;
/// 2. hot only in the last month (and never before) → new;
/// 3. hot in at least ⌈0.9·T⌉ of the T months → intensifying if the last month is hot and the
///    trend is significantly upward, diminishing if the trend is significantly downward, else
///    persistent;
/// 4. hot in the last month → sporadic (Esri's sporadic, consecutive and oscillating hot spots
///    together: cold spots are not tracked);
/// 5. otherwise (hot in the past, not now) → no pattern.
#[must_use]
pub fn classify(hot: &[bool], trend: &MannKendall) -> Pattern {
    let months = hot.len();
    let count = hot.iter().filter(|&&h| h).count();
    let last = hot.last().copied().unwrap_or(false);
    let significant = trend.p < TREND_ALPHA;
    if count == 0 {
        Pattern::NoPattern
    } else if last && count == 1 {
        Pattern::New
    } else if count * 10 >= months * 9 {
        if last && significant && trend.z > 0.0 {
            Pattern::Intensifying
        } else if significant && trend.z < 0.0 {
            Pattern::Diminishing
        } else {
            Pattern::Persistent
        }
    } else if last {
        Pattern::Sporadic
    } else {
        Pattern::NoPattern
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mann_kendall_by_hand() {
        // x = [1, 3, 2, 5, 4], n = 5. Pairs (k<j), sign(x_j − x_k):
        // from 1: +1 +1 +1 +1 = 4; from 3: −1 +1 +1 = 1; from 2: +1 +1 = 2; from 5: −1 = −1.
        // S = 4 + 1 + 2 − 1 = 6. Var(S) = 5·4·15/18 = 16.6667. Z = (6 − 1)/√16.6667 = 1.224745.
        // Two-sided p = erfc(1.224745/√2) = 0.220671.
        let mk = mann_kendall(&[1.0, 3.0, 2.0, 5.0, 4.0]);
        assert_eq!(mk.s, 6);
        assert!((mk.var - 300.0 / 18.0).abs() < 1e-12);
        assert!((mk.z - 5.0 / (300.0f64 / 18.0).sqrt()).abs() < 1e-12);
        assert!((mk.z - 1.224_745).abs() < 1e-6);
        assert!((mk.p - 0.220_671).abs() < 1e-6, "{}", mk.p);
        // Reversed: S = −6, Z = (−6 + 1)/√16.667.
        let down = mann_kendall(&[4.0, 5.0, 2.0, 3.0, 1.0]);
        assert_eq!(down.s, -6);
        assert!((down.z + 1.224_745).abs() < 1e-6);
        // A flat series and a single value: S = 0, Z = 0.
        assert!(mann_kendall(&[2.0; 4]).z.abs() < f64::EPSILON);
        assert!(mann_kendall(&[2.0]).z.abs() < f64::EPSILON);
    }

    #[test]
    fn a_steady_rise_over_twelve_months_is_significant() {
        // Strictly increasing, n = 12: S = 66, Var = 12·11·29/18 = 212.667, Z = 65/14.583 = 4.457.
        let series: Vec<f64> = (0..12).map(f64::from).collect();
        let mk = mann_kendall(&series);
        assert_eq!(mk.s, 66);
        assert!((mk.z - 65.0 / (12.0f64 * 11.0 * 29.0 / 18.0).sqrt()).abs() < 1e-12);
        assert!(mk.p < 1e-4);
    }

    #[test]
    fn patterns() {
        let flat = mann_kendall(&[1.0; 10]);
        let up = mann_kendall(&(0..10).map(f64::from).collect::<Vec<_>>());
        let down = mann_kendall(&(0..10).rev().map(f64::from).collect::<Vec<_>>());
        let mut hot = [false; 10];
        assert_eq!(classify(&hot, &flat), Pattern::NoPattern);
        hot[9] = true;
        assert_eq!(classify(&hot, &up), Pattern::New);
        hot[3] = true;
        assert_eq!(classify(&hot, &flat), Pattern::Sporadic);
        hot[9] = false;
        assert_eq!(classify(&hot, &flat), Pattern::NoPattern);
        // Nine of ten months hot (90 %), the last included.
        let mut mostly = [true; 10];
        mostly[0] = false;
        assert_eq!(classify(&mostly, &up), Pattern::Intensifying);
        assert_eq!(classify(&mostly, &flat), Pattern::Persistent);
        assert_eq!(classify(&mostly, &down), Pattern::Diminishing);
        // Eight of ten is below 90 %: sporadic.
        mostly[1] = false;
        assert_eq!(classify(&mostly, &up), Pattern::Sporadic);
        assert_eq!(Pattern::NoPattern.as_str(), "no_pattern");
    }
}
