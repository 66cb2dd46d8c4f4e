-- Search that stays fast over a national set (about 110,000 units whose synthetic or real names
-- share most of their trigrams): candidates now come from indexed whole-name prefixes and word
-- matches, each source cut early, and trigram similarity only ranks them or, when words find
-- too little, catches typos.

-- Folded text as words: punctuation to single spaces ("Bản Vược, Bát Xát" -> "ban vuoc bat xat").
create function atlas_words(t text) returns text
language sql immutable parallel safe strict
as $$ select trim(regexp_replace(atlas_fold(t), '[^a-z0-9]+', ' ', 'g')) $$;

-- A unit's folded name without punctuation and without its leading kind ("xa", "thon", ...), so
-- "ban vu" finds "Xã Bản Vược" as a prefix and "xa ban vuoc" meets it exactly. IMMUTABLE for the
-- index, as atlas_fold is.
create function atlas_bare(t text) returns text
language sql immutable parallel safe strict
as $$
    select regexp_replace(atlas_words(t), '^(xa|phuong|thi tran|huyen|thi xa|thanh pho|tinh|thon|ban|lang|xom|to dan pho) ', '')
$$;

-- text_pattern_ops: LIKE 'prefix%' and ORDER BY ... USING ~<~ under the C.UTF-8 collation, which
-- PostgreSQL 15 does not treat as C for plain LIKE.
create index admin_units_name_bare_idx on admin_units (atlas_bare(name) text_pattern_ops);
