//! The geometry side of the analyses: the hexagon grid over the province, key points counted per
//! cell, and the stored runs the analysis layers read (see `migrations/0011_analysis_cache.sql`).
//!
//! Grids are built with `ST_HexagonGrid` in UTM 48N (EPSG:32648, metres), which covers Lao Cai;
//! a cell is the hexagon clipped to the province, its centre the unclipped hexagon's centre so
//! that the weights see a regular lattice.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

/// Which key points an analysis counts.
#[derive(Debug, Clone, PartialEq)]
pub struct PointFilter {
    /// The province boundary's date.
    pub as_of: NaiveDate,
    /// Observed at or after (open when `None`).
    pub start: Option<DateTime<Utc>>,
    /// Observed before (open when `None`).
    pub end: Option<DateTime<Utc>>,
    /// Only this category (all when `None`).
    pub category: Option<String>,
}

/// The province's size in EPSG:32648.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProvinceSize {
    /// Area, m².
    pub area_m2: f64,
    /// The shorter side of the bounding box, m.
    pub short_side_m: f64,
}

/// The province on `as_of` (`atlas_home_province`: old Lào Cai before 2025-07-01, not old Yên
/// Bái beside it), in EPSG:32648.
const PROVINCE: &str = "select ST_Transform(u.geom, 32648) as g from atlas_home_province($1::date) u";

/// The province's area and bounding box on `as_of` (`None` when no province was valid then).
///
/// # Errors
/// The database fails.
pub async fn province_size(conn: &mut PgConnection, as_of: NaiveDate) -> sqlx::Result<Option<ProvinceSize>> {
    let row: Option<(Option<f64>, Option<f64>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "with p as ({PROVINCE})
         select ST_Area(p.g), least(ST_XMax(p.g) - ST_XMin(p.g), ST_YMax(p.g) - ST_YMin(p.g)) from p"
    )))
    .bind(as_of)
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(|(a, s)| Some(ProvinceSize { area_m2: a?, short_side_m: s? })))
}

/// The version of the analyses' inputs (bumped by every write to key points or units).
///
/// # Errors
/// The database fails.
pub async fn inputs_version(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar("select version from analysis_inputs").fetch_one(conn).await
}

/// Forgets every stored run, so that the next request computes its run as a first one does
/// (`antq bench-hotspots` times exactly that).
///
/// # Errors
/// The database fails.
pub async fn forget_runs(pool: &PgPool) -> sqlx::Result<()> {
    sqlx::query("delete from analysis_runs").execute(pool).await?;
    Ok(())
}

/// The stored run of `layer` for `key` at `version`, marking it used.
///
/// # Errors
/// The database fails.
pub async fn find_run(
    conn: &mut PgConnection,
    layer: &str,
    key: &str,
    version: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "update analysis_runs set used_at = now()
         where layer = $1 and key = $2 and inputs_version = $3 returning id",
    )
    .bind(layer)
    .bind(key)
    .bind(version)
    .fetch_optional(conn)
    .await
}

/// The stored run of `layer` for `key` at the current inputs' version, read without a lock or a
/// write, with whether its `used_at` is over a minute old (then [`touch_run`]): the path of
/// every request after a run's first. The version and the run come from one snapshot.
///
/// # Errors
/// The database fails.
pub async fn stored_run(pool: &PgPool, layer: &str, key: &str) -> sqlx::Result<Option<(i64, bool)>> {
    sqlx::query_as(
        "select r.id, r.used_at < now() - interval '1 minute' from analysis_runs r
         where r.layer = $1 and r.key = $2 and r.inputs_version = (select version from analysis_inputs)",
    )
    .bind(layer)
    .bind(key)
    .fetch_optional(pool)
    .await
}

/// Marks run `id` used now (for keeping the most recently used runs, see [`store_run`]).
///
/// # Errors
/// The database fails.
pub async fn touch_run(pool: &PgPool, id: i64) -> sqlx::Result<()> {
    sqlx::query("update analysis_runs set used_at = now() where id = $1")
        .bind(id)
        .execute(pool)
        .await
        .map(drop)
}

