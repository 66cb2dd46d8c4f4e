-- Key points counted per cell of the WebMercatorQuad grid, kept by triggers (issue #17,
-- `layers::tiles::aggregates`): what the province-wide low-zoom tiles read instead of the points.
--
-- Why: a z8 or z9 tile over the province holds 30,000-40,000 of the benchmark's 100,000 points,
-- a z10 tile up to 9,000. Counting them from the index of migration 0090 took 50-60 ms of one
-- core (28 ms at z10), so eight planners opening the map at once waited 300 ms at p99 (the
-- target is 100 ms). A tile at zoom z draws cells of 64 · 2^z per side: levels 14, 15 and 16 are
-- the cells of z8, z9 and z10, one row each, read as they are (a tile reads at most 4,096 rows);
-- lower zooms add level 14's cells up. From z11 the features are drawn one by one.
--
-- One row per cell, with the counts by category in `counts` ({"count_<category>": n}, the
-- tile's own property names): grouping 14,000 rows of (cell, category) back into cells for a z9
-- tile took 40 ms, nearly as long as counting the points.
--
-- A cell of level L is floor(x · 2^L), floor(y · 2^L) of the point's place in the unit square
-- (atlas_web_x, atlas_web_y). A tile at zoom z has 64 · 2^z cells per side, and since both are
-- powers of two its cell is the level-L cell shifted right by L − z − 6: exactly the cell the
-- points' own count gives. sx and sy sum the points' x and y, so the tile's point for a cell is
-- the same mean position. Only what every caller of the whole province sees is here (points not
-- archived, all categories): a filter or a jurisdiction reads the points.
--
-- The rows change in the writer's own statement and transaction, so a reader sees the counts of
-- the data it sees, and the key points' data version (migration 0040) stands for them too.
create table key_point_cells (
    level  smallint not null check (level in (14, 15, 16)),
    cx     int not null,
    cy     int not null,
    k      bigint not null,
    counts jsonb not null,
    sx     float8 not null,
    sy     float8 not null,
    primary key (level, cx, cy)
);
-- Cells whose last point left: deleted at the end of each change.
create index key_point_cells_empty on key_point_cells (level) where k = 0;

-- The sum of two {"count_<category>": n} objects, without the categories that come to 0.
create function key_point_cells_sum(a jsonb, b jsonb) returns jsonb
language sql immutable parallel safe
return (select coalesce(jsonb_object_agg(key, n), '{}')
        from (select key, sum(value::int8) as n from (select * from jsonb_each_text(a)
              union all select * from jsonb_each_text(b)) e group by key) s where n <> 0);

-- Adds each point (x, y, category) with its sign (+1 in, −1 out) to its cell at each level.
-- A point that left and came back in the same cell (an update of its description) changes
-- nothing and writes nothing. The cells are written in key order, so that two writers touching
-- the same cells lock them in the same order and cannot deadlock.
create function key_point_cells_add(xs float8[], ys float8[], categories text[], signs int[])
returns void
language sql as $$
    insert into key_point_cells as c (level, cx, cy, k, counts, sx, sy)
    select level, cx, cy, sum(n), coalesce(jsonb_object_agg('count_' || category, n) filter (where n <> 0), '{}'),
           sum(x), sum(y)
    from (select l.level, floor(p.x * 2 ^ l.level)::int as cx, floor(p.y * 2 ^ l.level)::int as cy,
                 p.category, sum(p.sign) as n, sum(p.sign * p.x) as x, sum(p.sign * p.y) as y
          from unnest(xs, ys, categories, signs) p(x, y, category, sign), (values (14), (15), (16)) l(level)
          group by 1, 2, 3, 4) by_category
    group by level, cx, cy
    having bool_or(n <> 0 or x <> 0 or y <> 0)
    order by level, cx, cy
    on conflict (level, cx, cy) do update
        set k = c.k + excluded.k, sx = c.sx + excluded.sx, sy = c.sy + excluded.sy,
            counts = key_point_cells_sum(c.counts, excluded.counts);
    delete from key_point_cells where k = 0;
$$;

-- Statement-level, from the transition tables: an import of 100,000 points is one upsert.
create function key_point_cells_track() returns trigger
language plpgsql as $$
declare
    xs float8[] := '{}';
    ys float8[] := '{}';
    categories text[] := '{}';
    signs int[] := '{}';
begin
    if tg_op = 'TRUNCATE' then
        truncate key_point_cells;
        return null;
    end if;
    if tg_op in ('UPDATE', 'DELETE') then
        select xs || array_agg(atlas_web_x(location)), ys || array_agg(atlas_web_y(location)),
               categories || array_agg(category), signs || array_agg(-1)
        into xs, ys, categories, signs
        from old_rows where archived_at is null and location is not null;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        select xs || array_agg(atlas_web_x(location)), ys || array_agg(atlas_web_y(location)),
               categories || array_agg(category), signs || array_agg(1)
        into xs, ys, categories, signs
        from new_rows where archived_at is null and location is not null;
    end if;
    perform key_point_cells_add(xs, ys, categories, signs);
    return null;
end
$$;

-- A trigger with transition tables has one event (PostgreSQL's rule): one trigger per event.
create trigger key_point_cells_insert after insert on key_points
    referencing new table as new_rows for each statement execute function key_point_cells_track();
create trigger key_point_cells_update after update on key_points
    referencing old table as old_rows new table as new_rows
    for each statement execute function key_point_cells_track();
create trigger key_point_cells_delete after delete on key_points
    referencing old table as old_rows for each statement execute function key_point_cells_track();
create trigger key_point_cells_truncate after truncate on key_points
    for each statement execute function key_point_cells_track();

select key_point_cells_add(array_agg(atlas_web_x(location)), array_agg(atlas_web_y(location)),
                           array_agg(category), array_agg(1))
from key_points where archived_at is null and location is not null;
