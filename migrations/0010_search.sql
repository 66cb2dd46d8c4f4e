-- Name search as Vietnamese users type: case and diacritics folded (đ -> d as well), so that
-- "ban vuoc", "BAN VUOC" and "Bản Vược" meet; trigram indexes on the folded names make prefixes
-- and small typos fast over a national set (about 100,000 villages).

-- unaccent() is only STABLE (its dictionary could change); pinning the dictionary makes this
-- wrapper safe to declare IMMUTABLE, which an expression index requires.
create function atlas_fold(t text) returns text
language sql immutable parallel safe strict
as $$ select lower(public.unaccent('public.unaccent'::regdictionary, t)) $$;

create index admin_units_name_fold_idx on admin_units using gin (atlas_fold(name) gin_trgm_ops);
create index border_posts_name_fold_idx on border_posts using gin (atlas_fold(name) gin_trgm_ops);
create index model_sites_name_fold_idx on model_sites using gin (atlas_fold(name) gin_trgm_ops);
create index key_points_code_fold_idx on key_points (lower(code) text_pattern_ops);
create index border_markers_number_idx on border_markers (number text_pattern_ops);

-- Deriving a key point's commune looks among communes only; a partial index spares it scanning
-- every commune-level row's entry in the level index (1,000,000 points: minutes, not hours).
create index admin_units_commune_geom_idx on admin_units using gist (geom) where level = 'commune';