/// Serialises computations of one run: concurrent tile requests for a new parameter set wait for
/// the first to finish, then find its result. Released at the end of the transaction.
///
/// # Errors
/// The database fails.
pub async fn lock_key(tx: &mut Transaction<'_, Postgres>, layer: &str, key: &str) -> sqlx::Result<()> {
    sqlx::query("select pg_advisory_xact_lock(hashtextextended($1 || '|' || $2, 0))")
        .bind(layer)
        .bind(key)
        .execute(&mut **tx)
        .await
        .map(drop)
}

/// One cell of the grid.
#[derive(Debug, Clone, Copy, PartialEq, sqlx::FromRow)]
pub struct GridCell {
    /// Column index of `ST_HexagonGrid`.
    pub i: i32,
    /// Row index.
    pub j: i32,
    /// Centre of the whole hexagon, EPSG:32648.
    pub cx: f64,
    /// Centre, northing.
    pub cy: f64,
    /// Area of the cell clipped to the province, m².
    pub area_m2: f64,
}

/// Builds the grid of hexagons of edge `cell` over the province into the transaction's temporary
/// table `analysis_grid`, and returns its cells ordered by (i, j).
///
/// # Errors
/// The database fails.
pub async fn make_grid(
    tx: &mut Transaction<'_, Postgres>,
    as_of: NaiveDate,
    cell: f64,
) -> sqlx::Result<Vec<GridCell>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "create temporary table analysis_grid on commit drop as
         with p as ({PROVINCE})
         select h.i, h.j, ST_X(ST_Centroid(h.geom)) as cx, ST_Y(ST_Centroid(h.geom)) as cy,
                case when ST_Within(h.geom, p.g) then h.geom else ST_Intersection(h.geom, p.g) end as geom
         from p cross join lateral ST_HexagonGrid($2::float8, p.g) h
         where ST_Intersects(h.geom, p.g)"
    )))
    .bind(as_of)
    .bind(cell)
    .execute(&mut **tx)
    .await?;
    sqlx::query_as("select i, j, cx, cy, ST_Area(geom) as area_m2 from analysis_grid order by i, j")
        .fetch_all(&mut **tx)
        .await
}

/// Key points as columns.
#[derive(Debug, Default)]
pub struct Points {
    /// Easting, EPSG:32648.
    pub x: Vec<f64>,
    /// Northing.
    pub y: Vec<f64>,
    /// Month in Vietnam, year·12 + month − 1.
    pub month: Vec<i32>,
}

/// The key points of `filter`: x and y in EPSG:32648, and the month in Vietnam as
/// year·12 + month − 1. Which cell of the grid each falls in is found by `analysis::hexagon_of`:
/// testing a million points against `ST_HexagonGrid` or the boundary one by one takes tens of
/// seconds, the lattice arithmetic milliseconds.
///
/// # Errors
/// The database fails.
pub async fn points(tx: &mut Transaction<'_, Postgres>, filter: &PointFilter) -> sqlx::Result<Points> {
    type Arrays = (Option<Vec<f64>>, Option<Vec<f64>>, Option<Vec<i32>>);
    let (x, y, month): Arrays = sqlx::query_as(
        "select array_agg(ST_X(g)), array_agg(ST_Y(g)), array_agg(month)
         from (select ST_Transform(k.location, 32648) as g,
                      (extract(year from k.observed_at at time zone 'Asia/Ho_Chi_Minh') * 12
                       + extract(month from k.observed_at at time zone 'Asia/Ho_Chi_Minh') - 1)::int as month
               from key_points k
               where k.archived_at is null
                 and ($1::timestamptz is null or k.observed_at >= $1)
                 and ($2::timestamptz is null or k.observed_at < $2)
                 and ($3::text is null or k.category = $3)) k",
    )
    .bind(filter.start)
    .bind(filter.end)
    .bind(filter.category.as_deref())
    .fetch_one(&mut **tx)
    .await?;
    Ok(Points { x: x.unwrap_or_default(), y: y.unwrap_or_default(), month: month.unwrap_or_default() })
}

