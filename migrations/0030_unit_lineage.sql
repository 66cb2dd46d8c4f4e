-- Lineage: what a unit code names at a date. Jurisdictions, designations, border responsibility
-- and reports are keyed by unit codes chosen at one time and read at another; after a merge the
-- code may name nothing (Xã Tà Chải after 2024-11-01), a unit that absorbed others, or, reused,
-- a different unit (02647 was Phường Kim Tân, and is Phường Lào Cai from 2025-07-01). So a code is
-- read through admin_unit_changes at the date asked, never by its code alone.

-- The units valid at p_on that the unit p_code names (as of p_on, or, when it names nothing then,
-- its version nearest the date) became or came from:
--   * valid at p_on: that unit;
--   * ended before p_on: its successors, followed forward until the ones valid at p_on; a unit
--     that ended without successors (a district on 2025-07-01) is followed through its children
--     of its last day;
--   * began after p_on: its predecessors valid at p_on (a 2025 unit read in 2020).
-- Empty when nothing of it existed at p_on.
create function admin_unit_resolve(p_code text, p_on date) returns setof admin_units
language sql stable as $$
with recursive
start as (
    select * from (
        select u.*, case when u.validity @> p_on then 0 when u.valid_to <= p_on then 1 else 2 end as dir
        from admin_units u where u.code = p_code) v
    -- the version valid at the date, else the last one before it, else the first one after it
    order by dir, case dir when 1 then p_on - valid_to when 2 then valid_from - p_on else 0 end
    limit 1),
fwd as (
    select s.id, s.valid_from, s.valid_to from start s where s.dir in (0, 1)
    union
    select n.id, n.valid_from, n.valid_to
    from fwd f cross join lateral (
        select x.id, x.valid_from, x.valid_to from admin_unit_changes ch join admin_units x on x.id = ch.successor_id
        where ch.predecessor_id = f.id
        union all
        select c.id, c.valid_from, c.valid_to from admin_units c
        where c.parent_id = f.id and c.valid_to = f.valid_to
          and not exists (select 1 from admin_unit_changes ch where ch.predecessor_id = f.id)) n
    where f.valid_to <= p_on),
back as (
    select s.id, s.valid_from from start s where s.dir = 2
    union
    select x.id, x.valid_from
    from back b join admin_unit_changes ch on ch.successor_id = b.id join admin_units x on x.id = ch.predecessor_id
    where b.valid_from > p_on)
select u.* from admin_units u
where u.validity @> p_on and u.id in (select id from fwd union select id from back)
$$;

comment on function admin_unit_resolve(text, date) is
    'The units valid at a date that a unit code (of any time) became or came from, through admin_unit_changes.';

-- Every change a unit took part in, each side named, for lineage answers and search labels.
create view admin_unit_lineage as
select ch.changed_on, ch.change, ch.basis,
       p.id as predecessor_id, p.code as predecessor_code, p.name as predecessor_name, p.level as level,
       p.valid_from as predecessor_from,
       s.id as successor_id, s.code as successor_code, s.name as successor_name, s.valid_to as successor_to
from admin_unit_changes ch
join admin_units p on p.id = ch.predecessor_id
join admin_units s on s.id = ch.successor_id;

-- The province the service is about, at a date: of the provinces valid then, the one carrying the
-- name of the latest province. The demo holds old Yên Bái beside old Lào Cai until 2025-06-30
-- (the new Lào Cai, code 15, is their union), and a report "of the province" in 2020 means old
-- Lào Cai (code 10), in 2026 the new one; a database of one province simply gets that province.
create function atlas_home_province(p_on date) returns setof admin_units
language sql stable as $$
select p.* from admin_units p
where p.level = 'province' and p.validity @> p_on
  and p.name = (select name from admin_units where level = 'province' order by valid_from desc, id limit 1)
order by p.id
limit 1
$$;
