//! The analysis layers' `prepare` step: Gi* needs every cell of the province, so a request does
//! not compute anything itself. It names a run — the layer, its parameters with the defaults
//! resolved, and the version of the inputs (see `migrations/0011_analysis_cache.sql`) — and the
//! first request for a run computes it (geometry in PostGIS, statistics in [`crate::analysis`])
//! and stores it; every other request, tile or export of the same map reads the stored cells.
//! A write to key points or boundaries bumps the inputs' version: the next request computes a
//! new run, never serves the old one.

use chrono::{DateTime, Datelike, Duration, FixedOffset, Months, NaiveDate, NaiveTime, Utc};
use sqlx::PgPool;

use super::layer::Layer;
use super::params::Filters;
use super::values::{Interval, ParamError, today};
use crate::analysis::{self, gistar, kde, trend};
use crate::db::analysis::{self as db, CellResults, GridCell, PointFilter, RunHeader};

/// Which analysis a layer serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Analysis {
    /// Gi* hot spots, FDR bins and kernel density of one window.
    HotSpots,
    /// Monthly Gi* and the Mann–Kendall trend of each cell's z-scores.
    Emerging,
}

impl Analysis {
    fn name(self) -> &'static str {
        match self {
            Self::HotSpots => "hotspots",
            Self::Emerging => "emerging_hotspots",
        }
    }
}

/// The most cells a grid over the province may have.
pub const MAX_CELLS: f64 = 100_000.0;
/// The most months an emerging-hotspot window may span.
pub const MAX_MONTHS: usize = 120;
/// Months of an emerging-hotspot window without a start.
pub const DEFAULT_MONTHS: u32 = 12;

/// The parameters of one analysis request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Hexagon edge, m (`None`: the default from the province's extent).
    pub cell: Option<f64>,
    /// KDE search radius, m (`None`: the default from the points).
    pub radius: Option<f64>,
    /// The key points counted.
    pub points: PointFilter,
}

/// Why a run could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// A parameter the data make impossible (a 400).
    #[error(transparent)]
    Param(#[from] ParamError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The default edge: the shorter side of the province's bounding box / 50, rounded down to
/// 100 m (and at least 100 m), as analysts choose a first grid.
#[must_use]
pub fn default_cell(short_side_m: f64) -> f64 {
    ((short_side_m / 50.0 / 100.0).floor() * 100.0).max(100.0)
}

/// The area of a regular hexagon of edge `edge`: (3√3/2)·edge².
#[must_use]
pub fn hexagon_area(edge: f64) -> f64 {
    1.5 * 3f64.sqrt() * edge * edge
}

/// Refuses an edge that would cut `area_m2` into more than [`MAX_CELLS`] hexagons, saying how
/// many it would make and the smallest edge allowed.
///
/// # Errors
/// Too many cells.
pub fn check_cell(cell: f64, area_m2: f64) -> Result<(), ParamError> {
    let cells = area_m2 / hexagon_area(cell);
    if cells > MAX_CELLS {
        let min = (area_m2 / (MAX_CELLS * hexagon_area(1.0))).sqrt().ceil();
        return Err(ParamError(format!(
            "cell: {cell} m would make about {cells:.0} cells over the province; at most {MAX_CELLS:.0} are \
             allowed, so the edge must be at least {min} m"
        )));
    }
    Ok(())
}

/// The Vietnamese calendar months of an emerging-hotspot window, as year·12 + month − 1 (the
/// numbering of `db::analysis`), and the window with its defaults resolved: without an end, up
/// to the end of the current month; without a start, the [`DEFAULT_MONTHS`] months before.
///
/// # Errors
/// More than [`MAX_MONTHS`] months.
pub fn months(window: Interval, now: DateTime<Utc>) -> Result<(Interval, Vec<i32>), ParamError> {
    // Vietnam keeps UTC+7 all year.
    let offset = FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| unreachable!("7 h is a valid offset"));
    let month_of = |t: DateTime<Utc>| {
        let d = t.with_timezone(&offset).date_naive();
        d.year() * 12 + d.month0().cast_signed()
    };
    let first_day = |m: i32| {
        let day = NaiveDate::from_ymd_opt(m.div_euclid(12), m.rem_euclid(12).cast_unsigned() + 1, 1)
            .unwrap_or(NaiveDate::MIN);
        day.and_time(NaiveTime::MIN).and_utc() - Duration::hours(7)
    };
    let end = window.end.unwrap_or_else(|| first_day(month_of(now) + 1));
    let start =
        window.start.unwrap_or_else(|| end.checked_sub_months(Months::new(DEFAULT_MONTHS)).unwrap_or(end));
    let (first, last) = (month_of(start), month_of(end - Duration::microseconds(1)));
    let count = usize::try_from(last - first + 1).unwrap_or(0);
    if count > MAX_MONTHS {
        return Err(ParamError(format!(
            "datetime: the window spans {count} months; emerging hot spots take at most {MAX_MONTHS}"
        )));
    }
    Ok((Interval { start: Some(start), end: Some(end) }, (first..=last).collect()))
}

