-- "Last patrolled" that a coordinator can trust (issue 21). Until now a segment's last patrol was
-- the latest track within half the sight width of any point of it: a neighbouring post's patrol
-- whose band grazed 41 m of a segment's end made a 7-week-old segment look walked last week. Now
-- each patrol is measured against each segment it touches (the share of the segment within half
-- the width of the patrol's tracks), and a patrol counts as having patrolled a segment only when
-- that share reaches a minimum (p_min_share, 0 to 1; the layers' default is 0.25, see
-- docs/analysis.md for why). The latest patrol touching any of it is kept beside it, with its
-- metres, so the graze stays visible without passing for a patrol.

-- The stretches of each segment within half the width of each patrol's tracks of [p_start, p_end),
-- as intervals [a, b] of the fraction along the segment, merged per patrol (islands, as 0013's
-- atlas_covered_intervals merged them per segment: a stretch one patrol walked twice counts once),
-- with t1, when the patrol's latest track there ended (a track running past p_end counts up to
-- p_end).
create function atlas_patrol_intervals(p_start timestamptz, p_end timestamptz, p_width float8)
returns table (segment_id bigint, patrol_id bigint, t1 timestamptz, a float8, b float8)
language sql stable parallel safe
as $$
with seg as (select s.id, ST_Transform(s.geom, 32648) as g from border_segments s),
pieces as (
    select seg.id, tt.patrol_id as pid, least(tt.t1, p_end - interval '1 microsecond') as t1,
           least(f.f0, f.f1) as a, greatest(f.f0, f.f1) as b
    from seg
    join patrol_tracks t on ST_DWithin(ST_Transform(t.geom, 32648), seg.g, p_width / 2)
    join atlas_track_times() tt on tt.id = t.id
    cross join lateral ST_Dump(ST_Intersection(seg.g, ST_Buffer(
        ST_ClipByBox2D(ST_Transform(t.geom, 32648), ST_Expand(ST_Envelope(seg.g), p_width)), p_width / 2))) d
    cross join lateral (select ST_LineLocatePoint(seg.g, ST_StartPoint(d.geom)) as f0,
                               ST_LineLocatePoint(seg.g, ST_EndPoint(d.geom)) as f1) f
    where tt.t1 >= p_start and tt.t0 < p_end and ST_Dimension(d.geom) = 1),
ordered as (
    select id, pid, t1, a, b,
           max(b) over (partition by id, pid order by a, b rows between unbounded preceding and 1 preceding) as reach
    from pieces),
islands as (
    select id, pid, t1, a, b,
           count(*) filter (where reach is null or a > reach + 1e-12)
               over (partition by id, pid order by a, b rows between unbounded preceding and current row) as island
    from ordered)
select id, pid, max(max(t1)) over (partition by id, pid), min(a), max(b) from islands group by id, pid, island
$$;

