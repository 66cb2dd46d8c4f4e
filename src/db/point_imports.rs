//! The database side of point imports: where the points fall (province, swapped, jurisdiction),
//! which codes are taken, the code lists, and the bulk inserts (one statement over arrays, in
//! the caller's transaction).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};

/// A point that cannot be imported where it is, by its position in the input arrays.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Misplaced {
    /// Position in the input, from 0.
    pub index: i64,
    /// Whether it lies in the province.
    pub in_province: bool,
    /// Whether the point with latitude and longitude exchanged lies in the province.
    pub swapped_in_province: bool,
    /// Whether it lies in the caller's jurisdiction (always true for unbound callers).
    pub in_jurisdiction: bool,
}

/// The points of (`lons`, `lats`) outside the provinces valid today, or outside the jurisdiction
/// `jurisdiction` (when given) read in today's units through the lineage (migration 0035).
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip_all, fields(points = lons.len()), err)]
pub async fn misplaced(
    pool: &PgPool,
    lons: &[f64],
    lats: &[f64],
    jurisdiction: Option<&[String]>,
) -> Result<Vec<Misplaced>, sqlx::Error> {
    sqlx::query_as(
        "with p as (select ST_Union(geom) g from admin_units where level = 'province' and validity @> current_date),
              j as (select atlas_jurisdiction($3, (now() at time zone 'Asia/Ho_Chi_Minh')::date) g),
              t as (select i - 1 as index, ST_SetSRID(ST_MakePoint(x, y), 4326) pt, ST_SetSRID(ST_MakePoint(y, x), 4326) sw
                    from unnest($1::float8[], $2::float8[]) with ordinality as u(x, y, i)),
              c as (select t.index, coalesce(ST_Covers(p.g, t.pt), false) as in_province,
                           coalesce(ST_Covers(p.g, t.sw), false) as swapped_in_province,
                           ($4 or coalesce(ST_Covers(j.g, t.pt), false)) as in_jurisdiction
                    from t, p, j)
         select * from c where not in_province or not in_jurisdiction order by index",
    )
    .bind(lons)
    .bind(lats)
    .bind(jurisdiction.unwrap_or_default())
    .bind(jurisdiction.is_none())
    .fetch_all(pool)
    .await
}

/// The codes among `codes` that `table` (`key_points` or `model_sites`) already has.
///
/// # Errors
/// The database fails.
pub async fn taken_codes(
    pool: &PgPool,
    key_points: bool,
    codes: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    let sql = if key_points {
        "select code from key_points where code = any($1)"
    } else {
        "select code from model_sites where code = any($1)"
    };
    sqlx::query_scalar(sql).bind(codes).fetch_all(pool).await
}

/// The codes of key point categories (`key_points`) or model types.
///
/// # Errors
/// The database fails.
pub async fn kinds(pool: &PgPool, key_points: bool) -> Result<Vec<String>, sqlx::Error> {
    let sql =
        if key_points { "select code from key_point_categories" } else { "select code from model_types" };
    sqlx::query_scalar(sql).fetch_all(pool).await
}

/// Key points to insert, as columns.
#[derive(Debug, Default)]
pub struct KeyPointColumns {
    /// Codes.
    pub code: Vec<String>,
    /// Categories.
    pub category: Vec<String>,
    /// Severities.
    pub severity: Vec<i16>,
    /// Statuses.
    pub status: Vec<String>,
    /// Observation times.
    pub observed_at: Vec<DateTime<Utc>>,
    /// Longitudes.
    pub lon: Vec<f64>,
    /// Latitudes.
    pub lat: Vec<f64>,
    /// Descriptions.
    pub description: Vec<String>,
}

/// Model sites to insert, as columns.
#[derive(Debug, Default)]
pub struct ModelSiteColumns {
    /// Codes.
    pub code: Vec<String>,
    /// Model types.
    pub type_code: Vec<String>,
    /// Names.
    pub name: Vec<String>,
    /// Host kinds.
    pub host_kind: Vec<String>,
    /// Host names.
    pub host_name: Vec<Option<String>>,
    /// Start dates.
    pub started_on: Vec<Option<NaiveDate>>,
    /// Ratings.
    pub effectiveness: Vec<String>,
    /// Rating years.
    pub rated_year: Vec<Option<i16>>,
    /// Longitudes.
    pub lon: Vec<f64>,
    /// Latitudes.
    pub lat: Vec<f64>,
}

/// Inserts the key points by `user_id`; returns how many and the first and last id.
///
/// # Errors
/// A constraint refuses one (the whole statement fails), or the database fails.
#[tracing::instrument(skip_all, fields(rows = c.code.len()), err)]
pub async fn insert_key_points(
    conn: &mut PgConnection,
    c: &KeyPointColumns,
    user_id: Option<i64>,
) -> Result<(i64, Option<i64>, Option<i64>), sqlx::Error> {
    sqlx::query_as(
        "with n as (insert into key_points (code, category, severity, status, observed_at, location, description, created_by)
                    select code, cat, sev, st::key_point_status, obs, ST_SetSRID(ST_MakePoint(x, y), 4326), d, $9
                    from unnest($1::text[], $2::text[], $3::int2[], $4::text[], $5::timestamptz[], $6::float8[],
                                $7::float8[], $8::text[]) as t(code, cat, sev, st, obs, x, y, d)
                    returning id)
         select count(*), min(id), max(id) from n",
    )
    .bind(&c.code)
    .bind(&c.category)
    .bind(&c.severity)
    .bind(&c.status)
    .bind(&c.observed_at)
    .bind(&c.lon)
    .bind(&c.lat)
    .bind(&c.description)
    .bind(user_id)
    .fetch_one(conn)
    .await
}

/// Inserts the model sites by `user_id` (commune and village from where each lies); returns how
/// many and the first and last id.
///
/// # Errors
/// A constraint refuses one, or the database fails.
#[tracing::instrument(skip_all, fields(rows = c.code.len()), err)]
pub async fn insert_model_sites(
    conn: &mut PgConnection,
    c: &ModelSiteColumns,
    user_id: Option<i64>,
) -> Result<(i64, Option<i64>, Option<i64>), sqlx::Error> {
    sqlx::query_as(
        "with t as (select *, ST_SetSRID(ST_MakePoint(x, y), 4326) g
                    from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::text[],
                                $8::int2[], $9::float8[], $10::float8[]) as t(code, ty, name, hk, hn, so, eff, ry, x, y)),
              n as (insert into model_sites (code, type_code, name, host_kind, host_name, started_on, effectiveness,
                                             rated_year, geom, commune_id, village_id, created_by)
                    select code, ty, name, hk, hn, so, eff, ry, g,
                           (select u.id from admin_units u where u.level = 'commune' and u.validity @> current_date
                              and ST_Covers(u.geom, t.g) order by u.id limit 1),
                           (select u.id from admin_units u where u.level = 'village' and u.validity @> current_date
                              and ST_Covers(u.geom, t.g) order by u.id limit 1), $11
                    from t returning id)
         select count(*), min(id), max(id) from n",
    )
    .bind(&c.code)
    .bind(&c.type_code)
    .bind(&c.name)
    .bind(&c.host_kind)
    .bind(&c.host_name)
    .bind(&c.started_on)
    .bind(&c.effectiveness)
    .bind(&c.rated_year)
    .bind(&c.lon)
    .bind(&c.lat)
    .bind(user_id)
    .fetch_one(conn)
    .await
}
