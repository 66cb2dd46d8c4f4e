//! The database side of a boundary import, in the caller's transaction: the file's units are
//! staged in a temporary table (transformed to WGS 84), checked there by PostGIS (validity and
//! its reason, ring orientation, parents, sibling overlaps, gaps), then applied as versions:
//! a changed unit closes its current version the day before `valid_from` and opens a new one;
//! an unchanged one is left alone; a current unit not in the file whose area a changed unit now
//! covers (a merge) is closed.

use chrono::NaiveDate;
use serde_json::Value;
use sqlx::PgConnection;

/// Stages the features: `geojson[i]` in `srid`, transformed to WGS 84.
///
/// # Errors
/// The database fails.
pub async fn stage(
    conn: &mut PgConnection,
    codes: &[String],
    names: &[String],
    kinds: &[String],
    parents: &[Option<String>],
    geojson: &[String],
    srid: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "create temp table boundary_stage (idx int, code text, name text, kind text, parent_code text,
                 raw geometry, geom geometry) on commit drop",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into boundary_stage (idx, code, name, kind, parent_code, raw)
         select i - 1, c, n, k, p, ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(g), $6), 4326)
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) with ordinality as t(c, n, k, p, g, i)",
    )
    .bind(codes)
    .bind(names)
    .bind(kinds)
    .bind(parents)
    .bind(geojson)
    .bind(srid)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Per staged feature: `{index, code, valid, reason, clockwise, repaired_km2}`; with
/// `make_valid` invalid geometries are repaired (the area change reported), and every geometry
/// is made a counter-clockwise `MultiPolygon`.
///
/// # Errors
/// The database fails.
pub async fn check_geometry(conn: &mut PgConnection, make_valid: bool) -> Result<Vec<Value>, sqlx::Error> {
    sqlx::query(
        "update boundary_stage set geom = ST_ForcePolygonCCW(ST_Multi(ST_CollectionExtract(
             case when ST_IsValid(raw) then raw when $1 then ST_MakeValid(raw) else raw end, 3)))",
    )
    .bind(make_valid)
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar(
        "select jsonb_build_object('index', idx, 'code', code, 'valid', ST_IsValid(raw),
                    'reason', case when not ST_IsValid(raw) then ST_IsValidReason(raw) end,
                    'clockwise', ST_IsValid(raw) and not ST_IsPolygonCCW(raw),
                    'repaired_km2', case when not ST_IsValid(raw) and $1
                        then round(((ST_Area(geom::geography) - ST_Area(raw::geography)) / 1e6)::numeric, 4) end)
         from boundary_stage order by idx",
    )
    .bind(make_valid)
    .fetch_all(conn)
    .await
}

/// Notes on the file as a whole: `{index, code, field, reason}` for duplicate codes, unknown
/// parents, units outside their parent, sibling overlaps and gaps inside a parent above
/// `threshold_km2`.
///
/// # Errors
/// The database fails.
pub async fn check_layout(
    conn: &mut PgConnection,
    level: &str,
    valid_from: NaiveDate,
    threshold_km2: f64,
) -> Result<Vec<Value>, sqlx::Error> {
    sqlx::query_scalar(
        "with v as materialized (select * from boundary_stage where ST_IsValid(geom)),
              parent as (select s.idx, p.id, p.geom from boundary_stage s
                         join admin_units p on p.code = s.parent_code and p.validity @> $2::date and p.level < $1::unit_level)
         select jsonb_build_object('index', idx, 'code', code, 'field', field, 'reason', reason, 'refuse', refuse) from (
           select s.idx, s.code, 'code' as field, 'the code ' || s.code || ' appears ' || count(*) over (partition by s.code) || ' times' as reason, true as refuse
           from boundary_stage s where (select count(*) from boundary_stage d where d.code = s.code) > 1
           union all
           select s.idx, s.code, 'parent_code', 'no unit ' || s.parent_code || ' of a higher level is valid on ' || $2::text, true
           from boundary_stage s where s.parent_code is not null and not exists (select 1 from parent p where p.idx = s.idx)
           union all
           select s.idx, s.code, 'geometry', round((ST_Area(ST_Difference(s.geom, p.geom)::geography) / 1e6)::numeric, 3) || ' km² lies outside the parent', false
           from v s join parent p using (idx)
           where ST_Area(ST_Difference(s.geom, p.geom)::geography) / 1e6 > $3
           union all
           select a.idx, a.code, 'geometry', 'overlaps ' || b.code || ' by ' || round((ST_Area(ST_Intersection(a.geom, b.geom)::geography) / 1e6)::numeric, 3) || ' km²', false
           from v a join v b on a.idx < b.idx and ST_Intersects(a.geom, b.geom)
           where ST_Area(ST_Intersection(a.geom, b.geom)::geography) / 1e6 > $3
           union all
           select min(s.idx), string_agg(s.code, ','), 'parent_code', 'a gap of ' || round((ST_Area(ST_Difference(p.geom, ST_Union(s.geom))::geography) / 1e6)::numeric, 3) || ' km² inside parent ' || s.parent_code, false
           from v s join parent p using (idx) group by s.parent_code, p.geom
           having ST_Area(ST_Difference(p.geom, ST_Union(s.geom))::geography) / 1e6 > $3
         ) notes order by idx, field",
    )
    .bind(level)
    .bind(valid_from)
    .bind(threshold_km2)
    .fetch_all(conn)
    .await
}

