//! Patrol effort: how many patrols, patrol-days, hours and km of track, per month, unit or
//! commune. The per-commune figures and the border coverage are SQL functions of migration 0013
//! (`atlas_commune_effort`, `atlas_border_coverage`, ...), shared with the layers and reports.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{AssertSqlSafe, PgPool};

/// The share of a border segment a patrol must cover to count as having patrolled it (issue 21),
/// unless a caller chooses another. A track's band reaches up to half the sight width (250 m at
/// 500 m) past where the patrol walked, so a neighbouring post's patrol grazes a segment's end. On
/// the demo's 2020 patrols other posts' touches cover at most 13.8 % of a segment, and the own
/// post's patrols 25 % or more in 609 of 618 cases; 50 % would drop 134 real patrols, and 250 m is
/// a quarter of the shortest segment (1,002 m). Measured and argued in docs/analysis.md.
pub const DEFAULT_MIN_SHARE: f64 = 0.25;

/// What effort is grouped by (`by=month|unit|commune`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EffortBy {
    /// Calendar month (Vietnam) of the patrol's start, `YYYY-MM`.
    Month,
    /// Each unit taking part (a joint patrol counts for each of its units).
    Unit,
    /// Each commune its tracks enter (km and hours inside the commune).
    Commune,
}

/// One row of patrol effort.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Effort {
    /// The month `YYYY-MM`, the unit's name, or the commune's code.
    pub key: String,
    /// The commune's name (by commune only).
    pub name: Option<String>,
    /// Patrols.
    pub patrols: i64,
    /// Patrol-days: for each patrol, the Vietnamese calendar days it spans.
    pub patrol_days: i64,
    /// Hours on patrol (by commune: shared out in proportion to the km walked there).
    pub hours: f64,
    /// Geodesic km of recorded track (by commune: inside the commune).
    pub km: f64,
}

/// Patrols readable by a caller bound to `$3` (EWKB; NULL reads all): one of its tracks or its
/// planned route meets the jurisdiction, as for the patrol layers.
const PATROLS: &str = "
with p as (
    select p.* from atlas_patrols_in(coalesce($1::timestamptz, '-infinity'), coalesce($2::timestamptz, 'infinity')) p
    where $3::bytea is null
       or exists (select 1 from patrol_tracks t where t.patrol_id = p.id and ST_Intersects(t.geom, ST_GeomFromEWKB($3)))
       or exists (select 1 from patrols q where q.id = p.id and ST_Intersects(q.planned_route, ST_GeomFromEWKB($3)))),
m as (select t.patrol_id, sum(ST_Length(t.geom::geography)) as m from patrol_tracks t join p on p.id = t.patrol_id
      group by t.patrol_id)";

/// Patrol effort in the window `[start, end)` (open ends unbounded), grouped `by`, limited to
/// `jurisdiction` (EWKB) when given; by commune, in the communes of `units_as_of` (default the
/// window's last day, today at the latest).
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(pool, jurisdiction), err)]
pub async fn effort(
    pool: &PgPool,
    by: EffortBy,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    units_as_of: Option<NaiveDate>,
    jurisdiction: Option<Vec<u8>>,
) -> Result<Vec<Effort>, sqlx::Error> {
    // Only these fixed fragments vary; every value is bound.
    let sql = match by {
        EffortBy::Month | EffortBy::Unit => {
            let key = if by == EffortBy::Month {
                "cross join lateral (select to_char(p.t0 at time zone 'Asia/Ho_Chi_Minh', 'YYYY-MM') as key) k"
            } else {
                "cross join lateral unnest(p.units) k(key)"
            };
            format!(
                "{PATROLS}
select k.key, null::text as name, count(*) as patrols, sum(p.days)::int8 as patrol_days,
       round(sum(p.hours)::numeric, 2)::float8 as hours, round((coalesce(sum(m.m), 0) / 1000)::numeric, 3)::float8 as km
from p left join m on m.patrol_id = p.id {key}
group by k.key order by k.key"
            )
        }
        // Communes valid on units_as_of, else the window's last day (today at the latest).
        EffortBy::Commune => "
with d as (
    select coalesce($4::date,
                    least(((coalesce($2::timestamptz, 'infinity') - interval '1 microsecond') at time zone 'Asia/Ho_Chi_Minh')::date,
                          (now() at time zone 'Asia/Ho_Chi_Minh')::date)) as d)
select u.code as key, u.name, e.patrols, e.patrol_days, round(e.hours::numeric, 2)::float8 as hours,
       round(e.km::numeric, 3)::float8 as km
from d cross join atlas_commune_effort(d.d, coalesce($1::timestamptz, '-infinity'), coalesce($2::timestamptz, 'infinity')) e
join admin_units u on u.id = e.unit_id
where $3::bytea is null or ST_Covers(ST_GeomFromEWKB($3), ST_PointOnSurface(u.geom))
order by u.code"
            .to_owned(),
    };
    sqlx::query_as(AssertSqlSafe(sql))
        .bind(start)
        .bind(end)
        .bind(jurisdiction)
        .bind(units_as_of)
        .fetch_all(pool)
        .await
}

