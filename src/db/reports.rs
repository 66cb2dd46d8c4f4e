//! Reports recomputed from the data as of a date: nothing here reads a stored total.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::PgPool;

/// The province's figures as of a date (the seed's statistics table, see `shared/DOMAIN.md`).
///
/// Designations count the units that the decision in force names, even a unit merged since: the
/// province's own 2020 figures (region I/II/III summing to 164 beside 152 units) count that way.
/// Staff figures are those of the latest year-end census (31 December) on or before the date;
/// `staff_units` and `staff_province_code` say which units it counted (after 2025-07-01, the
/// units of old Lào Cai in 2020: the demo has no census of the new units). Designation counts are
/// absent (`null`) when no decision is in force in the province at the date: after 2025-07-01 the
/// decisions name units that no longer exist, and 0 would read as a decision that there are none.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ProvinceReport {
    /// The date the figures describe.
    pub as_of: NaiveDate,
    /// The province as of that date (Lào Cai was code 10 until 2025-06-30, 15 from 2025-07-01).
    pub province_code: Option<String>,
    /// Its name.
    pub province_name: Option<String>,
    /// Geodesic area of the province's boundary, km².
    pub area_km2: Option<f64>,
    /// Sum of the communes' populations.
    pub population: i64,
    /// Ethnic group -> % of the population (2 decimals), weighted by commune populations.
    pub ethnic_shares: Option<serde_json::Value>,
    /// % of the population not Kinh.
    pub ethnic_minority_share: Option<f64>,
    /// District-level units (huyện, thị xã, thành phố).
    pub districts: i64,
    /// Commune-level units (xã, phường, thị trấn).
    pub commune_level_units: i64,
    /// Phường.
    pub wards: i64,
    /// Thị trấn.
    pub townships: i64,
    /// Xã.
    pub communes: i64,
    /// Thôn, bản, tổ dân phố.
    pub villages: i64,
    /// Villages designated especially difficult.
    pub especially_difficult_villages: Option<i64>,
    /// Units in ethnic-minority region I.
    pub region_i: Option<i64>,
    /// Units in region II.
    pub region_ii: Option<i64>,
    /// Units in region III.
    pub region_iii: Option<i64>,
    /// Communes of Program 135.
    pub program_135_communes: Option<i64>,
    /// Key / complex communes for security and order.
    pub key_security_communes: Option<i64>,
    /// Units designated border communes.
    pub border_communes: Option<i64>,
    /// Sum of the border segments' official lengths, km.
    pub border_length_km_official: Option<f64>,
    /// Geodesic length of the drawn border segments, km (the drawn line is generalised).
    pub border_length_km_measured: Option<f64>,
    /// Border-guard posts.
    pub border_posts: i64,
    /// Border markers.
    pub border_markers: i64,
    /// Year of the staff census used below (`None` before the first one).
    pub staff_year: Option<i32>,
    /// Units that census counted (of their own day, perhaps merged since).
    pub staff_units: Option<i64>,
    /// The province those units belonged to on 31 December of the census year.
    pub staff_province_code: Option<String>,
    /// Decisions (designations) in force in the province at the date.
    pub designations_in_force: i64,
    /// Inherited, not in force: units of the date with at least one predecessor that was a key
    /// security commune on its last day (migration 0032).
    pub key_security_inherited_units: i64,
    /// The key security communes those units came from.
    pub key_security_inherited_predecessors: i64,
    /// Commune cadres (cán bộ cấp xã).
    pub commune_cadres: i64,
    /// Commune civil servants (công chức cấp xã).
    pub commune_civil_servants: i64,
    /// Non-specialised commune workers.
    pub commune_nonspecialised: i64,
    /// Non-specialised village workers.
    pub village_nonspecialised: i64,
    /// Commune police trained to intermediate level.
    pub commune_police_trained: i64,
    /// % of communes with a thematic security resolution that year.
    pub security_resolution_share: Option<f64>,
    /// Model types with at least one effective site.
    pub model_types: i64,
    /// Model sites rated effective.
    pub model_sites: i64,
    /// Commune-level units led by a regular police officer.
    pub regular_police_chiefs: Option<i64>,
}