/// The statistics of every cell of `analysis_grid`, in its (i, j) order.
#[derive(Debug, Default)]
pub struct CellResults {
    /// Key points counted.
    pub count: Vec<i32>,
    /// Gi* z-score.
    pub gi_z: Vec<Option<f64>>,
    /// Two-sided p-value.
    pub gi_p: Vec<Option<f64>>,
    /// −3…+3 after FDR.
    pub gi_bin: Vec<Option<i32>>,
    /// Kernel density, key points per km².
    pub density: Vec<Option<f64>>,
    /// Emerging-hotspot pattern.
    pub pattern: Vec<Option<String>>,
    /// Mann–Kendall Z of the monthly z-scores.
    pub trend_z: Vec<Option<f64>>,
    /// Its two-sided p-value.
    pub trend_p: Vec<Option<f64>>,
}

/// What describes a run besides its cells.
#[derive(Debug, Clone)]
pub struct RunHeader<'a> {
    /// The layer.
    pub layer: &'a str,
    /// The canonical parameters.
    pub key: &'a str,
    /// The inputs' version read before computing.
    pub version: i64,
    /// The edge used, m.
    pub cell: f64,
    /// The KDE radius used, m.
    pub radius: Option<f64>,
    /// Key points counted.
    pub points: i64,
}

/// How many runs are kept: the most recently used (a run of 40,000 cells is a few MB).
const KEEP_RUNS: i64 = 24;

/// Stores a run: the grid of `analysis_grid` (in `cells` order) with its statistics, in
/// EPSG:4326; forgets runs of older input versions and the least recently used beyond
/// [`KEEP_RUNS`]. Returns the run's id.
///
/// # Errors
/// The database fails.
pub async fn store_run(
    tx: &mut Transaction<'_, Postgres>,
    run: &RunHeader<'_>,
    cells: &[GridCell],
    results: &CellResults,
) -> sqlx::Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "insert into analysis_runs (layer, key, inputs_version, cell, radius, points)
         values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(run.layer)
    .bind(run.key)
    .bind(run.version)
    .bind(run.cell)
    .bind(run.radius)
    .bind(run.points)
    .fetch_one(&mut **tx)
    .await?;
    let i: Vec<i32> = cells.iter().map(|c| c.i).collect();
    let j: Vec<i32> = cells.iter().map(|c| c.j).collect();
    sqlx::query(
        "insert into analysis_cells (run_id, id, i, j, count, gi_z, gi_p, gi_bin, density, pattern,
                                     trend_z, trend_p, area_m2, geom)
         select $1, g.i::bigint * 1000000 + g.j, g.i, g.j, u.count, u.gi_z, u.gi_p, u.gi_bin, u.density,
                u.pattern, u.trend_z, u.trend_p, ST_Area(g.geom),
                ST_Multi(ST_CollectionExtract(ST_Transform(g.geom, 4326), 3))
         from analysis_grid g
         join unnest($2::int[], $3::int[], $4::int[], $5::float8[], $6::float8[], $7::int[], $8::float8[],
                     $9::text[], $10::float8[], $11::float8[])
              as u(i, j, count, gi_z, gi_p, gi_bin, density, pattern, trend_z, trend_p)
           on u.i = g.i and u.j = g.j",
    )
    .bind(id)
    .bind(&i)
    .bind(&j)
    .bind(&results.count)
    .bind(&results.gi_z)
    .bind(&results.gi_p)
    .bind(&results.gi_bin)
    .bind(&results.density)
    .bind(&results.pattern)
    .bind(&results.trend_z)
    .bind(&results.trend_p)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "delete from analysis_runs where inputs_version < $1
            or id not in (select id from analysis_runs order by used_at desc limit $2)",
    )
    .bind(run.version)
    .bind(KEEP_RUNS)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// One cell of a stored run, for the PAI.
