//! Commune reports as of a date: one row of figures per commune (designations, staff, villages,
//! models, key points, patrol effort, border coverage), and for one commune the details behind
//! them. Recomputed from the data; key points, effort and coverage through the SQL functions of
//! migration 0013, as the `commune_stats`, `border_coverage` and `gaps` layers compute them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgPool;

use super::coverage::DEFAULT_MIN_SHARE;

/// The sight width, in metres, for the border coverage in reports (the layer's default).
pub const REPORT_WIDTH_M: f64 = 500.0;

/// The report's date and window: `$1` as of (NULL: today in Vietnam), `$2`/`$3` the window's
/// bounds (both NULL: the year up to and including the date; an open start: from the beginning;
/// an open end: the end of the date), `$4` one commune's code or NULL, `$5` the caller's
/// jurisdiction (EWKB) or NULL, `$6` the sight width, `$7` the minimum share for a patrol to count
/// as patrolling a segment. A commune is within a jurisdiction when a point on its surface is.
const COMMUNES: &str = "
with d as (select coalesce($1::date, (now() at time zone 'Asia/Ho_Chi_Minh')::date) as d),
w as (
    select d.d, case when $2::timestamptz is null and $3::timestamptz is null
                     then ((d.d + 1) - interval '1 year') at time zone 'Asia/Ho_Chi_Minh'
                     else coalesce($2::timestamptz, '-infinity') end as s,
           coalesce($3::timestamptz, (d.d + 1)::timestamp at time zone 'Asia/Ho_Chi_Minh') as e
    from d),
