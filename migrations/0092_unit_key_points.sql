-- The key points of atlas_commune_key_points (migration 0013) for one commune: the points of the
-- window (not archived, of the category when one is given) that the commune covers, less those
-- that a commune valid on p_as_of with a lower id covers too. That is the rule of
-- atlas_commune_key_points (each point counts in the lowest-id commune covering it, once), asked
-- of one commune.
--
-- Why (issue #17): the commune_stats layer joined atlas_commune_key_points, which places every
-- key point of the province in its commune. Run for every tile, that was 1.4 s of one core a
-- tile with the benchmark's 100,000 points (6 s with eight at once), though a z12 tile shows one
-- or two communes. Asked per commune after the tile's filter, a z12 tile counts the points of
-- its own communes (45 ms), a z9 tile's 40 communes take 350 ms, the whole province 0.5 s.
--
-- How the time went down, measured on the benchmark's data:
-- * ST_Intersects, not ST_Covers: for a point (key_points.location is a Point) the two are the
--   same predicate, and PostGIS answers ST_Intersects of a point from its cached polygon (the
--   points of a z9 tile's communes: 610 ms with ST_Covers, 98 ms with ST_Intersects);
-- * the points shared with a lower-id neighbour are found neighbour by neighbour, in the box
--   the two share: each neighbour's polygon stays the same across its points, so PostGIS's cache
--   serves it; asking "is any lower-id commune covering this point" point by point met a new
--   polygon at every test (1.05 s against 350 ms);
-- * PL/pgSQL planned for the values of each call, without parallel workers: a SQL function's
--   plan, made for unknown values, read the whole observed_at index for a window of all time,
--   and starting a worker for each of a tile's communes cost more than the count.
create function atlas_unit_key_points(p_unit bigint, p_geom geometry, p_as_of date, p_start timestamptz,
                                      p_end timestamptz, p_category text)
returns bigint
language plpgsql stable parallel safe
set jit = off
set plan_cache_mode = force_custom_plan
set max_parallel_workers_per_gather = 0
as $$
declare
    shared bigint[] := array(
        select k.id
        from admin_units v
        cross join lateral (
            select k.id from key_points k
            where k.location && ST_MakeEnvelope(
                      greatest(ST_XMin(v.geom), ST_XMin(p_geom)), greatest(ST_YMin(v.geom), ST_YMin(p_geom)),
                      least(ST_XMax(v.geom), ST_XMax(p_geom)), least(ST_YMax(v.geom), ST_YMax(p_geom)), 4326)
              and ST_Intersects(p_geom, k.location) and ST_Intersects(v.geom, k.location)) k
        where v.level = 'commune' and v.validity @> p_as_of and v.id < p_unit and v.geom && p_geom);
begin
    return (
        select count(*)
        from key_points k
        where ST_Intersects(p_geom, k.location)
          and k.archived_at is null and k.observed_at >= p_start and k.observed_at < p_end
          and (p_category is null or k.category = p_category)
          and k.id <> all(shared));
end
$$;