/// The analysis an analysis layer's source reads, by layer id (`catalog/analyses.rs`).
#[must_use]
pub fn analysis_of(layer: &Layer) -> Option<Analysis> {
    match layer.id {
        "hotspots" => Some(Analysis::HotSpots),
        "emerging_hotspots" => Some(Analysis::Emerging),
        _ => None,
    }
}

/// Resolves the date of the units a layer with `units_as_of` aggregates into. For an analysis
/// layer, finds or computes the run of the request's parameters and records it
/// in `filters.run`, which the source reads; other layers are left alone. Every endpoint that
/// reads a layer (items, one item, tiles, exports) calls this after parsing its filters.
///
/// # Errors
/// As [`prepare`].
pub async fn prepare_filters(
    pool: &PgPool,
    layer: &Layer,
    filters: &mut Filters,
) -> Result<(), PrepareError> {
    filters.resolve_units_as_of();
    let Some(analysis) = analysis_of(layer) else { return Ok(()) };
    let window = filters.param_window("datetime");
    let req = Request {
        cell: filters.param_number("cell"),
        radius: filters.param_number("radius"),
        points: PointFilter {
            // The province whose grid the window is counted on (units_as_of, resolved above).
            as_of: filters.param_date("units_as_of").unwrap_or_else(today),
            start: window.start,
            end: window.end,
            category: filters.param_text("category").map(str::to_owned),
        },
    };
    filters.run = Some(prepare(pool, analysis, &req).await?);
    Ok(())
}

/// The canonical text of a run's parameters, its key in `analysis_runs`. The default cell stays
/// "None": it follows from `as_of`'s boundary, which the inputs' version covers.
fn run_key(req: &Request) -> String {
    let p = &req.points;
    let time = |t: Option<DateTime<Utc>>| t.map_or_else(|| "..".to_owned(), |t| t.to_rfc3339());
    format!(
        "cell={:?};radius={:?};as_of={};start={};end={};category={}",
        req.cell,
        req.radius,
        p.as_of,
        time(p.start),
        time(p.end),
        p.category.as_deref().unwrap_or("*")
    )
}

/// The edge of `req`'s grid, its default resolved, refused when too fine for the province.
async fn resolve_cell(conn: &mut sqlx::PgConnection, req: &Request) -> Result<f64, PrepareError> {
    let Some(size) = db::province_size(conn, req.points.as_of).await? else {
        return Err(
            ParamError(format!("as_of: no province boundary is valid on {}", req.points.as_of)).into()
        );
    };
    let cell = req.cell.unwrap_or_else(|| default_cell(size.short_side_m));
    check_cell(cell, size.area_m2)?;
    Ok(cell)
}