u as (
    select u.id, u.code, u.name, u.kind, u.population, u.geom, p.code as district_code, p.name as district_name
    from w cross join admin_units u left join admin_units p on p.id = u.parent_id
    -- The communes of the province the service is about (not old Yên Bái's beside it).
    left join lateral atlas_home_province(w.d) h on true
    where u.level = 'commune' and u.validity @> w.d and ($4::text is null or u.code = $4)
      and (h.id is null or u.parent_id = h.id or p.parent_id = h.id)
      and ($5::bytea is null or ST_Covers(ST_GeomFromEWKB($5), ST_PointOnSurface(u.geom)))),
des as (
    select v.code, g.kind, g.value from w cross join designations g join admin_units v on v.id = g.unit_id
    where g.validity @> w.d),
villages as materialized (
    select c.id as commune_id, v.id, v.code, v.name, v.geom,
           exists (select 1 from des where des.code = v.code and des.kind = 'especially_difficult_village') as difficult,
           exists (select 1 from w, model_sites m left join admin_units mv on mv.id = m.village_id
                   where (mv.code = v.code or ST_Covers(v.geom, m.geom)) and (m.started_on is null or m.started_on <= w.d))
               as has_model
    from w cross join u c join admin_units v on v.parent_id = c.id and v.level = 'village' and v.validity @> w.d),
staff as (
    select distinct on (v.code) v.code, g.*
    from w cross join grassroots_profiles g join admin_units v on v.id = g.unit_id
    where make_date(g.year, 12, 31) <= w.d order by v.code, g.year desc),
models as (
    select c.id as commune_id, count(*) as sites, count(*) filter (where m.effectiveness = 'effective') as effective
    from w cross join u c join model_sites m on ST_Covers(c.geom, m.geom)
    where m.started_on is null or m.started_on <= w.d group by c.id),
kp as materialized (select k.* from w, atlas_commune_key_points(w.d, w.s, w.e, null) k),
eff as materialized (select e.* from w, atlas_commune_effort(w.d, w.s, w.e) e),
border as materialized (
    select c.code, sum(b.length_m) as length_m, sum(b.covered_m) as covered_m, max(b.last_patrolled) as last_patrolled
    from w cross join atlas_border_coverage(w.s, w.e, $6, $7) b
    join border_segments s on s.id = b.id
    -- The commune responsible on the report's date, through the lineage: a 2025 commune answers
    -- for the segments its predecessors were recorded against (migration 0036).
    cross join lateral atlas_responsible_commune(s.commune_id, w.d, ST_LineInterpolatePoint(s.geom, 0.5)) c
    group by c.code)";

/// The figures of one commune.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[expect(clippy::struct_excessive_bools, reason = "one flag per designation, as the reports print them")]
pub struct CommuneRow {
    /// GSO code.
    pub code: String,
    /// Name.
    pub name: String,
    /// xã, phường or thị trấn.
    pub kind: String,
    /// District code.
    pub district_code: Option<String>,
    /// District name.
    pub district_name: Option<String>,
    /// Population.
    pub population: Option<i32>,
    /// Geodesic area, km².
    pub area_km2: Option<f64>,
    /// Key / complex commune for security and order on the date.
    pub key_security: bool,
    /// Inherited, not in force: of the commune's `n` direct predecessors, how many were key
    /// security communes on their last day (migration 0032).
    pub key_security_inherited_k: i32,
    /// Its direct predecessors (0: it was made by no recorded change).
    pub key_security_inherited_n: i32,
    /// Border commune.
    pub border_commune: bool,
    /// Program 135.
    pub program_135: bool,
    /// Recognised safe for security and order.
    pub safe_security: bool,
    /// Led by a regular police officer.
    pub regular_police_chief: bool,
    /// Ethnic-area region I, II or III.
    pub region: Option<String>,
    /// Year of the latest staff census on or before the date.
    pub staff_year: Option<i32>,
    /// Commune cadres.
    pub commune_cadres: Option<i32>,
    /// Commune civil servants.
    pub commune_civil_servants: Option<i32>,
    /// Non-specialised commune workers.
    pub commune_nonspecialised: Option<i32>,
    /// Non-specialised village workers.
    pub village_nonspecialised: Option<i32>,
    /// Commune police trained to intermediate level.
    pub police_trained: Option<i32>,
    /// Steering committee in place.
    pub steering_committee: Option<bool>,
    /// Thematic security resolution issued that year.
    pub security_resolution: Option<bool>,
    /// Villages and residential groups.
    pub villages: i64,
    /// Especially difficult villages.
    pub especially_difficult_villages: i64,
    /// Especially difficult villages without a model site of their own.
    pub difficult_villages_without_model: i64,
    /// Model sites in the commune (started by the date).
    pub model_sites: i64,
    /// Of which rated effective.
    pub effective_model_sites: i64,
    /// Start of the window (key points, patrols, coverage).
    pub window_start: Option<DateTime<Utc>>,
    /// End of the window (exclusive).
    pub window_end: DateTime<Utc>,
    /// Key points of the window in the commune.
    pub key_points: i64,
    /// Key points per 1,000 inhabitants (`None` without a population).
    pub rate_per_1000: Option<f64>,
    /// Patrols whose tracks enter the commune.
    pub patrols: i64,
    /// Their patrol-days.
    pub patrol_days: i64,
    /// Hours of patrol, in proportion to the km walked in the commune.
    pub patrol_hours: f64,
    /// Geodesic km of track inside the commune.
    pub patrol_km: f64,
    /// Length of the border segments the commune is responsible for, m (EPSG:32648).
    pub border_length_m: Option<f64>,
    /// Of which within 250 m (half the 500 m sight width) of a track of the window.
    pub border_covered_m: Option<f64>,
    /// Covered share, 0..1.
    pub border_share: Option<f64>,
    /// The latest patrol that covered at least the default minimum share (`DEFAULT_MIN_SHARE`) of
    /// one of its segments, up to the window's end.
    pub border_last_patrolled: Option<NaiveDate>,
}

const ROW: &str = "
select u.code, u.name, u.kind, u.district_code, u.district_name, u.population,
    round((ST_Area(u.geom::geography) / 1e6)::numeric, 2)::float8 as area_km2,
    exists (select 1 from des where des.code = u.code and des.kind = 'key_security') as key_security,
    ki.k as key_security_inherited_k, ki.n as key_security_inherited_n,
    exists (select 1 from des where des.code = u.code and des.kind = 'border_commune') as border_commune,
    exists (select 1 from des where des.code = u.code and des.kind = 'program_135') as program_135,
    exists (select 1 from des where des.code = u.code and des.kind = 'safe_security') as safe_security,
    exists (select 1 from des where des.code = u.code and des.kind = 'regular_police_chief') as regular_police_chief,
    (select des.value from des where des.code = u.code and des.kind = 'ethnic_region' limit 1) as region,
    st.year::int as staff_year, st.commune_cadres, st.commune_civil_servants, st.commune_nonspecialised,
    st.village_nonspecialised, st.police_trained, st.steering_committee, st.security_resolution,
    (select count(*) from villages v where v.commune_id = u.id) as villages,
    (select count(*) from villages v where v.commune_id = u.id and v.difficult) as especially_difficult_villages,
    (select count(*) from villages v where v.commune_id = u.id and v.difficult and not v.has_model)
        as difficult_villages_without_model,
    coalesce(m.sites, 0) as model_sites, coalesce(m.effective, 0) as effective_model_sites,
    nullif(w.s, '-infinity') as window_start, w.e as window_end,
    coalesce(kp.key_points, 0) as key_points,
    round((1000.0 * coalesce(kp.key_points, 0) / nullif(u.population, 0))::numeric, 3)::float8 as rate_per_1000,
    coalesce(eff.patrols, 0) as patrols, coalesce(eff.patrol_days, 0)::int8 as patrol_days,
    round(coalesce(eff.hours, 0)::numeric, 2)::float8 as patrol_hours,
    round(coalesce(eff.km, 0)::numeric, 3)::float8 as patrol_km,
    b.length_m as border_length_m, round(b.covered_m::numeric, 1)::float8 as border_covered_m,
    round((b.covered_m / nullif(b.length_m, 0))::numeric, 4)::float8 as border_share,
    b.last_patrolled as border_last_patrolled
from w cross join u cross join lateral admin_unit_inherited(u.id, 'key_security') ki left join staff st on st.code = u.code left join models m on m.commune_id = u.id
left join kp on kp.unit_id = u.id left join eff on eff.unit_id = u.id left join border b on b.code = u.code";

/// One row per commune valid on `as_of`, for the window `[start, end)` (see [`COMMUNES`]).
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(pool, jurisdiction), err)]
pub async fn communes(
    pool: &PgPool,
    as_of: Option<NaiveDate>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    jurisdiction: Option<Vec<u8>>,
) -> Result<Vec<CommuneRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{COMMUNES}{ROW} order by u.district_code, u.code")))
        .bind(as_of)
        .bind(start)
        .bind(end)
        .bind(None::<String>)
        .bind(jurisdiction)
        .bind(REPORT_WIDTH_M)
        .bind(DEFAULT_MIN_SHARE)
        .fetch_all(pool)
        .await
}

