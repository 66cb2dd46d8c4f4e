-- Bulk key point inserts (the point import) without per-row trigger costs that are not needed.
-- Measured on 20,000 inserted points (EXPLAIN ANALYZE, trigger times): the history trigger took
-- 9.1 s of 16.7 s; the geometry checks 1.1 s each, mostly the dynamic EXECUTE that runs even
-- for a valid point or an absent area. Of the history's time, most is to_jsonb(row) itself:
-- PostGIS's geometry-to-jsonb cast costs ~100 us a call (it looks the CRS up each time, with
-- no cache when called from to_jsonb), ST_AsGeoJSON with the same output ~3 us.

-- A key point as its history keeps it: to_jsonb(row), geometry as GeoJSON with its short CRS,
-- as the cast writes it (15 digits, options 2 give the same JSON), built without the cast.
-- tests/api/imports.rs checks it equals to_jsonb(row), so a new column cannot be forgotten.
create function key_point_history_json(k key_points) returns jsonb
language sql stable as $$
    select jsonb_build_object(
        'id', k.id, 'code', k.code, 'category', k.category, 'severity', k.severity,
        'status', k.status, 'observed_at', k.observed_at,
        'location', ST_AsGeoJSON(k.location, 15, 2)::jsonb, 'area', ST_AsGeoJSON(k.area, 15, 2)::jsonb,
        'commune_id', k.commune_id, 'description', k.description, 'archived_at', k.archived_at,
        'version', k.version, 'created_by', k.created_by, 'updated_by', k.updated_by,
        'created_at', k.created_at, 'updated_at', k.updated_at)
$$;

-- History of inserts is written once per statement from the transition table: the same rows
-- (id, version, author, the row as JSON) as the row trigger wrote, in one INSERT. Updates keep
-- the row trigger (an update statement changes one point).
create function key_points_record_insert_history() returns trigger
language plpgsql as $$
begin
    insert into key_point_history (key_point_id, version, changed_by, data)
    select n.id, n.version, coalesce(n.updated_by, n.created_by), key_point_history_json(n) from inserted n;
    return null;
end
$$;

drop trigger key_points_history on key_points;
create trigger key_points_history after update on key_points
    for each row execute function key_points_record_history();
create trigger key_points_insert_history after insert on key_points
    referencing new table as inserted
    for each statement execute function key_points_record_insert_history();

-- The geometry check runs only when there is something to refuse: the WHEN clause costs one
-- ST_IsValid call, the function (which names the row and PostGIS's reason) only an invalid one.
drop trigger key_points_location_valid on key_points;
create trigger key_points_location_valid before insert or update of location on key_points
    for each row when (new.location is not null and not ST_IsValid(new.location))
    execute function atlas_check_geometry('location', 'code');
drop trigger key_points_area_valid on key_points;
create trigger key_points_area_valid before insert or update of area on key_points
    for each row when (new.area is not null and not ST_IsValid(new.area))
    execute function atlas_check_geometry('area', 'code');

-- The official names of administrative units, by code and period: what a boundary import's
-- names are compared with (a name that differs is reported, not refused). Loaded from
-- fixtures/laocai/official_unit_names.csv (the GSO list of 2020, after Resolution
-- 767/NQ-UBTVQH14); `basis` names the act the name comes from.
create table official_unit_names (
    code       text not null,
    level      unit_level not null,
    name       text not null,
    valid_from date not null,
    valid_to   date,
    basis      text not null,
    primary key (code, level, valid_from),
    check (valid_to is null or valid_to > valid_from)
);
