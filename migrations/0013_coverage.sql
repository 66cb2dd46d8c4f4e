-- Patrol coverage of the border, computed in one place for the coverage layers, the gaps layer,
-- the commune reports and the benchmark: which stretches of each border segment lie within half
-- the sight width of a patrol track recorded in a time window, measured in UTM 48N (EPSG:32648,
-- metres, scale error under 0.04 % across Lao Cai).

-- The metric geometries are looked up by distance; indexing the transformed geometry lets
-- ST_DWithin in EPSG:32648 use an index instead of transforming every track.
create index patrol_tracks_geom_32648_idx on patrol_tracks using gist (ST_Transform(geom, 32648));
create index border_segments_geom_32648_idx on border_segments using gist (ST_Transform(geom, 32648));
create index patrol_tracks_patrol_started_idx on patrol_tracks (patrol_id, started_at);

-- A time window [s, e) from request bounds (NULL: not given). With neither bound, the last
-- p_days Vietnamese days up to and including today; without an end, up to the end of today;
-- without a start (but with an end), from the beginning.
create function atlas_window(p_start timestamptz, p_end timestamptz, p_days integer default 30)
returns table (s timestamptz, e timestamptz)
language sql stable parallel safe
as $$
select case when p_start is null and p_end is null then x.tomorrow - make_interval(days => p_days)
            else coalesce(p_start, '-infinity'::timestamptz) end,
       coalesce(p_end, x.tomorrow)
from (select (((now() at time zone 'Asia/Ho_Chi_Minh')::date + 1)::timestamp at time zone 'Asia/Ho_Chi_Minh')
             as tomorrow) x
$$;

-- Tracks with their times: a track without times of its own takes its patrol's (actual, then
-- planned). t0 is the start, t1 the end (never null).
create function atlas_track_times()
returns table (id bigint, patrol_id bigint, t0 timestamptz, t1 timestamptz)
language sql stable parallel safe
as $$
select t.id, t.patrol_id, x.t0, coalesce(t.ended_at, p.ended_at, p.planned_end, x.t0)
from patrol_tracks t join patrols p on p.id = t.patrol_id
cross join lateral (select coalesce(t.started_at, p.started_at, p.planned_start) as t0) x
$$;

-- The stretches of each border segment covered by a track of the window, as merged intervals
-- [a, b] of the fraction along the segment (0 at its start, 1 at its end). Each nearby track is
-- clipped to the segment's box and buffered by half the width; the segment's pieces inside the
-- buffer are located along the segment and overlapping intervals merged (islands: a new one
-- starts where an interval begins after every earlier one has ended).
create function atlas_covered_intervals(p_start timestamptz, p_end timestamptz, p_width float8)
returns table (segment_id bigint, a float8, b float8)
language sql stable parallel safe
as $$
with seg as (select s.id, ST_Transform(s.geom, 32648) as g from border_segments s),
pieces as (
    select seg.id, least(f.f0, f.f1) as a, greatest(f.f0, f.f1) as b
    from seg
    join patrol_tracks t on ST_DWithin(ST_Transform(t.geom, 32648), seg.g, p_width / 2)
    join atlas_track_times() tt on tt.id = t.id
    cross join lateral ST_Dump(ST_Intersection(seg.g, ST_Buffer(
        ST_ClipByBox2D(ST_Transform(t.geom, 32648), ST_Expand(ST_Envelope(seg.g), p_width)), p_width / 2))) d
    cross join lateral (select ST_LineLocatePoint(seg.g, ST_StartPoint(d.geom)) as f0,
                               ST_LineLocatePoint(seg.g, ST_EndPoint(d.geom)) as f1) f
    where tt.t1 >= p_start and tt.t0 < p_end and ST_Dimension(d.geom) = 1),
ordered as (
    select id, a, b, max(b) over (partition by id order by a, b rows between unbounded preceding and 1 preceding)
               as reach
    from pieces),
islands as (
    select id, a, b,
           count(*) filter (where reach is null or a > reach + 1e-12)
               over (partition by id order by a, b rows between unbounded preceding and current row) as island
    from ordered)
select id, min(a), max(b) from islands group by id, island
$$;