/// One commune's report: its row and the details behind it.
#[derive(Debug, Clone, Serialize)]
pub struct CommuneReport {
    /// The date the figures describe.
    pub as_of: NaiveDate,
    /// The figures.
    #[serde(flatten)]
    pub row: CommuneRow,
    /// Its predecessors through every change (`predecessors`: each named with its dates, the
    /// change, its basis and its own designations and censuses), designations in force, staff censuses, key points by category and by month, model
    /// types, the difficult villages without a model (`villages_without_model`), the border
    /// segments the commune answers for on the date (its predecessors' too, each with the
    /// commune it was recorded against) with their coverage, and plan against record (`plans_vs_records`: the window's plans whose
    /// route enters the commune, with the share of each route its tracks walked).
    #[serde(flatten)]
    pub details: serde_json::Value,
}

const DETAILS: &str = ",
w2 as (
    select k.* from w cross join u join key_points k on ST_Covers(u.geom, k.location)
    where k.archived_at is null and k.observed_at >= w.s and k.observed_at < w.e
      and u.id = (select c.id from admin_units c where c.level = 'commune' and c.validity @> w.d
                  and ST_Covers(c.geom, k.location) order by c.id limit 1))
select w.d, jsonb_build_object(
    -- Every unit this one came from, through every change back to the first version, each named
    -- with its dates, the change and its basis, and its own designations and censuses: a 2025
    -- unit's history is its predecessors'.
    'predecessors', (with recursive anc as (
            select ch.predecessor_id as id, ch.successor_id, ch.changed_on, ch.change, ch.basis
            from admin_unit_changes ch where ch.successor_id = u.id
            union all
            select ch.predecessor_id, ch.successor_id, ch.changed_on, ch.change, ch.basis
            from anc a join admin_unit_changes ch on ch.successor_id = a.id)
        select coalesce(jsonb_agg(jsonb_build_object('code', p.code, 'name', p.name, 'kind', p.kind,
                'valid_from', p.valid_from, 'valid_to', p.valid_to, 'changed_on', a.changed_on, 'change', a.change,
                'basis', a.basis, 'successor_code', s.code, 'successor_name', s.name,
                'designations', (select coalesce(jsonb_agg(jsonb_build_object('kind', g.kind, 'value', g.value,
                        'decision', g.decision, 'valid_from', g.valid_from, 'valid_to', g.valid_to)
                        order by g.kind, g.valid_from), '[]') from designations g where g.unit_id = p.id),
                'grassroots_profiles', (select coalesce(jsonb_agg(to_jsonb(g) - 'unit_id' order by g.year), '[]')
                        from grassroots_profiles g where g.unit_id = p.id))
            order by a.changed_on desc, p.code, p.valid_from), '[]')
        from anc a join admin_units p on p.id = a.id join admin_units s on s.id = a.successor_id),
    'designations', (select coalesce(jsonb_agg(jsonb_build_object('kind', g.kind, 'name_vi', dk.name_vi,
            'name_en', dk.name_en, 'value', g.value, 'decision', g.decision, 'decided_on', g.decided_on,
            'valid_from', g.valid_from, 'valid_to', g.valid_to) order by g.kind), '[]')
        from designations g join designation_kinds dk on dk.code = g.kind join admin_units v on v.id = g.unit_id
        where v.code = u.code and g.validity @> w.d),
    'grassroots_profiles', (select coalesce(jsonb_agg(to_jsonb(g) - 'unit_id' order by g.year), '[]')
        from grassroots_profiles g join admin_units v on v.id = g.unit_id where v.code = u.code and make_date(g.year, 12, 31) <= w.d),
    'key_points_by_category', (select coalesce(jsonb_agg(jsonb_build_object('category', c.code, 'name_vi', c.name_vi,
            'name_en', c.name_en, 'count', x.n) order by x.n desc, c.code), '[]')
        from key_point_categories c
        join lateral (select count(*) as n from w2 k where k.category = c.code) x on x.n > 0),
    'key_points_by_month', (select coalesce(jsonb_agg(jsonb_build_object('month', x.month, 'count', x.n) order by x.month), '[]')
        from (select to_char(k.observed_at at time zone 'Asia/Ho_Chi_Minh', 'YYYY-MM') as month, count(*) as n
              from w2 k group by 1) x),
    'model_types', (select coalesce(jsonb_agg(jsonb_build_object('type_code', t.code, 'name_vi', t.name_vi,
            'name_en', t.name_en, 'sites', x.n, 'effective', x.effective) order by x.n desc, t.code), '[]')
        from model_types t join lateral (
            select count(*) as n, count(*) filter (where m.effectiveness = 'effective') as effective
            from model_sites m where m.type_code = t.code and ST_Covers(u.geom, m.geom)
              and (m.started_on is null or m.started_on <= w.d)) x on x.n > 0),
    'villages_without_model', (select coalesce(jsonb_agg(jsonb_build_object('code', v.code, 'name', v.name)
            order by v.code), '[]') from villages v where v.commune_id = u.id and v.difficult and not v.has_model),
    'border_segments', (select coalesce(jsonb_agg(jsonb_build_object('code', b.code, 'name', b.name, 'post_name', b.post_name,
            'length_m', b.length_m, 'covered_m', b.covered_m, 'share', b.share, 'last_patrolled', b.last_patrolled,
            'days_since_patrolled', b.days_since_patrolled, 'last_touched', b.last_touched,
            'last_touched_m', b.last_touched_m, 'min_share', b.min_share,
            'recorded_commune_code', r.code, 'recorded_commune_name', r.name) order by b.code), '[]')
        from atlas_border_coverage(w.s, w.e, $6, $7) b join border_segments s on s.id = b.id
        left join admin_units r on r.id = s.commune_id
        cross join lateral atlas_responsible_commune(s.commune_id, w.d, ST_LineInterpolatePoint(s.geom, 0.5)) c
        where c.id = u.id),
    'plans_vs_records', (select coalesce(jsonb_agg(jsonb_build_object('code', p.code, 'kind', p.kind, 'units', p.units,
            'planned_start', p.planned_start, 'planned_end', p.planned_end, 'planned_m', x.planned_m,
            'walked_m', x.walked_m, 'walked_share', x.walked_share) order by p.planned_start, p.code), '[]')
        from patrols p cross join lateral atlas_plan_walked(p.id, $6) x
        where p.archived_at is null and ST_Intersects(p.planned_route, u.geom)
          and p.planned_start < w.e and coalesce(p.planned_end, p.planned_start) >= w.s))
