-- Extensions, the VN-2000 / Lao Cai TM-3 coordinate system, and the checks every geometry table
-- shares.

create extension if not exists postgis;
-- btree_gist: exclusion constraints that mix equality (a unit's code) with range overlap.
create extension if not exists btree_gist;
-- pg_trgm and unaccent: name search that forgives typos and missing Vietnamese diacritics.
create extension if not exists pg_trgm;
create extension if not exists unaccent;

-- EPSG:9208 "VN-2000 / TM-3 104-45", the provincial projection of Lao Cai's cadastral and
-- boundary files, is not in PostGIS 3.3's spatial_ref_sys. The datum shift is EPSG:6960 (Decision
-- 05/2007/QĐ-BTNMT); +towgs84 and TOWGS84 take its rotations with the opposite sign to the
-- published ones (the published signs, copied unchanged, put points ~0.8 m off at Lào Cai city).
-- auth_name is ours, not 'EPSG', so PostGIS transforms with exactly these parameters instead of
-- whatever pipeline the local PROJ database would pick for EPSG:9208.
insert into spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text)
values (
    9208, 'ANTQ', 9208,
    'PROJCS["VN-2000 / TM-3 104-45",GEOGCS["VN-2000",DATUM["Vietnam_2000",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],TOWGS84[-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278],AUTHORITY["EPSG","6756"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4756"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",104.75],PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH]]',
    '+proj=tmerc +lat_0=0 +lon_0=104.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278 +units=m +no_defs'
)
on conflict (srid) do nothing;

-- Refuses an invalid geometry with PostGIS's own reason, naming the table, the row and the
-- column; a plain CHECK (ST_IsValid(...)) would only name the constraint.
-- Arguments: the geometry column, then the column that names the row in messages.
create function atlas_check_geometry() returns trigger
language plpgsql as $$
declare
    g geometry;
    label text;
begin
    -- The column names come from the trigger definitions below, never from a request.
    execute format('select ($1).%I, ($1).%I::text', tg_argv[0], tg_argv[1]) into g, label using new;
    if g is not null and not ST_IsValid(g) then
        raise exception using
            errcode = '23514',
            constraint = tg_table_name || '_' || tg_argv[0] || '_valid',
            message = format('%s %s: invalid %s: %s', tg_table_name, coalesce(label, '(new row)'),
                             tg_argv[0], ST_IsValidReason(g)),
            hint = 'repair the geometry (for an import, --make-valid) and try again';
    end if;
    return new;
end
$$;

-- Counts a new version of an edited row and stamps the time; clients send the version back
-- in If-Match so one editor never silently overwrites another.
create function atlas_bump_version() returns trigger
language plpgsql as $$
begin
    new.version := old.version + 1;
    new.updated_at := now();
    return new;
end
$$;
