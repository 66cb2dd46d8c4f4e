-- Synthetic national-scale data for the benchmarks (bench/layers.sh), beside the Lao Cai demo:
-- one root unit 'S0', 100 districts, 10,000 communes and 100,000 villages on a regular grid over
-- Vietnam's extent (102.0-109.5 E, 8.5-23.5 N), and 1,000,000 key points spread over it and over
-- 2018-2020. The shapes are squares, not real boundaries: the point is the row counts and the
-- spatial spread a national deployment would have. Codes start with 'S' so they never meet the
-- GSO codes of the demo.
begin;
insert into admin_units (code, level, kind, name, valid_from, geom)
values ('S0', 'province', 'tỉnh', 'Tỉnh thử nghiệm', '2000-01-01',
        ST_Multi(ST_MakeEnvelope(102.0, 8.5, 109.5, 23.5, 4326)));

insert into admin_units (code, level, kind, name, parent_id, valid_from, geom)
select 'S0-' || lpad(r::text, 3, '0'), 'district', 'huyện', 'Huyện thử ' || r,
       (select id from admin_units where code = 'S0'), '2000-01-01',
       ST_Multi(ST_MakeEnvelope(102.0, 8.5 + r * 0.15, 109.5, 8.5 + (r + 1) * 0.15, 4326))
from generate_series(0, 99) r;

insert into admin_units (code, level, kind, name, parent_id, valid_from, population, geom)
select 'S' || lpad((r * 100 + c)::text, 5, '0'), 'commune', 'xã', 'Xã thử ' || (r * 100 + c), d.id,
       '2000-01-01', 5000 + (r * 37 + c * 11) % 5000,
       ST_Multi(ST_MakeEnvelope(102.0 + c * 0.075, 8.5 + r * 0.15, 102.0 + (c + 1) * 0.075, 8.5 + (r + 1) * 0.15, 4326))
from generate_series(0, 99) r
cross join generate_series(0, 99) c
join admin_units d on d.code = 'S0-' || lpad(r::text, 3, '0');

insert into admin_units (code, level, kind, name, parent_id, valid_from, population, geom)
select cm.code || '-' || v, 'village', 'thôn', 'Thôn thử ' || v, cm.id, '2000-01-01', 500,
       ST_Multi(ST_MakeEnvelope(ST_XMin(cm.geom) + (v % 5) * 0.015, ST_YMin(cm.geom) + (v / 5) * 0.075,
                                ST_XMin(cm.geom) + (v % 5 + 1) * 0.015, ST_YMin(cm.geom) + (v / 5 + 1) * 0.075, 4326))
from admin_units cm
cross join generate_series(0, 9) v
where cm.level = 'commune' and cm.code like 'S%';
commit;

insert into key_points (code, category, severity, observed_at, location, description)
select 'SK-' || g, (array['crime', 'drugs', 'gambling', 'smuggling', 'dispute', 'land'])[1 + g % 6], 1 + g % 5,
       timestamptz '2018-01-01 00:00+07' + (g % 1096) * interval '1 day' + (g % 86400) * interval '1 second',
       ST_SetSRID(ST_Point(102.0 + random() * 7.5, 8.5 + random() * 15.0), 4326), 'điểm thử ' || g
from generate_series(1, 1000000) g;

analyze;
