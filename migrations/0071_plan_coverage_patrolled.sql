-- The planning view's gaps ahead by issue 21's rule. A gap ahead is a segment no plan of the
-- coming weeks reaches; what a coordinator asks next is how long it will have waited, and that
-- date must be the one the coordination panel gives (0070's rule: the latest patrol that covered
-- at least p_min_share of the segment, not the latest that grazed it). So each segment of the
-- planned coverage now carries its last patrol by that rule, counted up to the window's start
-- (the plans are for the window; what has been walked is what came before it), the Vietnamese
-- days from it to the window's first day, and the last touch with its metres, as border_coverage
-- gives them. Otherwise the body of 0036 (the commune responsible on the window's last day);
-- the signature gains p_min_share, so drop and create (an applied migration is not edited).

drop function atlas_plan_coverage(date, integer, float8);
create function atlas_plan_coverage(p_from date, p_weeks integer, p_width float8, p_min_share float8)
returns table (id bigint, code text, name text, post_name text, commune_code text, commune_name text,
               length_m float8, planned_m float8, share float8, plans integer, patrol_codes text, gap boolean,
               conflicts integer, last_patrolled date, days_since_patrolled integer, last_touched date,
               last_touched_m float8, min_share float8, window_start timestamptz, window_end timestamptz, geom geometry)
language sql stable parallel safe
as $$
with w as (select *, ((e - interval '1 microsecond') at time zone 'Asia/Ho_Chi_Minh')::date as d
           from atlas_plan_window(p_from, p_weeks)),
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
conf as (select c.segment_id, count(*)::int as n from atlas_plan_conflicts(p_from, p_weeks, p_width) c group by 1),
last as materialized (select l.* from w, atlas_border_last_patrolled(w.s, p_width, p_min_share) l)
select s.id, s.code, s.name, bp.name, c.code, c.name,
       round(x.len::numeric, 1)::float8,
       round((x.len * least(coalesce(cov.f, 0), 1))::numeric, 1)::float8,
       round(least(coalesce(cov.f, 0), 1)::numeric, 4)::float8,
       coalesce(plans.n, 0), plans.codes, plans.n is null, coalesce(conf.n, 0),
       last.last_patrolled, ((w.s at time zone 'Asia/Ho_Chi_Minh')::date - last.last_patrolled)::int,
       last.last_touched, last.last_touched_m, p_min_share,
       w.s, w.e, s.geom
from w cross join border_segments s
cross join lateral (select ST_Length(ST_Transform(s.geom, 32648)) as len) x
left join border_posts bp on bp.id = s.post_id
left join lateral atlas_responsible_commune(s.commune_id, w.d, ST_LineInterpolatePoint(s.geom, 0.5)) c on true
left join cov on cov.segment_id = s.id
left join plans on plans.segment_id = s.id
left join conf on conf.segment_id = s.id
left join last on last.segment_id = s.id
$$;

alter function atlas_plan_coverage(date, integer, float8, float8) set jit = off;
