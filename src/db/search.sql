-- Search: the ranked hits for the terms of src/db/search_terms.sql (run by src/db/search.rs, and
-- by bench/search.sh through psql with the same values, for the raw-SQL comparison).
-- $1 the folded words, $2 as of, $3 key points shown, $4 their area (EWKB), $5 limit, $6 model
-- sites shown, $7 the words without a leading kind, $8 the anchor word (%w%), $9 every word
-- (%w%), $10 a marker number prefix (n%), $11 the key point code typed, $12 word starts.
-- Prefixes are ranges (~>=~ p and ~<~ (p || '~'), the words being [a-z0-9 ]) rather than LIKE
-- 'p%', so a B-tree serves them in a generic plan too, where the pattern is not a constant.
-- Units come from indexed sources only, each cut early (a national set has 100,000 villages
-- whose names share most trigrams): whole-name prefixes in alphabetical order, so the exact name
-- and the shortest come first; then, only when those are fewer than `limit`, names holding every
-- word, names holding the anchor word, and the children of units named by it (words naming a
-- parent: "si khe ban vuoc").
with recursive prefixed as (
    (select u.id from admin_units u
     where $1 <> '' and atlas_bare(u.name) ~>=~ $1 and atlas_bare(u.name) ~<~ ($1 || '~')
       and u.validity @> $2::date
     order by atlas_bare(u.name) using ~<~ limit 50)
    union
    (select u.id from admin_units u
     where $7 <> '' and atlas_bare(u.name) ~>=~ $7 and atlas_bare(u.name) ~<~ ($7 || '~')
       and u.validity @> $2::date
     order by atlas_bare(u.name) using ~<~ limit 50)
),
ids as (
    select id from prefixed
    union
    (select u.id from admin_units u
     where (select count(*) from prefixed) < $5 and $8::text is not null
       and atlas_fold(u.name) like $8 and atlas_fold(u.name) like all($9) and u.validity @> $2::date
     limit 100)
    union
    (select u.id from admin_units u
     where (select count(*) from prefixed) < $5 and $8::text is not null
       and atlas_fold(u.name) like $8 and u.validity @> $2::date
     limit 50)
    union
    (select c.id
     from (select p.id from admin_units p
           where (select count(*) from prefixed) < $5 and $8::text is not null
             and atlas_fold(p.name) like $8 and p.level in ('district', 'commune') and p.validity @> $2::date
           limit 20) p
     join admin_units c on c.parent_id = p.id
     where c.validity @> $2::date
     limit 100)
),
-- Typos: word similarity (pg_trgm.word_similarity_threshold, 0.55) over every name, only when
-- no unit found above holds every word (their parents' names count).
typos as (
    select u.id from admin_units u
    where (select count(*) from admin_units w
           left join admin_units p on p.id = w.parent_id
           left join admin_units g on g.id = p.parent_id
           where w.id in (select id from ids) and atlas_words(concat_ws(' ', w.name, p.name, g.name)) ~ all($12)) = 0
      and $1 <% atlas_fold(u.name) and u.validity @> $2::date
    order by $1 <<-> atlas_fold(u.name)
    limit 100
),
-- Former names: units closed by the date whose name holds every word, the latest version of
-- each (code, name), followed through admin_unit_changes to the units valid at the date. The
-- hit is that successor (the feature the map opens at the date) at the former unit's place,
-- labelled with the chain: "Xã Tà Chải → Thị trấn Bắc Hà (01/11/2024) → Xã Bắc Hà (01/07/2025)".
-- A step keeping the name (a 2020 change of district) is left out of the label, and a unit
-- whose successor still bears its name is not former: the current unit is the hit.
former as (
    select distinct on (u.code, u.name) u.id, u.name, u.geom
    from admin_units u
    where $8::text is not null and u.valid_to <= $2::date
      and atlas_fold(u.name) like $8 and atlas_fold(u.name) like all($9)
      and exists (select 1 from admin_unit_changes ch where ch.predecessor_id = u.id)
    order by u.code, u.name, u.valid_to desc
    limit 20
),
chain as (
    select f.id as start, f.id as at, f.name, ''::text as path, 0 as depth from former f
    union all
    select c.start, s.id, s.name,
           c.path || case when s.name = c.name then '' else
               ' → ' || s.name || ' (' || to_char(ch.changed_on, 'DD/MM/YYYY') || ')' end,
           c.depth + 1
    from chain c join admin_units a on a.id = c.at
    join admin_unit_changes ch on ch.predecessor_id = c.at join admin_units s on s.id = ch.successor_id
    where a.valid_to <= $2::date and c.depth < 10
),
former_hits as (
    select distinct on (f.id) f.id as former_id, f.name, f.geom, s.id, s.level, f.name || c.path as label
    from former f join chain c on c.start = f.id join admin_units s on s.id = c.at
    where s.validity @> $2::date and s.name <> f.name
    order by f.id, s.code
),
-- Each unit found with its parents' names (the label, and the words a query may use).
units as (
    select u.id, u.level, u.name, u.geom,
           concat_ws(', ', u.name, case when p.level <> 'province' then p.name end,
                     case when g.level <> 'province' then g.name end) as label,
           atlas_words(concat_ws(' ', u.name, p.name, g.name)) as doc
    from admin_units u
    left join admin_units p on p.id = u.parent_id
    left join admin_units g on g.id = p.parent_id
    where u.id in (select id from ids union select id from typos)
),
candidates as (
    select case u.level when 'province' then 'provinces' when 'district' then 'districts'
                        when 'commune' then 'communes' else 'villages' end as layer,
           u.id, u.label, atlas_bare(u.name) as bare, atlas_words(u.name) as name_f, u.doc,
           array_position(enum_range(null::unit_level), u.level) as rank, u.geom, false as former
    from units u
    union all
    select case h.level when 'province' then 'provinces' when 'district' then 'districts'
                        when 'commune' then 'communes' else 'villages' end,
           h.id, h.label, atlas_bare(h.name), atlas_words(h.name), atlas_words(h.name), 9, h.geom, true
    from former_hits h
    union all
    select 'border_posts', b.id, b.name, null, atlas_words(b.name), atlas_words(b.name), 5, b.geom, false
    from border_posts b
    where atlas_fold(b.name) like $8 or atlas_fold(b.name) % $1
    union all
    select 'border_markers', m.id, 'Cột mốc ' || m.number, null, lower(m.number),
           'cot moc ' || regexp_replace(lower(m.number), '[^a-z0-9]+', ' ', 'g'), 6, m.geom, false
    from border_markers m
    where m.number like $10
    union all
    select 'model_sites', s.id, s.name, null, atlas_words(s.name), atlas_words(s.name), 7, s.geom, false
    from model_sites s
    where $6 and (atlas_fold(s.name) like $8 or atlas_fold(s.name) % $1)
    union all
    select 'key_points', k.id, k.code, null, lower(k.code), lower(k.code), 8, k.location, false
    from key_points k
    where $3 and k.archived_at is null and lower(k.code) ~>=~ $11 and lower(k.code) ~<~ ($11 || chr(1114111))
      and ($4::bytea is null or ST_Intersects(k.location, ST_GeomFromEWKB($4)))
),
scored as (
    select c.*,
           c.name_f = $1 or coalesce(c.bare = $1, false) or (c.layer = 'key_points' and c.name_f = $11) as exact,
           c.doc ~ all($12) or c.layer = 'key_points' as all_words,
           word_similarity($1, c.name_f) as sim
    from candidates c
)
select layer, id, label, exact, former,
       array[ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom)]::float8[] as bbox
from scored
where all_words or sim >= 0.45
order by exact desc, all_words desc, former, case when all_words then rank else 0 end, sim desc, rank, label
limit $5
