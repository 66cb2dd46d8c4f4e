//! Hit rate and the Predictive Accuracy Index (Chainey, Tompson & Uhlig 2008): how much of what
//! happened next fell in the area a map singled out, against how much of the map that area is.

use serde::Serialize;

/// Hit rate and PAI of one "hotspot area".
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prediction {
    /// n: test-period points inside the area.
    pub hits: u64,
    /// N: test-period points in the whole study area.
    pub total: u64,
    /// a: the area, km².
    pub area_km2: f64,
    /// A: the study area, km².
    pub study_area_km2: f64,
    /// n/N (`None` when N = 0).
    pub hit_rate: Option<f64>,
    /// (n/N)/(a/A) (`None` when N = 0 or a = 0).
    pub pai: Option<f64>,
}

/// The figures for `hits` of `total` points in `area` of `study_area` (any one unit of area).
#[must_use]
pub fn predict(hits: u64, total: u64, area_km2: f64, study_area_km2: f64) -> Prediction {
    let hit_rate = (total > 0).then(|| hits as f64 / total as f64);
    let share = if study_area_km2 > 0.0 { area_km2 / study_area_km2 } else { 0.0 };
    let pai = hit_rate.filter(|_| share > 0.0).map(|h| h / share);
    Prediction { hits, total, area_km2, study_area_km2, hit_rate, pai }
}

/// The cells, highest `score` first, taken until their area reaches `target` (the last cell
/// taken may overshoot: the reported area is what was taken, not the target). Cells scoring 0
/// or less are never taken: a map that singles out nothing does not get credit for it. Ties are
/// broken by index, so the choice is reproducible.
#[must_use]
pub fn top_cells(score: &[f64], area: &[f64], target: f64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..score.len()).filter(|&i| score[i] > 0.0).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]).then(a.cmp(&b)));
    let mut taken = Vec::new();
    let mut sum = 0.0;
    for i in order {
        if sum >= target {
            break;
        }
        sum += area[i];
        taken.push(i);
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pai_by_hand() {
        // 30 of 120 points in 50 of 1,000 km²: hit rate 0.25, PAI = 0.25/0.05 = 5.
        let p = predict(30, 120, 50.0, 1000.0);
        assert_eq!(p.hit_rate, Some(0.25));
        assert!((p.pai.expect("a PAI") - 5.0).abs() < 1e-12);
        assert_eq!(predict(0, 0, 50.0, 1000.0).pai, None);
        assert_eq!(predict(3, 10, 0.0, 1000.0).pai, None);
    }

    #[test]
    fn top_cells_until_the_area_is_reached() {
        let score = [1.0, 5.0, 0.0, 3.0, 3.0];
        let area = [10.0, 4.0, 10.0, 4.0, 4.0];
        // 5.0 (4), then 3.0 ties by index: cell 3 (8), cell 4 (12 ≥ 10): stop.
        assert_eq!(top_cells(&score, &area, 10.0), vec![1, 3, 4]);
        // Zero scores are never taken, even when the target is not reached.
        assert_eq!(top_cells(&score, &area, 100.0), vec![1, 3, 4, 0]);
        assert!(top_cells(&score, &area, 0.0).is_empty());
    }
}
