//! The database side of a boundary import with successions (a reorganisation), in the import's
//! transaction after the file is staged (`db::boundaries`): the successions are staged too,
//! checked and reported on, and applied: exactly the named predecessors close, each change is
//! recorded in `admin_unit_changes` with its basis, the units one level down (villages) get new
//! versions under their new unit, and a unit one level up left with no unit under it (a district
//! on 2025-07-01) closes the same day.
//!
//! Also here: the check every boundary import runs before writing, that no version of a staged
//! code already begins on or after the new versions' first day. Without it the database's
//! exclusion constraint refuses the write in its own words, naming neither the unit nor a way on.

use chrono::NaiveDate;
use serde_json::Value;
use sqlx::PgConnection;

use crate::imports::successions::Succession;

/// Stages `successions` beside the staged file (`boundary_stage`).
///
/// # Errors
/// The database fails.
pub async fn stage(conn: &mut PgConnection, successions: &[Succession]) -> Result<(), sqlx::Error> {
    sqlx::query(
        "create temp table boundary_successions (line int8, idx int, old_code text, new_code text, basis text)
         on commit drop",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into boundary_successions
         select * from unnest($1::int8[], $2::int[], $3::text[], $4::text[], $5::text[])",
    )
    .bind(successions.iter().map(|s| s.line.and_then(|l| i64::try_from(l).ok())).collect::<Vec<_>>())
    .bind(successions.iter().map(|s| s.index.and_then(|i| i32::try_from(i).ok())).collect::<Vec<_>>())
    .bind(successions.iter().map(|s| s.old_code.as_str()).collect::<Vec<_>>())
    .bind(successions.iter().map(|s| s.new_code.as_str()).collect::<Vec<_>>())
    .bind(successions.iter().map(|s| s.basis.as_deref()).collect::<Vec<_>>())
    .execute(conn)
    .await
    .map(|_| ())
}

/// Notes `{index, line, code, field, reason, refuse}` on the successions: refused when a row
/// names a new unit not in the file or a predecessor that is no unit of `level` on the day before
/// `valid_from`; warned when a predecessor is named for two new units (a split, which closes it
/// whole), a new code has no predecessor, or a unit of `level` under the same province as the
/// predecessors is left without a successor.
///
/// # Errors
/// The database fails.
pub async fn check(
    conn: &mut PgConnection,
    level: &str,
    valid_from: NaiveDate,
) -> Result<Vec<Value>, sqlx::Error> {
    sqlx::query_scalar(
        "with eve as (select * from admin_units where level = $1::unit_level and validity @> ($2::date - 1)),
              named as (select distinct s.old_code from boundary_successions s),
              provinces as (select distinct p.id, p.geom from eve e join named n on n.old_code = e.code
                            join admin_units p on p.level = 'province' and p.validity @> ($2::date - 1)
                             and ST_Contains(p.geom, ST_PointOnSurface(e.geom)))
         select jsonb_build_object('index', idx, 'line', line, 'code', code, 'field', 'successors', 'reason', reason,
                                   'refuse', refuse) from (
           select s.idx, s.line, s.new_code as code, format('the new unit %s is not in the file', s.new_code) as reason, true as refuse
           from boundary_successions s where not exists (select 1 from boundary_stage b where b.code = s.new_code)
           union all
           select s.idx, s.line, s.new_code, format('the predecessor %s is no %s valid on %s, the day before the change',
                                                    s.old_code, $1, to_char($2::date - 1, 'YYYY-MM-DD')), true
           from boundary_successions s where not exists (select 1 from eve e where e.code = s.old_code)
           union all
           select min(s.idx), min(s.line), string_agg(s.new_code, ',' order by s.new_code),
                  format('the predecessor %s is named for %s new units (%s): it closes whole', s.old_code, count(*),
                         string_agg(s.new_code, ', ' order by s.new_code)), false
           from boundary_successions s group by s.old_code having count(distinct s.new_code) > 1
           union all
           select b.idx, null, b.code, format('the new unit %s names no predecessor', b.code), false
           from boundary_stage b
           where not exists (select 1 from boundary_successions s where s.new_code = b.code)
             and not exists (select 1 from admin_units u where u.code = b.code and u.level = $1::unit_level and u.validity @> $2::date)
           union all
           select null, null, e.code, format('%s %s is left without a successor: it stays open', e.code, e.name), false
           from eve e
           where exists (select 1 from provinces p where ST_Contains(p.geom, ST_PointOnSurface(e.geom)))
             and e.valid_to is distinct from $2::date
             and not exists (select 1 from named n where n.old_code = e.code)
             and not exists (select 1 from boundary_stage b where b.code = e.code)
         ) notes order by idx nulls last, line nulls last, code",
    )
    .bind(level)
    .bind(valid_from)
    .fetch_all(conn)
    .await
}

