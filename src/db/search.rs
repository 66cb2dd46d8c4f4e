//! Search by name across admin units (all levels), border posts and markers, model sites and
//! key points (by code), the way Vietnamese users type: case and diacritics folded (đ too), words
//! in any order, prefixes, small typos, administrative prefixes optional.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::PgPool;

/// One hit, with what a map needs to zoom to it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Hit {
    /// Collection id of the feature.
    pub layer: String,
    /// Feature id in that collection.
    pub id: i64,
    /// Name with its parent units, e.g. "Xã Bản Vược, Huyện Bát Xát".
    pub label: String,
    /// Bounding box `[west, south, east, north]` (a point's box is the point).
    pub bbox: Vec<f64>,
    /// Whether the folded name equals the query (with or without its kind, "xã", "thôn" ...).
    pub exact: bool,
}

/// Where restricted hits (key points) may come from.
#[derive(Debug, Clone)]
pub enum KeyPoints {
    /// Not at all (roles that may not read them).
    Hidden,
    /// Everywhere.
    Everywhere,
    /// Inside this area (EWKB), the caller's jurisdiction.
    Within(Vec<u8>),
}

/// The best `limit` hits for `text`, units as valid on `as_of`, model sites only when `models`:
/// exact names first; then hits holding every word, by level (province, district, commune,
/// village, post, marker, model, key point); then near misses (typos) by similarity.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(pool, key_points), err)]
pub async fn search(
    pool: &PgPool,
    text: &str,
    as_of: NaiveDate,
    limit: i64,
    models: bool,
    key_points: &KeyPoints,
) -> Result<Vec<Hit>, sqlx::Error> {
    let (show_key_points, area) = match key_points {
        KeyPoints::Hidden => (false, None),
        KeyPoints::Everywhere => (true, None),
        KeyPoints::Within(area) => (true, Some(area.clone())),
    };
    let mut tx = pool.begin().await?;
    // Candidates by trigram similarity are cast wide (0.2); the final filter below is stricter.
    sqlx::query("select set_config('pg_trgm.similarity_threshold', '0.2', true)").execute(&mut *tx).await?;
    let hits = sqlx::query_as(
        r"
        with q as (
            select toks, array_to_string(toks, ' ') as full,
                   (select t from unnest(toks) t order by length(t) desc limit 1) as longest,
                   (select t from unnest(toks) t where t ~ '[0-9]' order by length(t) desc limit 1) as num
            from (select array(
                    select case w when 'tp' then 'thanh pho' when 'tx' then 'thi xa' when 'tt' then 'thi tran'
                                  else w end
                    from unnest(regexp_split_to_array(trim(regexp_replace(atlas_fold($1), '[^a-z0-9]+', ' ', 'g')), ' ')) w
                    where w <> '') as toks) t
        ),
        candidates as (
            select case u.level when 'province' then 'provinces' when 'district' then 'districts'
                                when 'commune' then 'communes' else 'villages' end as layer,
                   u.id, concat_ws(', ', u.name, case when p.level <> 'province' then p.name end,
                                   case when g.level <> 'province' then g.name end) as label,
                   atlas_fold(u.name) as name_f, atlas_fold(concat_ws(' ', u.name, p.name, g.name)) as doc,
                   array_position(enum_range(null::unit_level), u.level) as rank, u.geom
            from q, admin_units u
            left join admin_units p on p.id = u.parent_id
            left join admin_units g on g.id = p.parent_id
            where u.validity @> $2::date
              and (atlas_fold(u.name) like '%' || q.longest || '%' or atlas_fold(u.name) % q.full)
            union all
            select 'border_posts', b.id, b.name, atlas_fold(b.name), atlas_fold(b.name), 5, b.geom
            from q, border_posts b
            where atlas_fold(b.name) like '%' || q.longest || '%' or atlas_fold(b.name) % q.full
            union all
            select 'border_markers', m.id, 'Cột mốc ' || m.number, lower(m.number),
                   'cot moc ' || regexp_replace(lower(m.number), '[^a-z0-9]+', ' ', 'g'), 6, m.geom
            from q, border_markers m
            where q.num is not null and m.number like q.num || '%'
            union all
            select 'model_sites', s.id, s.name, atlas_fold(s.name), atlas_fold(s.name), 7, s.geom
            from q, model_sites s
            where $6 and atlas_fold(s.name) like '%' || q.longest || '%' or atlas_fold(s.name) % q.full
            union all
            select 'key_points', k.id, k.code, lower(k.code), lower(k.code), 8, k.location
            from key_points k
            where $3 and k.archived_at is null and lower(k.code) like lower(trim($1)) || '%'
              and ($4::bytea is null or ST_Intersects(k.location, ST_GeomFromEWKB($4)))
        ),
        scored as (
            select c.*,
                   c.name_f = q.full
                     or regexp_replace(c.name_f, '^(xa|phuong|thi tran|huyen|thi xa|thanh pho|tinh|thon|ban|lang|xom|to dan pho) ', '') = q.full
                     or (c.layer = 'key_points' and c.name_f = lower(trim($1))) as exact,
                   coalesce((select bool_and(c.doc ~ ('(^| )' || t)) from unnest(q.toks) t), false)
                     or c.layer in ('key_points', 'border_markers') as all_words,
                   word_similarity(q.full, c.name_f) as sim
            from candidates c, q
        )
        select layer, id, label, exact,
               array[ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom)]::float8[] as bbox
        from scored
        where all_words or sim >= 0.45
        order by exact desc, all_words desc, case when all_words then rank else 0 end, sim desc, rank, label
        limit $5",
    )
    .bind(text)
    .bind(as_of)
    .bind(show_key_points)
    .bind(area)
    .bind(limit)
    .bind(models)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(hits)
}