-- When each segment was last patrolled up to p_end: the Vietnamese date of the latest track
-- within half the width of it (a track running past p_end counts up to p_end).
create function atlas_border_last_patrolled(p_end timestamptz, p_width float8)
returns table (segment_id bigint, last_patrolled date)
language sql stable parallel safe
as $$
select s.id, (max(least(tt.t1, p_end - interval '1 microsecond')) at time zone 'Asia/Ho_Chi_Minh')::date
from border_segments s
join patrol_tracks t on ST_DWithin(ST_Transform(t.geom, 32648), ST_Transform(s.geom, 32648), p_width / 2)
join atlas_track_times() tt on tt.id = t.id
where tt.t0 < p_end
group by s.id
$$;

-- Each border segment's coverage in the window [p_start, p_end) (bounds as atlas_window takes
-- them) for a sight width p_width in metres: lengths in EPSG:32648, days since the last patrol
-- counted to the window's last day.
create function atlas_border_coverage(p_start timestamptz, p_end timestamptz, p_width float8)
returns table (id bigint, code text, name text, post_code text, post_name text, commune_code text,
               length_m float8, covered_m float8, share float8, last_patrolled date, days_since integer,
               window_start timestamptz, window_end timestamptz, geom geometry)
language sql stable parallel safe
as $$
with w as (select * from atlas_window(p_start, p_end)),
cov as materialized (
    select i.segment_id, sum(i.b - i.a) as f from w, atlas_covered_intervals(w.s, w.e, p_width) i group by 1),
last as materialized (select l.* from w, atlas_border_last_patrolled(w.e, p_width) l)
select s.id, s.code, s.name, bp.code, bp.name, c.code,
       round(x.len::numeric, 1)::float8,
       round((x.len * least(coalesce(cov.f, 0), 1))::numeric, 1)::float8,
       round(least(coalesce(cov.f, 0), 1)::numeric, 4)::float8,
       last.last_patrolled,
       (((w.e - interval '1 microsecond') at time zone 'Asia/Ho_Chi_Minh')::date - last.last_patrolled)::int,
       w.s, w.e, s.geom
from w cross join border_segments s
cross join lateral (select ST_Length(ST_Transform(s.geom, 32648)) as len) x
left join border_posts bp on bp.id = s.post_id
left join admin_units c on c.id = s.commune_id
left join cov on cov.segment_id = s.id
left join last on last.segment_id = s.id
$$;

-- The uncovered stretches of each segment in the window, as lines (SRID 4326) with their lengths
-- in EPSG:32648; with the covered lengths of atlas_border_coverage they add up to each segment's
-- length. Ids number the stretches along the segments, in order.
create function atlas_coverage_gaps(p_start timestamptz, p_end timestamptz, p_width float8)
returns table (id bigint, segment_code text, segment_name text, post_name text, from_m float8, length_m float8,
               geom geometry)
language sql stable parallel safe
as $$
with w as (select * from atlas_window(p_start, p_end)),
cov as materialized (select i.* from w, atlas_covered_intervals(w.s, w.e, p_width) i),
bounds as (
    select segment_id, coalesce(lag(b) over (partition by segment_id order by a), 0) as ga, a as gb from cov
    union all
    select segment_id, max(b), 1 from cov group by segment_id
    union all
    select s.id, 0, 1 from border_segments s where not exists (select 1 from cov where cov.segment_id = s.id)),
gaps as (
    select s.id as segment_id, s.code, s.name, bp.name as post_name, b.ga,
           ST_Length(ST_Transform(s.geom, 32648)) as len, ST_LineSubstring(ST_Transform(s.geom, 32648), b.ga, b.gb) as g
    from bounds b join border_segments s on s.id = b.segment_id
    left join border_posts bp on bp.id = s.post_id
    where b.gb - b.ga > 1e-12)
select row_number() over (order by segment_id, ga), code, name, post_name,
       round((ga * len)::numeric, 1)::float8,
       round(ST_Length(g)::numeric, 1)::float8, ST_Transform(g, 4326)
from gaps
$$;