/// A border segment's patrol history (issue 21), for the coordinator asking why its last
/// patrolled date is what it is: its coverage row of `border_coverage` (same window, width and
/// minimum share) and `patrols`, newest first: every patrol that touched it in the window, plus
/// the latest patrol that counted and the latest that touched it when these came before the
/// window. Each with its code, kind, units, end (`ended_at`, and `date` in Vietnam), the metres
/// and share of the segment it covered, whether it counts (`share >= min_share`) and whether it
/// is in the window. `None` when no segment has this code; `Some((false, _))` when the segment
/// does not meet `jurisdiction` (EWKB), and then the answer is not computed.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(pool, jurisdiction), err)]
pub async fn segment_patrols(
    pool: &PgPool,
    code: &str,
    window: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    width: f64,
    min_share: f64,
    jurisdiction: Option<Vec<u8>>,
) -> Result<Option<(bool, serde_json::Value)>, sqlx::Error> {
    let row: Option<(bool, Option<serde_json::Value>)> = sqlx::query_as(
        "with seg as (select s.id, $6::bytea is null or ST_Intersects(s.geom, ST_GeomFromEWKB($6)) as inside
                      from border_segments s where s.code = $1),
         w as (select * from atlas_window($2, $3)),
         sp as materialized (
             select x.* from w, seg, atlas_segment_patrols('-infinity', w.e, $4) x
             where seg.inside and x.segment_id = seg.id),
         shown as (
             select sp.* from sp, w where sp.ended_at >= w.s
             union
             (select * from sp where sp.share >= $5 order by ended_at desc limit 1)
             union
             (select * from sp order by ended_at desc, covered_m desc limit 1))
         select seg.inside, case when seg.inside then (
             select to_jsonb(c) - 'geom' - 'id' || jsonb_build_object('width_m', $4::float8,
                 'commune_code', r.code, 'commune_name', r.name, 'patrols',
                 (select coalesce(jsonb_agg(jsonb_build_object('code', p.code, 'kind', p.kind, 'units', p.units,
                         'ended_at', x.ended_at, 'date', (x.ended_at at time zone 'Asia/Ho_Chi_Minh')::date,
                         'covered_m', x.covered_m, 'share', x.share, 'counts', x.share >= $5,
                         'in_window', x.ended_at >= c.window_start) order by x.ended_at desc, p.code), '[]')
                  from shown x join patrols p on p.id = x.patrol_id))
             from atlas_border_coverage($2, $3, $4, $5) c join border_segments s on s.id = c.id
             -- The commune responsible on the window's last day, through the lineage (0036).
             left join lateral atlas_responsible_commune(s.commune_id,
                 ((c.window_end - interval '1 microsecond') at time zone 'Asia/Ho_Chi_Minh')::date,
                 ST_LineInterpolatePoint(s.geom, 0.5)) r on true
             where c.id = seg.id) end
         from seg",
    )
    .bind(code)
    .bind(window.0)
    .bind(window.1)
    .bind(width)
    .bind(min_share)
    .bind(jurisdiction)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(inside, answer)| (inside, answer.unwrap_or(serde_json::Value::Null))))
}

/// The window `[start, end)` the coverage functions read for these bounds (`atlas_window`,
/// migration 0013: without either, the 30 days up to today in Vietnam); an open start stays
/// `None` (`-infinity` has no `DateTime`).
///
/// # Errors
/// The database fails.
pub async fn resolved_window(
    pool: &PgPool,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> Result<(Option<DateTime<Utc>>, DateTime<Utc>), sqlx::Error> {
    sqlx::query_as("select nullif(s, '-infinity'), e from atlas_window($1, $2)")
        .bind(start)
        .bind(end)
        .fetch_one(pool)
        .await
}
