-- Designations across a merge. A decision names a unit of its own day (the 105 key security
-- communes of Quyết định 1579/QĐ-BCA-V28 name communes of 2011-2024); when that unit closes the
-- decision is no longer a designation of anything current, and nothing in force names the units
-- of 2025. What planners can still say is how much of a new unit came from designated units:
-- "k of its n predecessors were key security communes", labelled as inherited, never counted as
-- a current designation.
--
-- n: the unit's direct predecessors (admin_unit_changes); k: those holding a designation of
-- p_kind on their last day. A designation follows its unit's code across versions, as the
-- communes layer reads it (a version made only by a 2020 change of district keeps it).
create function admin_unit_inherited(p_id bigint, p_kind text, out k int, out n int)
language sql stable as $$
select (count(*) filter (where exists (
            select 1 from admin_units v join designations g on g.unit_id = v.id and g.kind = p_kind
            where v.code = p.code and v.level = p.level and g.validity @> (p.valid_to - 1))))::int,
       count(*)::int
from admin_unit_changes ch join admin_units p on p.id = ch.predecessor_id
where ch.successor_id = p_id
$$;

comment on function admin_unit_inherited(bigint, text) is
    'Of a unit''s direct predecessors (n), how many (k) held a designation of a kind on their last day.';
