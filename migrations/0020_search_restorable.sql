-- pg_restore rebuilds indexes with an empty search_path: an index function must name every
-- function it calls by schema, or a restored dump fails on `admin_units_name_bare_idx` (found by
-- tests/api/backup.rs). Same definitions, qualified; the indexes need no rebuild.
create or replace function atlas_words(t text) returns text
language sql immutable parallel safe strict
as $$ select pg_catalog.btrim(pg_catalog.regexp_replace(public.atlas_fold(t), '[^a-z0-9]+', ' ', 'g')) $$;

create or replace function atlas_bare(t text) returns text
language sql immutable parallel safe strict
as $$
    select pg_catalog.regexp_replace(public.atlas_words(t),
        '^(xa|phuong|thi tran|huyen|thi xa|thanh pho|tinh|thon|ban|lang|xom|to dan pho) ', '')
$$;
