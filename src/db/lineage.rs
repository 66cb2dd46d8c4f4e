//! A unit's lineage: every change that led to any version of a code, and every change that
//! followed from one, each side named with its dates and the change's basis.

use sqlx::PgPool;

/// Backwards through `admin_unit_changes` from every version of the code (`back`), and forwards
/// (`fwd`); time only moves one way along a change, so the recursion ends.
const LINEAGE: &str = "
with recursive mine as (select id from admin_units where code = $1),
back as (
    select ch.id as change_id, ch.predecessor_id as id, 1 as depth
    from admin_unit_changes ch join mine m on ch.successor_id = m.id
    union
    select ch.id, ch.predecessor_id, b.depth + 1
    from back b join admin_unit_changes ch on ch.successor_id = b.id),
fwd as (
    select ch.id as change_id, ch.successor_id as id, 1 as depth
    from admin_unit_changes ch join mine m on ch.predecessor_id = m.id
    union
    select ch.id, ch.successor_id, f.depth + 1
    from fwd f join admin_unit_changes ch on ch.predecessor_id = f.id),
-- A change reached from two versions of the code (a code kept through two changes) is listed
-- once, at the depth of the nearer.
side as (
    select 'predecessors' as dir, b.depth, ch.* from (select change_id, min(depth) as depth from back group by 1) b
    join admin_unit_changes ch on ch.id = b.change_id
    union all
    select 'successors', f.depth, ch.* from (select change_id, min(depth) as depth from fwd group by 1) f
    join admin_unit_changes ch on ch.id = f.change_id)
select jsonb_build_object(
    'code', $1::text,
    'versions', (select jsonb_agg(jsonb_build_object('name', u.name, 'kind', u.kind, 'level', u.level,
                     'valid_from', u.valid_from, 'valid_to', u.valid_to) order by u.valid_from)
                 from admin_units u where u.code = $1),
    'predecessors', coalesce((select jsonb_agg(x.j order by x.changed_on desc, x.depth, x.k) from (
        select s.changed_on, s.depth, p.code || p.valid_from as k, jsonb_build_object(
            'depth', s.depth, 'code', p.code, 'name', p.name, 'valid_from', p.valid_from, 'valid_to', p.valid_to,
            'changed_on', s.changed_on, 'change', s.change, 'basis', s.basis,
            'into_code', n.code, 'into_name', n.name) as j
        from side s join admin_units p on p.id = s.predecessor_id join admin_units n on n.id = s.successor_id
        where s.dir = 'predecessors') x), '[]'),
    'successors', coalesce((select jsonb_agg(x.j order by x.changed_on, x.depth, x.k) from (
        select s.changed_on, s.depth, n.code || n.valid_from as k, jsonb_build_object(
            'depth', s.depth, 'code', n.code, 'name', n.name, 'valid_from', n.valid_from, 'valid_to', n.valid_to,
            'changed_on', s.changed_on, 'change', s.change, 'basis', s.basis,
            'from_code', p.code, 'from_name', p.name) as j
        from side s join admin_units p on p.id = s.predecessor_id join admin_units n on n.id = s.successor_id
        where s.dir = 'successors') x), '[]'))
where exists (select 1 from mine)";

/// The lineage of the unit `code` (all its versions), or `None` when no unit ever had the code.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(pool), err)]
pub async fn lineage(pool: &PgPool, code: &str) -> Result<Option<serde_json::Value>, sqlx::Error> {
    sqlx::query_scalar(LINEAGE).bind(code).fetch_optional(pool).await
}
