-- The version of each table the layers read (issue #17). The tile cache keys every tile by the
-- versions of the tables its layer reads, so a cached tile can never outlive a write.
--
-- Why a table bumped by statement triggers, not LISTEN/NOTIFY: every antq process sharing the
-- database (and a hot standby, which replays this table with the data) reads the version with
-- the same statement, no listener to lose; and the bump commits in the writer's transaction, so
-- a reader that sees the new version also sees the data it stands for. A reader reads the version
-- before the tile: at worst it caches newer data under an older version that is already gone.
create table data_versions (
    name    text primary key,
    version bigint not null default 0
);

-- Statement-level: an import of 100,000 rows bumps once, not 100,000 times. A truncate counts.
create function data_versions_bump() returns trigger
language plpgsql as $$
begin
    update data_versions set version = version + 1 where name = tg_table_name;
    return null;
end
$$;

do $$
declare
    t text;
begin
    foreach t in array array[
        'admin_units', 'designations', 'grassroots_profiles', 'admin_unit_changes',
        'border_posts', 'border_segments', 'border_markers',
        'key_point_categories', 'key_points', 'model_types', 'model_sites',
        'patrols', 'patrol_tracks', 'analysis_runs', 'analysis_cells']
    loop
        insert into data_versions (name) values (t);
        execute format('create trigger %I after insert or update or delete or truncate on %I
                        for each statement execute function data_versions_bump()',
                       t || '_data_version', t);
    end loop;
end
$$;
