-- Border responsibility as of a date (issue 16, item 5). Border segments and posts keep their
-- lines and places through a reorganisation, but the commune responsible for each is recorded
-- once (commune_id, a version of the unit as it stood when the record was made) and read at other
-- dates: after 2025-07-01 the demo's 21 segments name 2020 communes that no longer exist, and BG-02
-- (Xã Sán Chải) belongs to Xã Si Ma Cai (Nghị quyết 1673/NQ-UBTVQH15, Điều 1, khoản 80). So the
-- record is read through the lineage at the date asked, as jurisdictions are (migration 0035), and
-- the tables themselves are left alone: the recorded commune stays the fact of when it was made.

-- The commune valid at p_on responsible for a border object recorded against the unit version
-- p_unit_id. Valid then: that unit. Ended by then: what it became, by admin_unit_resolve's rules
-- (by code, as every lineage reader of migration 0030 reads it, so a commune whose 2020 version
-- only changed district, same code and no change row, still resolves). Begun after p_on (a post
-- recorded against a 2025 unit, read in 2020): the versions it came from, followed back through
-- admin_unit_changes by id and not by code, because the 2025 unit's code is one predecessor's
-- (Xã Si Ma Cai kept 02809 of Thị trấn Si Ma Cai), and by code a segment along Xã Sán Chải would
-- be read as the township's. When that gives several communes, the one nearest p_near answers
-- for it: the segment's midpoint or the post, which lie in or along the commune that watches
-- them. Empty when nothing of the unit existed at p_on.
create function atlas_responsible_commune(p_unit_id bigint, p_on date, p_near geometry)
returns setof admin_units
language sql stable parallel safe
as $$
with recursive back as (
    select u.id, u.valid_from from admin_units u where u.id = p_unit_id and u.valid_from > p_on
    union
    select x.id, x.valid_from
    from back b join admin_unit_changes ch on ch.successor_id = b.id join admin_units x on x.id = ch.predecessor_id
    where b.valid_from > p_on),
found as (
    select r.* from admin_units u cross join lateral admin_unit_resolve(u.code, p_on) r
    where u.id = p_unit_id and u.valid_from <= p_on
    union all
    select x.* from admin_units x where x.id in (select id from back) and x.validity @> p_on)
select f.* from found f where f.level = 'commune'
order by ST_Distance(f.geom, p_near), f.code
limit 1
$$;

comment on function atlas_responsible_commune(bigint, date, geometry) is
    'The commune valid at a date responsible for a border object recorded against a unit version, through the lineage.';

-- The coverage of migration 0070 (atlas_border_coverage) is not redefined here: 0070 comes after
-- this migration, so its callers (the border_coverage layer, the segment history, the commune
-- reports) join atlas_responsible_commune at the window's last day themselves.

-- Each border segment's planned coverage (migration 0022), with the commune responsible on the
-- planning window's last day: the window is weeks ahead, and one rule for every window (its last
-- day) lets a plan across 2025-07-01 name the communes that will be answering when it ends.
drop function atlas_plan_coverage(date, integer, float8);
create function atlas_plan_coverage(p_from date, p_weeks integer, p_width float8)
returns table (id bigint, code text, name text, post_name text, commune_code text, commune_name text,
               length_m float8, planned_m float8, share float8, plans integer, patrol_codes text, gap boolean,
               conflicts integer, window_start timestamptz, window_end timestamptz, geom geometry)
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
conf as (select c.segment_id, count(*)::int as n from atlas_plan_conflicts(p_from, p_weeks, p_width) c group by 1)
select s.id, s.code, s.name, bp.name, c.code, c.name,
       round(x.len::numeric, 1)::float8,
       round((x.len * least(coalesce(cov.f, 0), 1))::numeric, 1)::float8,
       round(least(coalesce(cov.f, 0), 1)::numeric, 4)::float8,
       coalesce(plans.n, 0), plans.codes, plans.n is null, coalesce(conf.n, 0),
       w.s, w.e, s.geom
from w cross join border_segments s
cross join lateral (select ST_Length(ST_Transform(s.geom, 32648)) as len) x
left join border_posts bp on bp.id = s.post_id
left join lateral atlas_responsible_commune(s.commune_id, w.d, ST_LineInterpolatePoint(s.geom, 0.5)) c on true
left join cov on cov.segment_id = s.id
left join plans on plans.segment_id = s.id
left join conf on conf.segment_id = s.id
$$;

alter function atlas_plan_coverage(date, integer, float8) set jit = off;