-- The covered stretches of each segment (0013's function, same answers): the patrols' intervals
-- merged across patrols, so the per-patrol shares and the segment's coverage come from one
-- measurement.
create or replace function atlas_covered_intervals(p_start timestamptz, p_end timestamptz, p_width float8)
returns table (segment_id bigint, a float8, b float8)
language sql stable parallel safe
as $$
with ordered as (
    select segment_id as id, a, b,
           max(b) over (partition by segment_id order by a, b rows between unbounded preceding and 1 preceding) as reach
    from atlas_patrol_intervals(p_start, p_end, p_width)),
islands as (
    select id, a, b,
           count(*) filter (where reach is null or a > reach + 1e-12)
               over (partition by id order by a, b rows between unbounded preceding and current row) as island
    from ordered)
select id, min(a), max(b) from islands group by id, island
$$;

-- Each patrol against each segment it touches in [p_start, p_end): when it ended there, the
-- metres of the segment it covered (EPSG:32648, to 0.1 m) and the share of the segment, rounded to
-- 4 decimals as shown. The rule compares the share shown, so what a coordinator reads is what was
-- compared (a patrol shown at 25.00 % counts when the minimum is 25 %).
create function atlas_segment_patrols(p_start timestamptz, p_end timestamptz, p_width float8)
returns table (segment_id bigint, patrol_id bigint, ended_at timestamptz, covered_m float8, share float8)
language sql stable parallel safe
as $$
select i.segment_id, i.patrol_id, max(i.t1),
       round((x.len * least(sum(i.b - i.a), 1))::numeric, 1)::float8,
       round(least(sum(i.b - i.a), 1)::numeric, 4)::float8
from atlas_patrol_intervals(p_start, p_end, p_width) i
join border_segments s on s.id = i.segment_id
cross join lateral (select ST_Length(ST_Transform(s.geom, 32648)) as len) x
group by i.segment_id, i.patrol_id, x.len
having sum(i.b - i.a) > 0
$$;

-- When each segment was last patrolled up to p_end, as Vietnamese dates: last_patrolled, the end
-- of the latest patrol whose share of the segment is at least p_min_share; last_touched, the end
-- of the latest patrol that covered any of it, with the metres it covered (the larger, when two
-- end together). Patrols before the window count too: the date says how long a segment has
-- waited, whatever the window.
drop function atlas_border_last_patrolled(timestamptz, float8);
create function atlas_border_last_patrolled(p_end timestamptz, p_width float8, p_min_share float8)
returns table (segment_id bigint, last_patrolled date, last_touched date, last_touched_m float8)
language sql stable parallel safe
as $$
with sp as materialized (select * from atlas_segment_patrols('-infinity', p_end, p_width))
select t.segment_id,
       (select (max(q.ended_at) at time zone 'Asia/Ho_Chi_Minh')::date from sp q
        where q.segment_id = t.segment_id and q.share >= p_min_share),
       (t.ended_at at time zone 'Asia/Ho_Chi_Minh')::date, t.covered_m
from (select distinct on (segment_id) * from sp order by segment_id, ended_at desc, covered_m desc) t
$$;

-- Each border segment's coverage in the window (as in 0013), its last patrol by the rule above,
-- the last touch, and the Vietnamese days from the last patrol to the window's last day.
drop function atlas_border_coverage(timestamptz, timestamptz, float8);
create function atlas_border_coverage(p_start timestamptz, p_end timestamptz, p_width float8, p_min_share float8)
returns table (id bigint, code text, name text, post_code text, post_name text, commune_code text,
               length_m float8, covered_m float8, share float8, last_patrolled date, days_since_patrolled integer,
               last_touched date, last_touched_m float8, min_share float8,
               window_start timestamptz, window_end timestamptz, geom geometry)
language sql stable parallel safe
as $$
with w as (select * from atlas_window(p_start, p_end)),
cov as materialized (
    select i.segment_id, sum(i.b - i.a) as f from w, atlas_covered_intervals(w.s, w.e, p_width) i group by 1),
last as materialized (select l.* from w, atlas_border_last_patrolled(w.e, p_width, p_min_share) l)
select s.id, s.code, s.name, bp.code, bp.name, c.code,
       round(x.len::numeric, 1)::float8,
       round((x.len * least(coalesce(cov.f, 0), 1))::numeric, 1)::float8,
       round(least(coalesce(cov.f, 0), 1)::numeric, 4)::float8,
       last.last_patrolled,
       (((w.e - interval '1 microsecond') at time zone 'Asia/Ho_Chi_Minh')::date - last.last_patrolled)::int,
       last.last_touched, last.last_touched_m, p_min_share,
       w.s, w.e, s.geom
from w cross join border_segments s
cross join lateral (select ST_Length(ST_Transform(s.geom, 32648)) as len) x
left join border_posts bp on bp.id = s.post_id
left join admin_units c on c.id = s.commune_id
left join cov on cov.segment_id = s.id
left join last on last.segment_id = s.id
$$;

alter function atlas_patrol_intervals(timestamptz, timestamptz, float8) set jit = off;
alter function atlas_segment_patrols(timestamptz, timestamptz, float8) set jit = off;
alter function atlas_border_last_patrolled(timestamptz, float8, float8) set jit = off;
alter function atlas_border_coverage(timestamptz, timestamptz, float8, float8) set jit = off;
