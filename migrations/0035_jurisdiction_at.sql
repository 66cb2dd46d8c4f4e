-- A jurisdiction names unit codes chosen when the user was made, and is read at another date:
-- the demo editor's "080" (the city of Lào Cai) closed on 2025-07-01 with every district, and
-- read by its code alone it would name nothing after that, so the editor would silently see and
-- write nothing. Each code is read through the lineage (admin_unit_resolve) at the date, so a
-- closed unit stands for the units it became, and a 2025 unit read before 2025-07-01 for the
-- units it came from. One definition, used by every reader and writer of a jurisdiction.
create function atlas_jurisdiction(p_codes text[], p_on date) returns geometry
language sql stable as $$
select coalesce(ST_Union(u.geom), ST_SetSRID('GEOMETRYCOLLECTION EMPTY'::geometry, 4326))
from (select distinct r.id, r.geom
      from unnest(p_codes) c(code) cross join lateral admin_unit_resolve(c.code, p_on) r
      where r.geom is not null) u
$$;

comment on function atlas_jurisdiction(text[], date) is
    'The union of the units valid at a date that a jurisdiction''s unit codes (of any time) name, through the lineage.';