-- Patrols of the window [p_start, p_end) with their span: the actual times, else the planned
-- ones, else the span of their tracks. Days are the Vietnamese calendar days the span touches.
create function atlas_patrols_in(p_start timestamptz, p_end timestamptz)
returns table (id bigint, units text[], t0 timestamptz, t1 timestamptz, hours float8, days integer)
language sql stable parallel safe
as $$
select p.id, p.units, x.t0, x.t1, extract(epoch from x.t1 - x.t0)::float8 / 3600,
       ((x.t1 at time zone 'Asia/Ho_Chi_Minh')::date - (x.t0 at time zone 'Asia/Ho_Chi_Minh')::date + 1)::int
from patrols p
cross join lateral (
    select coalesce(p.started_at, p.planned_start, (select min(tt.t0) from atlas_track_times() tt where tt.patrol_id = p.id))
               as t0,
           coalesce(p.ended_at, p.planned_end, (select max(tt.t1) from atlas_track_times() tt where tt.patrol_id = p.id),
                    p.started_at, p.planned_start) as t1) x
where x.t0 is not null and x.t1 >= p_start and x.t0 < p_end
$$;

-- Patrol effort per commune valid on p_as_of, for the patrols of the window: patrols whose
-- tracks enter the commune, their days, geodesic km of track inside it, and hours shared out in
-- proportion to the km (so a patrol's hours add up to its hours over the communes it walks).
-- The CTEs are materialized: inlined into a larger query, the planner would otherwise measure
-- every track once per commune.
create function atlas_commune_effort(p_as_of date, p_start timestamptz, p_end timestamptz)
returns table (unit_id bigint, patrols bigint, patrol_days bigint, hours float8, km float8)
language sql stable parallel safe
as $$
with p as materialized (select * from atlas_patrols_in(p_start, p_end)),
tr as materialized (
    select p.id as patrol_id, p.hours, p.days, t.geom, sum(ST_Length(t.geom::geography)) over (partition by p.id) as total_m
    from p join patrol_tracks t on t.patrol_id = p.id),
pieces as (
    select u.id as unit_id, tr.patrol_id, tr.hours, tr.days, tr.total_m,
           ST_Length(ST_Intersection(tr.geom, u.geom)::geography) as m
    from tr join admin_units u on u.level = 'commune' and u.validity @> p_as_of and ST_Intersects(u.geom, tr.geom)),
per_patrol as (
    select unit_id, patrol_id, max(hours) as hours, max(days) as days, max(total_m) as total_m, sum(m) as m
    from pieces group by unit_id, patrol_id)
select unit_id, count(*), sum(days), sum(hours * m / nullif(total_m, 0)), sum(m) / 1000
from per_patrol where m > 0 group by unit_id
$$;

-- Key points (not archived) of the window, optionally of one category, counted in the commune
-- valid on p_as_of that covers them (one commune each, as when a key point is recorded), so that
-- points recorded before a merge count in the commune they lie in now.
create function atlas_commune_key_points(p_as_of date, p_start timestamptz, p_end timestamptz, p_category text)
returns table (unit_id bigint, key_points bigint)
language sql stable parallel safe
as $$
select c.unit_id, count(*)
from key_points k
cross join lateral (
    select u.id as unit_id from admin_units u
    where u.level = 'commune' and u.validity @> p_as_of and ST_Covers(u.geom, k.location)
    order by u.id limit 1) c
where k.archived_at is null and k.observed_at >= p_start and k.observed_at < p_end
  and (p_category is null or k.category = p_category)
group by c.unit_id
$$;

-- PostGIS functions carry high planner costs, so these queries cross the JIT threshold; compiling
-- them took longer than running them (a year of tracks: 10.5 s with JIT, 3.6 s without). The
-- setting applies inside the functions only (and keeps them from being inlined, which the
-- materialized CTEs above already assume).
alter function atlas_border_coverage(timestamptz, timestamptz, float8) set jit = off;
alter function atlas_coverage_gaps(timestamptz, timestamptz, float8) set jit = off;
alter function atlas_border_last_patrolled(timestamptz, float8) set jit = off;
alter function atlas_commune_effort(date, timestamptz, timestamptz) set jit = off;
alter function atlas_commune_key_points(date, timestamptz, timestamptz, text) set jit = off;