/// Per staged unit whose name differs from the official name of its code at `level` on
/// `valid_from`: `{index, code, field: "name", reason, suggestion, refuse: false}`. The
/// suggestion is the official name when the two differ only by diacritics, case or spacing
/// (most often a typing slip); otherwise it is null (a renamed unit, or the wrong code).
///
/// # Errors
/// The database fails.
pub async fn check_names(
    conn: &mut PgConnection,
    level: &str,
    valid_from: NaiveDate,
) -> Result<Vec<Value>, sqlx::Error> {
    sqlx::query_scalar(
        "with fold as (select s.idx, s.code, s.name, o.name as official, o.basis,
                              regexp_replace(btrim(atlas_fold(s.name)), '\\s+', ' ', 'g')
                                = regexp_replace(btrim(atlas_fold(o.name)), '\\s+', ' ', 'g') as slip
                       from boundary_stage s join official_unit_names o on o.code = s.code
                        and o.level = $1::unit_level and daterange(o.valid_from, o.valid_to) @> $2::date
                       where s.name is distinct from o.name)
         select jsonb_build_object('index', idx, 'code', code, 'field', 'name', 'refuse', false,
                  'reason', format('%s is not the official name %s (%s)', name, official, basis)
                            || case when slip then '; it differs only by diacritics, case or spacing' else '' end,
                  'suggestion', case when slip then official end)
         from fold order by idx",
    )
    .bind(level)
    .bind(valid_from)
    .fetch_all(conn)
    .await
}

/// Applies the staged units at `level` as of `valid_from`; returns `{new, changed, unchanged,
/// closed}` lists of codes. With `infer_merges`, a current unit not in the file that a changed
/// unit now covers closes (a merge read from the geometry); without it (an import with
/// successions, `db::reorganise`) only the units named close. Closing and opening are separate
/// statements, so the constraint that a code's versions never overlap sees the closed version
/// before the new one arrives.
///
/// # Errors
/// A constraint refuses a version (a version already starting that day), or the database fails.
pub async fn apply(
    conn: &mut PgConnection,
    level: &str,
    valid_from: NaiveDate,
    threshold_km2: f64,
    infer_merges: bool,
) -> Result<Value, sqlx::Error> {
    sqlx::query("alter table boundary_stage add column cur_id bigint, add column same boolean")
        .execute(&mut *conn)
        .await?;
    sqlx::query("create temp table boundary_replaced (id bigint, code text) on commit drop")
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "update boundary_stage s set cur_id = u.id, same = ST_Equals(u.geom, s.geom) and u.name = s.name and u.kind = s.kind
         from admin_units u where u.code = s.code and u.level = $1::unit_level and u.validity @> $2::date",
    )
    .bind(level)
    .bind(valid_from)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into boundary_replaced select u.id, u.code from admin_units u
         where $4 and u.level = $1::unit_level and u.validity @> $2::date and u.code not in (select code from boundary_stage)
           and exists (select 1 from boundary_stage c where c.same is not true and ST_Intersects(c.geom, u.geom)
                       and ST_Area(ST_Intersection(c.geom, u.geom)::geography) / 1e6 > $3)",
    )
    .bind(level)
    .bind(valid_from)
    .bind(threshold_km2)
    .bind(infer_merges)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "update admin_units set valid_to = $1::date
         where id in (select cur_id from boundary_stage where not same) or id in (select id from boundary_replaced)",
    )
    .bind(valid_from)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into admin_units (code, level, kind, name, parent_id, valid_from, geom)
         select c.code, $1::unit_level, c.kind, c.name,
                (select p.id from admin_units p where p.code = c.parent_code and p.validity @> $2::date
                 order by p.level desc limit 1), $2::date, c.geom
         from boundary_stage c where c.same is not true",
    )
    .bind(level)
    .bind(valid_from)
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar(
        "select jsonb_build_object(
             'new', (select coalesce(jsonb_agg(code order by code), '[]') from boundary_stage where cur_id is null),
             'changed', (select coalesce(jsonb_agg(code order by code), '[]') from boundary_stage where not same),
             'unchanged', (select coalesce(jsonb_agg(code order by code), '[]') from boundary_stage where same),
             'closed', (select coalesce(jsonb_agg(code order by code), '[]') from boundary_replaced))",
    )
    .fetch_one(conn)
    .await
}
