//! Patrol effort: how many patrols, patrol-days, hours and km of track, per month, unit or
//! commune. The per-commune figures and the border coverage are SQL functions of migration 0013
//! (`atlas_commune_effort`, `atlas_border_coverage`, ...), shared with the layers and reports.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{AssertSqlSafe, PgPool};

/// The share of a border segment a patrol must cover to count as having patrolled it (issue 21),
/// unless a caller chooses another. A track's band reaches at most half the sight width past
/// where the patrol walked: 250 m at the default 500 m. The demo's shortest segment (BG-01) is
/// 1,002 m, so a patrol that only grazes a segment's end covers under 25 % of any segment there,
/// while a patrol walking a quarter of the longest (BG-19, 14.4 km: 3.6 km, one to two hours at
/// the demo's walking speeds) counts. A wider width makes longer grazes: raise it with the width.
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
/// `jurisdiction` (EWKB) when given.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(pool, jurisdiction), err)]
pub async fn effort(
    pool: &PgPool,
    by: EffortBy,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
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
        // Communes valid on the window's last day (today at the latest).
        EffortBy::Commune => "
with d as (
    select least(((coalesce($2::timestamptz, 'infinity') - interval '1 microsecond') at time zone 'Asia/Ho_Chi_Minh')::date,
                 (now() at time zone 'Asia/Ho_Chi_Minh')::date) as d)
select u.code as key, u.name, e.patrols, e.patrol_days, round(e.hours::numeric, 2)::float8 as hours,
       round(e.km::numeric, 3)::float8 as km
from d cross join atlas_commune_effort(d.d, coalesce($1::timestamptz, '-infinity'), coalesce($2::timestamptz, 'infinity')) e
join admin_units u on u.id = e.unit_id
where $3::bytea is null or ST_Covers(ST_GeomFromEWKB($3), ST_PointOnSurface(u.geom))
order by u.code"
            .to_owned(),
    };
    sqlx::query_as(AssertSqlSafe(sql)).bind(start).bind(end).bind(jurisdiction).fetch_all(pool).await
}