/// Per new unit with predecessors: its area, the area of the union of its predecessors on the
/// day before `valid_from`, and the difference (km², 3 decimals): where the drawn boundary and
/// the named merge disagree.
///
/// # Errors
/// The database fails.
pub async fn areas(
    conn: &mut PgConnection,
    level: &str,
    valid_from: NaiveDate,
) -> Result<Value, sqlx::Error> {
    sqlx::query_scalar(
        "select coalesce(jsonb_agg(jsonb_build_object('code', code, 'predecessors', predecessors, 'area_km2', round(a, 3),
                    'predecessors_km2', round(p, 3), 'difference_km2', round(a - p, 3)) order by code), '[]')
         from (select b.code, jsonb_agg(distinct s.old_code) as predecessors,
                      (ST_Area(b.geom::geography) / 1e6)::numeric as a,
                      (ST_Area(ST_Union(e.geom)::geography) / 1e6)::numeric as p
               from boundary_stage b join boundary_successions s on s.new_code = b.code
               join admin_units e on e.code = s.old_code and e.level = $1::unit_level and e.validity @> ($2::date - 1)
               where ST_IsValid(b.geom)
               group by b.code, b.geom) t",
    )
    .bind(level)
    .bind(valid_from)
    .fetch_one(conn)
    .await
}

/// Refusals `{index, code, field: "valid_from", reason, refuse: true}` for each staged unit
/// that differs from a version of its code beginning on or after `valid_from`: the new version
/// could only overlap it. The reason names the version's dates and the ways on.
///
/// # Errors
/// The database fails.
pub async fn conflicts(conn: &mut PgConnection, valid_from: NaiveDate) -> Result<Vec<Value>, sqlx::Error> {
    sqlx::query_scalar(
        "select jsonb_build_object('index', b.idx, 'code', b.code, 'field', 'valid_from', 'refuse', true, 'reason',
                  format('%s %s already has a version from %s%s; a new version must begin after %s: give a later '
                         'valid_from, or import the file as of that version''s first day to replace nothing but leave it as it is',
                         u.code, u.name, to_char(u.valid_from, 'DD/MM/YYYY'),
                         coalesce(' to ' || to_char(u.valid_to - 1, 'DD/MM/YYYY'), ' (still valid)'),
                         to_char(u.valid_from, 'DD/MM/YYYY')))
         from boundary_stage b join admin_units u on u.code = b.code and u.valid_from >= $1::date
         where not (u.valid_from = $1::date and u.name = b.name and u.kind = b.kind and ST_Equals(u.geom, b.geom))
         order by b.idx, u.valid_from",
    )
    .bind(valid_from)
    .fetch_all(conn)
    .await
}

