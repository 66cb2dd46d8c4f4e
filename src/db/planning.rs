//! Patrol planning (issue 11): the planned coverage of the border over the coming weeks, its gaps
//! ahead and conflicts (SQL functions of migration 0022, which the `plan_coverage` and
//! `plan_conflicts` layers call too), and plan against record for the commune reports.

use chrono::NaiveDate;
use serde_json::Value;
use sqlx::PgPool;

/// The planning window and sight width of a request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanWindow {
    /// First Vietnamese day of the window (`None`: today in Vietnam).
    pub from: Option<NaiveDate>,
    /// Its length in weeks.
    pub weeks: i32,
    /// Sight width in metres.
    pub width: f64,
    /// The least share of a segment a patrol must have covered to count as its last patrol
    /// (issue 21's rule, as in `border_coverage`).
    pub min_share: f64,
}

/// The planned coverage of the window as JSON: `window_start`, `window_end`, `width_m`,
/// `min_share`, `segments` (each with its plans, forecast share, gap flag and last patrol before
/// the window), `gaps` (the segments no plan reaches, with their last patrol by the rule of
/// `border_coverage`, the days it will have waited when the window opens, and the last touch) and
/// `conflicts` (both plans' codes, units and times, the overlap and the shared
/// stretch's length). A `jurisdiction` (EWKB) keeps the segments that meet it.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(pool, jurisdiction), err)]
pub async fn plan_coverage(
    pool: &PgPool,
    window: PlanWindow,
    jurisdiction: Option<Vec<u8>>,
) -> Result<Value, sqlx::Error> {
    sqlx::query_scalar(
        "with w as (select * from atlas_plan_window($1, $2)),
         seg as materialized (
             select c.* from atlas_plan_coverage($1, $2, $3, $5) c
             where $4::bytea is null or ST_Intersects(c.geom, ST_GeomFromEWKB($4))),
         conf as materialized (
             select c.* from atlas_plan_conflicts($1, $2, $3) c where c.segment_id in (select id from seg)),
         plans as (
             select s.id, coalesce(jsonb_agg(jsonb_build_object('code', p.code, 'kind', p.kind, 'units', p.units,
                        'planned_start', p.t0, 'planned_end', p.t1) order by p.t0, p.code), '[]') as list
             from seg s join atlas_plan_intervals((select w.s from w), (select w.e from w), $3) i on i.segment_id = s.id
             join atlas_plans_in((select w.s from w), (select w.e from w)) p on p.id = i.patrol_id
             group by s.id)
         select jsonb_build_object(
             'window_start', (select w.s from w), 'window_end', (select w.e from w), 'width_m', $3, 'min_share', $5,
             'segments', (select coalesce(jsonb_agg(jsonb_build_object('code', s.code, 'name', s.name,
                     'post_name', s.post_name, 'commune_code', s.commune_code, 'commune_name', s.commune_name,
                     'length_m', s.length_m,
                     'planned_m', s.planned_m, 'share', s.share, 'gap', s.gap, 'conflicts', s.conflicts,
                     'last_patrolled', s.last_patrolled, 'days_since_patrolled', s.days_since_patrolled,
                     'plans', coalesce(pl.list, '[]'), 'bbox', jsonb_build_array(ST_XMin(s.geom), ST_YMin(s.geom),
                     ST_XMax(s.geom), ST_YMax(s.geom))) order by s.code), '[]')
                 from seg s left join plans pl on pl.id = s.id),
             'gaps', (select coalesce(jsonb_agg(jsonb_build_object('code', s.code, 'name', s.name,
                     'post_name', s.post_name, 'commune_code', s.commune_code, 'commune_name', s.commune_name,
                     'length_m', s.length_m,
                     'last_patrolled', s.last_patrolled, 'days_since_patrolled', s.days_since_patrolled,
                     'last_touched', s.last_touched, 'last_touched_m', s.last_touched_m,
                     'bbox', jsonb_build_array(ST_XMin(s.geom), ST_YMin(s.geom), ST_XMax(s.geom), ST_YMax(s.geom)))
                     order by s.code), '[]')
                 from seg s where s.gap),
             'conflicts', (select coalesce(jsonb_agg(jsonb_build_object('segment_code', c.segment_code,
                     'segment_name', c.segment_name,
                     'a', jsonb_build_object('code', c.patrol_a, 'units', c.units_a, 'planned_start', c.start_a,
                                             'planned_end', c.end_a),
                     'b', jsonb_build_object('code', c.patrol_b, 'units', c.units_b, 'planned_start', c.start_b,
                                             'planned_end', c.end_b),
                     'overlap_start', c.overlap_start, 'overlap_end', c.overlap_end, 'shared_m', c.shared_m,
                     'bbox', jsonb_build_array(ST_XMin(c.geom), ST_YMin(c.geom), ST_XMax(c.geom), ST_YMax(c.geom)))
                     order by c.segment_code, c.patrol_a, c.patrol_b), '[]')
                 from conf c))",
    )
    .bind(window.from)
    .bind(window.weeks)
    .bind(window.width)
    .bind(jurisdiction)
    .bind(window.min_share)
    .fetch_one(pool)
    .await
}
