-- Patrol planning (issue 11): the border the planned patrols of the coming weeks will cover, the
-- segments no plan reaches (gaps ahead), the plans that collide, and, once a patrol is walked,
-- how much of its planned route its tracks followed. Lengths in UTM 48N (EPSG:32648) as in 0013;
-- a stretch counts as covered within half the sight width of a planned route, as of a track.

-- The planning window [s, e): p_weeks weeks from the start of the Vietnamese day p_from (today
-- in Vietnam when null).
create function atlas_plan_window(p_from date, p_weeks integer)
returns table (s timestamptz, e timestamptz)
language sql stable parallel safe
as $$
select x.d::timestamp at time zone 'Asia/Ho_Chi_Minh',
       (x.d + 7 * p_weeks)::timestamp at time zone 'Asia/Ho_Chi_Minh'
from (select coalesce(p_from, (now() at time zone 'Asia/Ho_Chi_Minh')::date) as d) x
$$;

-- Plans of the window: patrols not archived with a planned route and a planned span that
-- overlaps [p_start, p_end).
create function atlas_plans_in(p_start timestamptz, p_end timestamptz)
returns table (id bigint, code text, kind text, units text[], t0 timestamptz, t1 timestamptz, route geometry)
language sql stable parallel safe
as $$
select p.id, p.code, p.kind, p.units, p.planned_start, p.planned_end, ST_Transform(p.planned_route, 32648)
from patrols p
where p.archived_at is null and p.planned_route is not null
  and p.planned_start < p_end and coalesce(p.planned_end, p.planned_start + interval '1 microsecond') > p_start
$$;

-- The stretches of each segment within half the width of each plan's route, as intervals [a, b]
-- of the fraction along the segment, merged per plan (islands, as atlas_covered_intervals does
-- over tracks): a route that doubles back counts its stretch once. Unlike a track's, a route's
-- buffer has flat ends: a plan drawn up to a segment's end (snapped to the segments) means "up
-- to here", and round ends would reach half the width into the next segment, making every
-- neighbour of a planned segment look planned and in conflict with its own plans.
create function atlas_plan_intervals(p_start timestamptz, p_end timestamptz, p_width float8)
returns table (segment_id bigint, patrol_id bigint, a float8, b float8)
language sql stable parallel safe
as $$
with seg as (select s.id, ST_Transform(s.geom, 32648) as g from border_segments s),
pieces as (
    select seg.id, p.id as pid, least(f.f0, f.f1) as a, greatest(f.f0, f.f1) as b
    from seg
    join atlas_plans_in(p_start, p_end) p on ST_DWithin(p.route, seg.g, p_width / 2)
    cross join lateral ST_Dump(ST_Intersection(seg.g, ST_Buffer(
        ST_ClipByBox2D(p.route, ST_Expand(ST_Envelope(seg.g), p_width)), p_width / 2, 'endcap=flat'))) d
    cross join lateral (select ST_LineLocatePoint(seg.g, ST_StartPoint(d.geom)) as f0,
                               ST_LineLocatePoint(seg.g, ST_EndPoint(d.geom)) as f1) f
    where ST_Dimension(d.geom) = 1),
ordered as (
    select id, pid, a, b,
           max(b) over (partition by id, pid order by a, b rows between unbounded preceding and 1 preceding) as reach
    from pieces),
islands as (
    select id, pid, a, b,
           count(*) filter (where reach is null or a > reach + 1e-12)
               over (partition by id, pid order by a, b rows between unbounded preceding and current row) as island
    from ordered)
select id, pid, min(a), max(b) from islands group by id, pid, island
$$;

-- Two plans in conflict: on the same segment, with planned spans that overlap, by different units,
-- neither of kind `joint`. "Different units" means the two `units` arrays have no unit in common
-- (`not (a.units && b.units)`): a unit that takes part in both plans knows of both, so they are one
-- command's schedule, not two forces meeting unannounced; a joint patrol is coordinated by
-- definition. Plans without units count as different (nobody can be said to know of both).
-- The shared stretch is the length of the segment both plans cover; each pair appears once per
-- segment (patrol_a's id below patrol_b's).
create function atlas_plan_conflicts(p_from date, p_weeks integer, p_width float8)
returns table (id bigint, segment_id bigint, segment_code text, segment_name text,
               patrol_a text, units_a text[], start_a timestamptz, end_a timestamptz,
               patrol_b text, units_b text[], start_b timestamptz, end_b timestamptz,
               overlap_start timestamptz, overlap_end timestamptz, shared_m float8, geom geometry)
language sql stable parallel safe
as $$
with w as (select * from atlas_plan_window(p_from, p_weeks)),
p as materialized (select x.* from w, atlas_plans_in(w.s, w.e) x),
iv as materialized (select i.* from w, atlas_plan_intervals(w.s, w.e, p_width) i),
pairs as (
    select ia.segment_id, pa.id as ida, pb.id as idb,
           sum(greatest(0, least(ia.b, ib.b) - greatest(ia.a, ib.a))) as f,
           min(greatest(ia.a, ib.a)) filter (where least(ia.b, ib.b) > greatest(ia.a, ib.a)) as fa,
           max(least(ia.b, ib.b)) filter (where least(ia.b, ib.b) > greatest(ia.a, ib.a)) as fb
    from iv ia join iv ib on ib.segment_id = ia.segment_id and ia.patrol_id < ib.patrol_id
    join p pa on pa.id = ia.patrol_id join p pb on pb.id = ib.patrol_id
    where pa.kind <> 'joint' and pb.kind <> 'joint' and not (pa.units && pb.units)
      and pa.t0 < coalesce(pb.t1, pb.t0) and pb.t0 < coalesce(pa.t1, pa.t0)
    group by ia.segment_id, pa.id, pb.id)