from w cross join u";

/// The report on the commune `code` valid on `as_of`, or `None` when no such commune is valid
/// then or it lies outside `jurisdiction`.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(pool, jurisdiction), err)]
pub async fn commune(
    pool: &PgPool,
    code: &str,
    as_of: Option<NaiveDate>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    jurisdiction: Option<Vec<u8>>,
) -> Result<Option<CommuneReport>, sqlx::Error> {
    let bind = |sql: String| {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(as_of)
            .bind(start)
            .bind(end)
            .bind(code.to_owned())
            .bind(jurisdiction.clone())
            .bind(REPORT_WIDTH_M)
            .bind(DEFAULT_MIN_SHARE)
    };
    let Some(row) = bind(format!("{COMMUNES}{ROW}")).fetch_optional(pool).await? else { return Ok(None) };
    let row = <CommuneRow as sqlx::FromRow<_>>::from_row(&row)?;
    let details = bind(format!("{COMMUNES}{DETAILS}")).fetch_one(pool).await?;
    Ok(Some(CommuneReport { as_of: sqlx::Row::get(&details, 0), row, details: sqlx::Row::get(&details, 1) }))
}

/// Whether a commune with `code` is valid on `as_of` (today in Vietnam when `None`).
///
/// # Errors
/// The database fails.
pub async fn exists(pool: &PgPool, code: &str, as_of: Option<NaiveDate>) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "select exists (select 1 from admin_units where level = 'commune' and code = $1
                        and validity @> coalesce($2::date, (now() at time zone 'Asia/Ho_Chi_Minh')::date))",
    )
    .bind(code)
    .bind(as_of)
    .fetch_one(pool)
    .await
}
