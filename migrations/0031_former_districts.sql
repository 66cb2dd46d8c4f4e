-- The districts a unit came from. The district level ended on 2025-07-01 (Nghị quyết
-- 1673/NQ-UBTVQH15), but planners still group communes by the districts they knew: a 2025 unit
-- is read through its predecessors to the districts those belonged to on their last day (the
-- parent version a predecessor points at covers its whole validity, so it is the district of
-- that day). A predecessor with no district of its own (a 2025 unit merged again later) is
-- followed further back, so the answer survives the next reorganisation too.
--
-- Codes and names come as two arrays in the same order (by code), empty when the unit has no
-- predecessors: a commune that never changed carries its district in `district_code` instead.
create function admin_unit_former_districts(p_id bigint, out codes text[], out names text[])
language sql stable as $$
with recursive back as (
    select ch.predecessor_id as id from admin_unit_changes ch where ch.successor_id = p_id
    union
    select ch.predecessor_id
    from back b join admin_units x on x.id = b.id
    join admin_unit_changes ch on ch.successor_id = b.id
    where not exists (select 1 from admin_units d where d.id = x.parent_id and d.level = 'district')
),
d as (
    select distinct d.code, d.name
    from back b join admin_units x on x.id = b.id join admin_units d on d.id = x.parent_id
    where d.level = 'district'
)
select coalesce(array_agg(d.code order by d.code), '{}'), coalesce(array_agg(d.name order by d.code), '{}') from d
$$;

comment on function admin_unit_former_districts(bigint) is
    'The districts (codes, names) a unit''s predecessors belonged to on their last day, through admin_unit_changes.';
