-- Search: what the typed text $1 becomes for src/db/search.sql, folded as the names are
-- (atlas_fold: case, diacritics, đ); "tp", "tx", "tt" spelt out. Also sets, for the transaction:
-- the trigram threshold of the small tables' candidates (cast wide: 0.2); the word similarity of
-- the units' typo fallback (0.55: lower lets names sharing only "xa thu" through by the thousand
-- on a national set); no parallel workers (starting them costs more than the whole search);
-- and plans made for the values bound, every time: a generic plan (which PostgreSQL may pick
-- after five runs of a prepared statement) was measured 20 times slower on "huyen thu 7"
-- (bench/search.sh), as it cannot see which sources are empty or how rare a word is.
with s as (
    select set_config('plan_cache_mode', 'force_custom_plan', true),
           set_config('pg_trgm.similarity_threshold', '0.2', true),
           set_config('pg_trgm.word_similarity_threshold', '0.55', true),
           set_config('max_parallel_workers_per_gather', '0', true)
),
t as (
    select array(
        select case w when 'tp' then 'thanh pho' when 'tx' then 'thi xa' when 'tt' then 'thi tran' else w end
        from unnest(regexp_split_to_array(atlas_words($1), ' ')) w
        where w <> '') as toks
    from s
),
w as (select toks, array_to_string(toks, ' ') as phrase from t)
select phrase,
       atlas_bare(phrase) as bare,
       -- The word most likely to be rare, of 3 letters or more (a trigram index needs 3): not a
       -- unit kind ("thon", "xa"), a number before letters, the longest, the last (the general
       -- word comes first: "xa thu 5").
       (select '%' || x || '%' from unnest(toks) with ordinality u(x, i)
        where length(x) >= 3
        order by x in ('xa', 'phuong', 'thi', 'tran', 'huyen', 'thanh', 'pho', 'tinh', 'thon', 'lang', 'xom', 'dan'),
                 x ~ '[0-9]' desc, length(x) desc, i desc
        limit 1) as anchor,
       array(select '%' || x || '%' from unnest(toks) x) as words,
       array(select '(^| )' || x from unnest(toks) x) as starts,
       (select x || '%' from unnest(toks) with ordinality u(x, i)
        where x ~ '[0-9]' order by length(x) desc, i desc limit 1) as number,
       lower(trim($1)) as code
from w