/// The run of `analysis` for `req`: found, or computed and stored. Returns its id, which the
/// layer's SQL source reads as `{run}`.
///
/// # Errors
/// A 400 for a grid too fine for the province, a window too long or a date without a province;
/// the database failing.
pub async fn prepare(pool: &PgPool, analysis: Analysis, req: &Request) -> Result<i64, PrepareError> {
    let mut req = req.clone();
    let months = if analysis == Analysis::Emerging {
        let (window, months) = months(Interval { start: req.points.start, end: req.points.end }, Utc::now())?;
        (req.points.start, req.points.end) = (window.start, window.end);
        months
    } else {
        Vec::new()
    };
    let key = run_key(&req);
    // A stored run, the case of every request after the first: one read. Through the lock
    // below, every tile of an analysis layer was a write transaction (lock, version, an update
    // of used_at, commit) queued behind the others on one row; used_at needs only the minute.
    if let Some((id, stale)) = db::stored_run(pool, analysis.name(), &key).await? {
        if stale {
            db::touch_run(pool, id).await?;
        }
        return Ok(id);
    }
    let mut tx = pool.begin().await?;
    db::lock_key(&mut tx, analysis.name(), &key).await?;
    // Read the version before the data: what is computed is then at least as new as the
    // version it is filed under.
    let version = db::inputs_version(&mut tx).await?;
    if let Some(id) = db::find_run(&mut tx, analysis.name(), &key, version).await? {
        tx.commit().await?;
        return Ok(id);
    }
    // Not stored yet: check the grid before any work.
    let cell = resolve_cell(&mut tx, &req).await?;
    let grid = db::make_grid(&mut tx, req.points.as_of, cell).await?;
    let (counts, points) = locate(&grid, cell, &db::points(&mut tx, &req.points).await?);
    let n_points = i64::try_from(points.len()).unwrap_or(i64::MAX);
    let radius = req.radius;
    let (results, radius, grid) = tokio::task::spawn_blocking(move || {
        let (results, radius) = match analysis {
            Analysis::HotSpots => hot_spot_cells(&grid, &counts, &points, cell, radius),
            Analysis::Emerging => (emerging_cells(&grid, &counts, &months, cell), None),
        };
        (results, radius, grid)
    })
    .await
    .map_err(|e| sqlx::Error::Protocol(format!("the statistics task failed: {e}")))?;
    let header = RunHeader { layer: analysis.name(), key: &key, version, cell, radius, points: n_points };
    let id = db::store_run(&mut tx, &header, &grid, &results).await?;
    tx.commit().await?;
    Ok(id)
}

/// The grid of `req` over the province and the key points counted in each cell (in the grid's
/// order), computed afresh without storing anything: for `antq bench-hotspots`.
///
/// # Errors
/// As [`prepare`].
pub async fn grid_counts(
    pool: &PgPool,
    req: &Request,
) -> Result<(f64, Vec<GridCell>, Vec<i32>), PrepareError> {
    let mut tx = pool.begin().await?;
    let cell = resolve_cell(&mut tx, req).await?;
    let grid = db::make_grid(&mut tx, req.points.as_of, cell).await?;
    let counts = count_vector(&grid, &locate(&grid, cell, &db::points(&mut tx, &req.points).await?).0, None);
    tx.rollback().await?;
    Ok((cell, grid, counts))
}

/// See [`locate`].
type Located = (Vec<(usize, i32)>, Vec<(f64, f64)>);

/// The cell (index in `grid`) and month of each point that falls in a cell of the grid, and
/// those points' coordinates; points outside every cell are left out.
fn locate(grid: &[GridCell], cell: f64, points: &db::Points) -> Located {
    let index: std::collections::HashMap<(i32, i32), usize> =
        grid.iter().enumerate().map(|(k, c)| ((c.i, c.j), k)).collect();
    let mut located = Vec::with_capacity(points.x.len());
    let mut kept = Vec::with_capacity(points.x.len());
    for ((&px, &py), &m) in points.x.iter().zip(&points.y).zip(&points.month) {
        if let Some(&k) = index.get(&analysis::hexagon_of(px, py, cell)) {
            located.push((k, m));
            kept.push((px, py));
        }
    }
    (located, kept)
}

/// Points per cell of `grid` (in its order), in month `month` or in all (`None`).
fn count_vector(grid: &[GridCell], located: &[(usize, i32)], month: Option<i32>) -> Vec<i32> {
    let mut v = vec![0; grid.len()];
    for &(k, m) in located {
        if month.is_none_or(|month| month == m) {
            v[k] += 1;
        }
    }
    v
}

fn weights(grid: &[GridCell], cell: f64) -> gistar::Weights {
    let centres: Vec<(f64, f64)> = grid.iter().map(|c| (c.cx, c.cy)).collect();
    gistar::Weights::distance_band(&centres, gistar::hexagon_band(cell))
}

