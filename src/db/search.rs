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
    /// A former name: the hit is the unit valid at the date that the named unit became, at the
    /// named unit's place, labelled with the chain of changes (`A → B (01/11/2024) → C (...)`).
    pub former: bool,
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
/// Units are taken from indexed sources only, each cut early, so a national set (100,000
/// villages whose names share most trigrams) costs milliseconds: whole-name prefixes in
/// alphabetical order (the exact name comes first), names holding the longest word, and the
/// children of units holding it (for words naming a parent: "si khe ban vuoc"). Similarity
/// searches every name only when none of those holds every word (a typo).
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
    let terms: Terms =
        sqlx::query_as(include_str!("search_terms.sql")).bind(text).fetch_one(&mut *tx).await?;
    let hits = if terms.phrase.is_empty() && terms.code.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as(include_str!("search.sql"))
            .bind(&terms.phrase)
            .bind(as_of)
            .bind(show_key_points)
            .bind(area)
            .bind(limit)
            .bind(models)
            .bind(&terms.bare)
            .bind(&terms.anchor)
            .bind(&terms.words)
            .bind(&terms.number)
            .bind(&terms.code)
            .bind(&terms.starts)
            .fetch_all(&mut *tx)
            .await?
    };
    tx.commit().await?;
    Ok(hits)
}

/// What the typed text becomes in SQL (`search_terms.sql`), bound to `search.sql`.
#[derive(sqlx::FromRow)]
struct Terms {
    phrase: String,
    bare: String,
    anchor: Option<String>,
    words: Vec<String>,
    starts: Vec<String>,
    number: Option<String>,
    code: String,
}