select row_number() over (order by s.code, pa.code, pb.code), s.id, s.code, s.name,
       pa.code, pa.units, pa.t0, pa.t1, pb.code, pb.units, pb.t0, pb.t1,
       greatest(pa.t0, pb.t0), least(pa.t1, pb.t1),
       round((x.g_len * least(pairs.f, 1))::numeric, 1)::float8,
       -- The span from the first to the last shared stretch, for the map.
       ST_Transform(ST_LineSubstring(x.g, pairs.fa, pairs.fb), 4326)
from pairs join border_segments s on s.id = pairs.segment_id
join p pa on pa.id = pairs.ida join p pb on pb.id = pairs.idb
cross join lateral (select ST_Transform(s.geom, 32648) as g, ST_Length(ST_Transform(s.geom, 32648)) as g_len) x
where pairs.f > 1e-9
$$;

-- Each border segment's planned coverage in the window: the plans that reach it (codes, in order
-- of planned start), the share of its length within half the width of a planned route, whether no
-- plan reaches it (a gap ahead), and how many conflicts it has.
create function atlas_plan_coverage(p_from date, p_weeks integer, p_width float8)
returns table (id bigint, code text, name text, post_name text, commune_code text, length_m float8,
               planned_m float8, share float8, plans integer, patrol_codes text, gap boolean, conflicts integer,
               window_start timestamptz, window_end timestamptz, geom geometry)
language sql stable parallel safe
as $$
with w as (select * from atlas_plan_window(p_from, p_weeks)),
p as materialized (select x.* from w, atlas_plans_in(w.s, w.e) x),
iv as materialized (select i.* from w, atlas_plan_intervals(w.s, w.e, p_width) i),
ordered as (
    select segment_id, a, b,
           max(b) over (partition by segment_id order by a, b rows between unbounded preceding and 1 preceding) as reach
    from iv),
islands as (
    select segment_id, a, b,
           count(*) filter (where reach is null or a > reach + 1e-12)
               over (partition by segment_id order by a, b rows between unbounded preceding and current row) as island
    from ordered),
cov as (
    select segment_id, sum(b - a) as f
    from (select segment_id, min(a) as a, max(b) as b from islands group by segment_id, island) m group by segment_id),
plans as (
    select iv.segment_id, count(distinct iv.patrol_id)::int as n,
           string_agg(distinct p.code, ', ') as codes
    from iv join p on p.id = iv.patrol_id group by iv.segment_id),
conf as (select c.segment_id, count(*)::int as n from atlas_plan_conflicts(p_from, p_weeks, p_width) c group by 1)
select s.id, s.code, s.name, bp.name, c.code,
       round(x.len::numeric, 1)::float8,
       round((x.len * least(coalesce(cov.f, 0), 1))::numeric, 1)::float8,
       round(least(coalesce(cov.f, 0), 1)::numeric, 4)::float8,
       coalesce(plans.n, 0), plans.codes, plans.n is null, coalesce(conf.n, 0),
       w.s, w.e, s.geom
from w cross join border_segments s
cross join lateral (select ST_Length(ST_Transform(s.geom, 32648)) as len) x
left join border_posts bp on bp.id = s.post_id
left join admin_units c on c.id = s.commune_id
left join cov on cov.segment_id = s.id
left join plans on plans.segment_id = s.id
left join conf on conf.segment_id = s.id
$$;

-- Plan against record: the length of patrol p_patrol's planned route, how much of it lies within
-- half the width of one of its recorded tracks (walked), and the share; share is null while the
-- patrol has no track (not walked yet) and the whole row is empty without a planned route.
create function atlas_plan_walked(p_patrol bigint, p_width float8)
returns table (planned_m float8, walked_m float8, walked_share float8)
language sql stable parallel safe
as $$
with r as (select ST_Transform(p.planned_route, 32648) as g from patrols p
           where p.id = p_patrol and p.planned_route is not null),
t as (select ST_Union(ST_Buffer(ST_Transform(t.geom, 32648), p_width / 2)) as buf
      from patrol_tracks t where t.patrol_id = p_patrol)
select round(ST_Length(r.g)::numeric, 1)::float8,
       round(ST_Length(ST_Intersection(r.g, t.buf))::numeric, 1)::float8,
       round((ST_Length(ST_Intersection(r.g, t.buf)) / nullif(ST_Length(r.g), 0))::numeric, 4)::float8
from r cross join t
$$;

create index patrols_route_32648_idx on patrols using gist (ST_Transform(planned_route, 32648));

alter function atlas_plan_coverage(date, integer, float8) set jit = off;
alter function atlas_plan_conflicts(date, integer, float8) set jit = off;