/// The province report as of `as_of`, or as of today in Vietnam (`Asia/Ho_Chi_Minh`).
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn province(pool: &PgPool, as_of: Option<NaiveDate>) -> Result<ProvinceReport, sqlx::Error> {
    sqlx::query_as(
        "with recursive d as (select coalesce($1::date, (now() at time zone 'Asia/Ho_Chi_Minh')::date) as d),
-- Tỉnh Lào Cai as of the date: code 10 before 2025-07-01, 15 since (old Yên Bái is beside it).
prov as (select p.* from d, atlas_home_province(d.d) p),
units as (
    select u.* from prov u
    union all
    select c.* from units t join admin_units c on c.parent_id = t.id cross join d where c.validity @> d.d),
communes as (select * from units where level = 'commune'),
inherited as (select ki.k from communes c cross join lateral admin_unit_inherited(c.id, 'key_security') ki),
-- Decisions and censuses name units of their own day, perhaps merged since: the province's are
-- those lying inside it.
des as (
    select g.kind, g.value from designations g join admin_units u on u.id = g.unit_id, d, prov
    where g.validity @> d.d and ST_Covers(prov.geom, ST_PointOnSurface(u.geom))),
mine as (
    select g.* from grassroots_profiles g join admin_units u on u.id = g.unit_id, prov
    where ST_Covers(prov.geom, ST_PointOnSurface(u.geom))),
census as (select max(year)::int as year from mine, d where make_date(year, 12, 31) <= d.d),
any_des as (select count(*) as n from des),
staff as (
    select sum(commune_cadres) as cadres, sum(commune_civil_servants) as civil,
           sum(commune_nonspecialised) as nonspec, sum(village_nonspecialised) as village,
           sum(police_trained) as trained,
           100.0 * count(*) filter (where security_resolution) / nullif(count(*), 0) as resolution
    from mine g join census c on g.year = c.year),
pop as (select coalesce(sum(population), 0)::bigint as total from communes),
eth as (
    select e.key, sum(c.population * (e.value #>> '{}')::float8) as people
    from communes c cross join lateral jsonb_each(c.ethnic_shares) e group by e.key),
models as (
    select count(*) as sites, count(distinct type_code) as types from model_sites m, d, prov
    where m.effectiveness = 'effective' and m.started_on <= d.d and ST_Covers(prov.geom, m.geom))
select d.d as as_of, (select code from prov) as province_code, (select name from prov) as province_name,
    (select round((ST_Area(geom::geography) / 1e6)::numeric, 2)::float8 from prov) as area_km2,
    (select total from pop) as population,
    (select jsonb_object_agg(key, round((100 * people / nullif((select total from pop), 0))::numeric, 2)) from eth)
        as ethnic_shares,
    (select round((100 * sum(people) filter (where key <> 'Kinh') / nullif((select total from pop), 0))::numeric, 2)::float8
     from eth) as ethnic_minority_share,
    (select count(*) from units where level = 'district') as districts,
    (select count(*) from communes) as commune_level_units,
    (select count(*) from communes where kind = 'phường') as wards,
    (select count(*) from communes where kind = 'thị trấn') as townships,
    (select count(*) from communes where kind = 'xã') as communes,
    (select count(*) from units where level = 'village') as villages,
    (select case when n > 0 then (select count(*) from des where kind = 'especially_difficult_village') end from any_des) as especially_difficult_villages,
    (select case when n > 0 then (select count(*) from des where kind = 'ethnic_region' and value = 'I') end from any_des) as region_i,
    (select case when n > 0 then (select count(*) from des where kind = 'ethnic_region' and value = 'II') end from any_des) as region_ii,
    (select case when n > 0 then (select count(*) from des where kind = 'ethnic_region' and value = 'III') end from any_des) as region_iii,
    (select case when n > 0 then (select count(*) from des where kind = 'program_135') end from any_des) as program_135_communes,
    (select case when n > 0 then (select count(*) from des where kind = 'key_security') end from any_des) as key_security_communes,
    (select case when n > 0 then (select count(*) from des where kind = 'border_commune') end from any_des) as border_communes,
    (select round(sum(official_length_m) / 1000, 3)::float8 from border_segments) as border_length_km_official,
    (select round((sum(ST_Length(geom::geography)) / 1000)::numeric, 3)::float8 from border_segments)
        as border_length_km_measured,
    (select count(*) from border_posts) as border_posts,
    (select count(*) from border_markers) as border_markers,
    (select year from census) as staff_year,
    (select count(*) from mine g join census c on g.year = c.year) as staff_units,
    (select p.code from census c, atlas_home_province(make_date(c.year, 12, 31)) p) as staff_province_code,
    (select n from any_des) as designations_in_force,
    (select count(*) from inherited where k > 0) as key_security_inherited_units,
    (select coalesce(sum(k), 0)::int8 from inherited) as key_security_inherited_predecessors,
    (select coalesce(cadres, 0) from staff) as commune_cadres,
    (select coalesce(civil, 0) from staff) as commune_civil_servants,
    (select coalesce(nonspec, 0) from staff) as commune_nonspecialised,
    (select coalesce(village, 0) from staff) as village_nonspecialised,
    (select coalesce(trained, 0) from staff) as commune_police_trained,
    (select round(resolution, 2)::float8 from staff) as security_resolution_share,
    (select types from models) as model_types,
    (select sites from models) as model_sites,
    (select case when n > 0 then (select count(*) from des where kind = 'regular_police_chief') end from any_des) as regular_police_chiefs
from d",
    )
    .bind(as_of)
    .fetch_one(pool)
    .await
}
