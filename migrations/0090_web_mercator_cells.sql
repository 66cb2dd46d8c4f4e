-- Where a point lies in the WebMercatorQuad unit square (OGC 17-083r4, annex on WebMercatorQuad:
-- x = (λ + 180) / 360, y = (1 − ln(tan φ + sec φ) / π) / 2, both from the north-west corner, in
-- [0, 1)), for the low-zoom tiles of point layers (issue #17, `layers::tiles::aggregates`): the
-- cell of a point at zoom z is floor(x · 64 · 2^z), floor(y · 64 · 2^z), and the tile's range
-- of x and y is a plain range of these numbers.
--
-- Why indexes on them: counting the 40,000 key points of a z8 tile read each point's heap row (a
-- random page each, 40,000 buffers) and computed the projection from the geometry, about 1 µs a
-- point before any grouping. A B-tree on (x, y) holding what the count needs answers it from the
-- index alone (about 900 buffers, no projection: the values are stored in the index).
create function atlas_web_x(g geometry) returns float8
language sql immutable strict parallel safe
return (ST_X(g) + 180) / 360;

create function atlas_web_y(g geometry) returns float8
language sql immutable strict parallel safe
return (1 - ln(tan(radians(ST_Y(g))) + 1 / cos(radians(ST_Y(g)))) / pi()) / 2;

-- What the layers' sources read besides the cell, so that the scan is index-only:
-- * the category the counts split by (key points: category, model sites: effectiveness);
-- * archived_at, of the sources' `where archived_at is null`. Not a partial index: the planner
--   ignores the statistics of a partial index's expressions, and without them it guessed 3 rows
--   for a tile of 40,000 and sorted them on disk instead of hashing;
-- * the columns of the sources' left joins (commune, village): the planner drops a join whose
--   columns are unused, but PostgreSQL 15 still asks the scan for the join's key column;
-- * the geometry, for a caller's jurisdiction (ST_Intersects) without going to the heap.
create index key_points_web_idx on key_points (atlas_web_x(location), atlas_web_y(location))
    include (category, archived_at, commune_id, location);
create index model_sites_web_idx on model_sites (atlas_web_x(geom), atlas_web_y(geom))
    include (effectiveness, archived_at, commune_id, village_id, geom);