/// Applies the successions after `db::boundaries::apply` wrote the new versions: closes the
/// named predecessors still valid on `valid_from`, records each change (merge when a new unit
/// has several predecessors; else reclassify, rename or continue), moves the units one level
/// down of every closed version to new versions under the unit that contains them, and closes
/// the units one level up left empty. Returns `{closed, changes, moved, closed_parents}`.
///
/// # Errors
/// The database fails.
pub async fn apply(
    conn: &mut PgConnection,
    level: &str,
    valid_from: NaiveDate,
) -> Result<Value, sqlx::Error> {
    // The versions this import ends: the predecessors' and the changed units' of the file.
    sqlx::query(
        "create temp table boundary_ended on commit drop as
         select u.id, u.code, u.parent_id from admin_units u
         where u.level = $1::unit_level and u.valid_to = $2::date
           and (u.code in (select old_code from boundary_successions) or u.code in (select code from boundary_stage))",
    )
    .bind(level)
    .bind(valid_from)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "with closed as (
             update admin_units u set valid_to = $2::date
             where u.level = $1::unit_level and u.validity @> $2::date
               and u.code in (select old_code from boundary_successions)
               and u.code not in (select code from boundary_stage)
             returning u.id, u.code, u.parent_id)
         insert into boundary_ended select * from closed",
    )
    .bind(level)
    .bind(valid_from)
    .execute(&mut *conn)
    .await?;
    let changes: i64 = sqlx::query_scalar(
        "with pairs as (
             select e.id as pred, n.id as succ, s.basis, count(*) over (partition by n.id) as k,
                    o.kind <> n.kind as rekind, o.name <> n.name as renamed
             from boundary_successions s
             join boundary_ended e on e.code = s.old_code join admin_units o on o.id = e.id
             join admin_units n on n.code = s.new_code and n.level = $1::unit_level and n.validity @> $2::date),
         ins as (
             insert into admin_unit_changes (changed_on, predecessor_id, successor_id, change, basis)
             select $2::date, pred, succ, case when k > 1 then 'merge' when rekind then 'reclassify'
                                               when renamed then 'rename' else 'continue' end, basis
             from pairs where pred <> succ
             on conflict (predecessor_id, successor_id) do nothing returning 1)
         select count(*) from ins",
    )
    .bind(level)
    .bind(valid_from)
    .fetch_one(&mut *conn)
    .await?;
    // The units one level down, moved in three statements: their versions end before the new
    // ones begin (the exclusion constraint checks each row as it is written).
    sqlx::query(
        "create temp table boundary_children on commit drop as
         select c.*, (select n.id from admin_units n
                      where n.level = $1::unit_level and n.validity @> $2::date
                        and (n.code = e.code or n.code in (select s.new_code from boundary_successions s where s.old_code = e.code))
                      order by ST_Contains(n.geom, ST_PointOnSurface(c.geom)) desc, n.code limit 1) as new_parent,
                (select s.basis from boundary_successions s where s.old_code = e.code order by s.line limit 1) as basis
         from boundary_ended e join admin_units c on c.parent_id = e.id and c.validity @> $2::date",
    )
    .bind(level)
    .bind(valid_from)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "update admin_units u set valid_to = $1::date from boundary_children c where u.id = c.id and c.new_parent is not null",
    )
    .bind(valid_from)
    .execute(&mut *conn)
    .await?;
    let moved: i64 = sqlx::query_scalar(
        "with opened as (
             insert into admin_units (code, level, kind, name, parent_id, valid_from, valid_to, population, ethnic_shares, geom)
             select code, level, kind, name, new_parent, $1::date, valid_to, population, ethnic_shares, geom
             from boundary_children where new_parent is not null
             returning id, code),
         recorded as (
             insert into admin_unit_changes (changed_on, predecessor_id, successor_id, change, basis)
             select $1::date, c.id, o.id, 'continue', c.basis from boundary_children c join opened o on o.code = c.code
             returning 1)
         select count(*) from recorded",
    )
    .bind(valid_from)
    .fetch_one(&mut *conn)
    .await?;
    let parents: Value = sqlx::query_scalar(
        "with emptied as (
             update admin_units p set valid_to = $1::date
             where p.id in (select parent_id from boundary_ended) and p.validity @> $1::date
               and not exists (select 1 from admin_units c where c.parent_id = p.id and c.validity @> $1::date)
             returning p.code)
         select coalesce(jsonb_agg(code order by code), '[]') from emptied",
    )
    .bind(valid_from)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query_scalar(
        "select jsonb_build_object('closed', (select coalesce(jsonb_agg(distinct code), '[]') from boundary_ended
                                               where code not in (select code from boundary_stage)),
                                   'changes', $1::int8, 'moved', $2::int8, 'closed_parents', $3::jsonb)",
    )
    .bind(changes)
    .bind(moved)
    .bind(parents)
    .fetch_one(conn)
    .await
}