/// Gi*, FDR bins and kernel density (key points per km²) of every cell; the radius used.
fn hot_spot_cells(
    grid: &[GridCell],
    counts: &[(usize, i32)],
    points: &[(f64, f64)],
    cell: f64,
    radius: Option<f64>,
) -> (CellResults, Option<f64>) {
    let count = count_vector(grid, counts, None);
    let x: Vec<f64> = count.iter().map(|&n| f64::from(n)).collect();
    let hs = analysis::hot_spots_with(&x, &weights(grid, cell));
    let radius = radius.or_else(|| kde::default_radius(points));
    let centres: Vec<(f64, f64)> = grid.iter().map(|c| (c.cx, c.cy)).collect();
    let density = radius.map_or_else(|| vec![0.0; grid.len()], |r| kde::density(points, &centres, r));
    let results = CellResults {
        count,
        gi_z: hs.z.into_iter().map(Some).collect(),
        gi_p: hs.p.into_iter().map(Some).collect(),
        gi_bin: hs.bin.into_iter().map(Some).collect(),
        density: density.into_iter().map(|d| Some(d * 1e6)).collect(),
        pattern: vec![None; grid.len()],
        trend_z: vec![None; grid.len()],
        trend_p: vec![None; grid.len()],
    };
    (results, radius)
}

/// Monthly Gi* (FDR within each month), the Mann–Kendall trend of each cell's z-scores and its
/// pattern.
fn emerging_cells(grid: &[GridCell], counts: &[(usize, i32)], months: &[i32], cell: f64) -> CellResults {
    let w = weights(grid, cell);
    let by_month: Vec<Vec<i32>> = months.iter().map(|&m| count_vector(grid, counts, Some(m))).collect();
    let monthly: Vec<analysis::HotSpots> = by_month
        .iter()
        .map(|x| analysis::hot_spots_with(&x.iter().map(|&n| f64::from(n)).collect::<Vec<_>>(), &w))
        .collect();
    let total = (0..grid.len()).map(|k| by_month.iter().map(|x| x[k]).sum()).collect();
    let mut results = CellResults { count: total, ..CellResults::default() };
    for k in 0..grid.len() {
        let z: Vec<f64> = monthly.iter().map(|h| h.z[k]).collect();
        let hot: Vec<bool> = monthly.iter().map(|h| h.bin[k] >= 1).collect();
        let mk = trend::mann_kendall(&z);
        results.pattern.push(Some(trend::classify(&hot, &mk).as_str().to_owned()));
        results.trend_z.push(Some(mk.z));
        results.trend_p.push(Some(mk.p));
        results.gi_z.push(None);
        results.gi_p.push(None);
        results.gi_bin.push(None);
        results.density.push(None);
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_cell_and_the_cap() {
        // Lao Cai's bounding box is about 95 km on its shorter side: 95,000 / 50 = 1,900 m.
        assert!((default_cell(95_000.0) - 1900.0).abs() < f64::EPSILON);
        assert!((default_cell(95_099.0) - 1900.0).abs() < f64::EPSILON, "rounded down");
        assert!((default_cell(1000.0) - 100.0).abs() < f64::EPSILON, "never below 100 m");
        // 6,380 km² in hexagons of 1 m (2.598 m² each) is 2.46e9 cells; the smallest edge for
        // 100,000 cells is √(6.38e9 / (1e5 · 2.598)) = 156.7 → 157 m.
        let refusal = check_cell(1.0, 6.38e9).expect_err("too fine").0;
        assert!(refusal.starts_with("cell: 1 m would make about 2455"), "{refusal}");
        assert!(refusal.ends_with("the edge must be at least 157 m"), "{refusal}");
        assert!(check_cell(157.0, 6.38e9).is_ok());
    }

    #[test]
    fn months_of_a_window_in_vietnam_time() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).expect("a time").with_timezone(&Utc);
        // 2020-01-01 00:00 in Vietnam is 2019-12-31 17:00 UTC: January, not December.
        let w = Interval { start: Some(at("2019-12-31T17:00:00Z")), end: Some(at("2020-03-31T17:00:00Z")) };
        let (_, m) = months(w, at("2026-11-27T00:00:00Z")).expect("three months");
        assert_eq!(m, vec![2020 * 12, 2020 * 12 + 1, 2020 * 12 + 2]);
        // Without bounds: the 12 months up to and including the current one (November 2026).
        let (w, m) = months(Interval { start: None, end: None }, at("2026-11-27T00:00:00Z")).expect("a year");
        assert_eq!(m.len(), 12);
        assert_eq!(m.last(), Some(&(2026 * 12 + 10)));
        assert_eq!(w.end, Some(at("2026-11-30T17:00:00Z")));
        let long =
            Interval { start: Some(at("2000-01-01T00:00:00Z")), end: Some(at("2020-01-01T00:00:00Z")) };
        assert!(months(long, at("2026-11-27T00:00:00Z")).is_err());
    }
}