#[derive(Debug, Clone, Copy, PartialEq, sqlx::FromRow)]
pub struct RunCell {
    /// Feature id.
    pub id: i64,
    /// Key points counted.
    pub count: i32,
    /// Kernel density, per km².
    pub density: Option<f64>,
    /// Area, m².
    pub area_m2: f64,
}

/// The hexagon edge and the kernel density radius run `run` used, defaults resolved (m), so an
/// answer can say which grid it was computed on (issue 21).
///
/// # Errors
/// The database fails.
pub async fn run_parameters(pool: &PgPool, run: i64) -> sqlx::Result<(f64, Option<f64>)> {
    sqlx::query_as("select cell, radius from analysis_runs where id = $1").bind(run).fetch_one(pool).await
}

/// The cells of run `run` that meet `within` (EWKB; `None`: all).
///
/// # Errors
/// The database fails.
pub async fn run_cells(pool: &PgPool, run: i64, within: Option<&[u8]>) -> sqlx::Result<Vec<RunCell>> {
    sqlx::query_as(
        "select id, count, density, area_m2 from analysis_cells
         where run_id = $1 and ($2::bytea is null or ST_Intersects(geom, ST_GeomFromEWKB($2)))
         order by id",
    )
    .bind(run)
    .bind(within)
    .fetch_all(pool)
    .await
}

/// Test-period key points counted for the PAI.
#[derive(Debug, Clone, Copy, PartialEq, sqlx::FromRow)]
pub struct PaiCounts {
    /// In the province (N).
    pub total: i64,
    /// In the selected cells of the run.
    pub in_cells: i64,
    /// In the key security communes on the date.
    pub in_key_communes: i64,
    /// How many key security communes.
    pub key_communes: i64,
    /// Their area in EPSG:32648, m² (0 when none).
    pub key_area_m2: f64,
}

/// The test window's key points in the province, in the cells `cells` of run `run`, and in the
/// communes designated key for security and order on `filter.as_of`; all within `within` (EWKB,
/// a caller's jurisdiction) when given.
///
/// # Errors
/// The database fails.
pub async fn pai_counts(
    pool: &PgPool,
    run: i64,
    cells: &[i64],
    filter: &PointFilter,
    within: Option<&[u8]>,
) -> sqlx::Result<PaiCounts> {
    sqlx::query_as(
        "with k as materialized (
             select u.geom from admin_units u
             where u.level = 'commune' and u.validity @> $1::date
               and ($7::bytea is null or ST_Intersects(u.geom, ST_GeomFromEWKB($7)))
               and exists (select 1 from designations d join admin_units v on v.id = d.unit_id
                           where v.code = u.code and d.kind = 'key_security' and d.validity @> $1::date)),
         pts as materialized (
             select x.location from key_points x
             where x.archived_at is null
               and ($2::timestamptz is null or x.observed_at >= $2)
               and ($3::timestamptz is null or x.observed_at < $3)
               and ($4::text is null or x.category = $4)
               and exists (select 1 from atlas_home_province($1::date) u where ST_Intersects(u.geom, x.location))
               and ($7::bytea is null or ST_Intersects(ST_GeomFromEWKB($7), x.location)))
         select (select count(*) from pts) as total,
                (select count(*) from pts where exists (
                    select 1 from analysis_cells c
                    where c.run_id = $5 and c.id = any($6) and ST_Intersects(c.geom, pts.location))) as in_cells,
                (select count(*) from pts where exists (
                    select 1 from k where ST_Intersects(k.geom, pts.location))) as in_key_communes,
                (select count(*) from k) as key_communes,
                (select coalesce(sum(ST_Area(ST_Transform(k.geom, 32648))), 0) from k)::float8 as key_area_m2",
    )
    .bind(filter.as_of)
    .bind(filter.start)
    .bind(filter.end)
    .bind(filter.category.as_deref())
    .bind(run)
    .bind(cells)
    .bind(within)
    .fetch_one(pool)
    .await
}
