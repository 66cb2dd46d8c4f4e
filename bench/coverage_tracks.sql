-- A year of daily border patrols for bench/coverage.sh: for every border segment and every day
-- of 2025, one patrol (07:00-11:00, Vietnam) whose track walks a random stretch of the segment
-- (at least 30 % of it), shifted by up to 300 m each way, as GPS tracks beside a border do.
-- Seeded, so every run builds the same tracks. Loaded once (skipped when present).
select setseed(0.42);
with days as (
    select d from generate_series(timestamptz '2025-01-01 00:00+07', timestamptz '2025-12-31 00:00+07', interval '1 day') d
    where not exists (select 1 from patrols where code like 'BENCH/%')),
p as (
    insert into patrols (code, kind, units, started_at, ended_at)
    select format('BENCH/%s/%s', s.code, to_char(days.d at time zone 'Asia/Ho_Chi_Minh', 'YYYYMMDD')), 'border',
           array[coalesce(bp.name, 'Đồn Biên phòng')], days.d + interval '7 hours', days.d + interval '11 hours'
    from days cross join border_segments s left join border_posts bp on bp.id = s.post_id
    returning id, code, started_at, ended_at)
insert into patrol_tracks (patrol_id, name, geom, started_at, ended_at)
select p.id, 'bench', ST_Transform(ST_Translate(ST_LineSubstring(ST_Transform(s.geom, 32648), r0.a, r0.a + r.len),
                                                 (random() - 0.5) * 600, (random() - 0.5) * 600), 4326),
       p.started_at, p.ended_at
from p join border_segments s on s.code = split_part(p.code, '/', 2)
-- (p.id keeps each draw per row: an uncorrelated subquery could be evaluated once.)
cross join lateral (select random() * 0.7 + 0 * p.id as a) r0
cross join lateral (select 0.3 + random() * (0.7 - r0.a) as len) r;
analyze patrols;
analyze patrol_tracks;
