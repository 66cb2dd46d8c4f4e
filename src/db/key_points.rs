//! Writes of key points (reads go through the layer registry). Each function takes the write's
//! transaction, so the caller records the audit row in the same transaction.

use serde::Deserialize;
use serde_json::Value;
use sqlx::PgConnection;

/// A key point as the audit log and the API show it after a write.
macro_rules! key_point_json {
    () => {
        "jsonb_build_object('id', k.id, 'code', k.code, 'category', k.category, 'severity', k.severity,
            'status', k.status, 'observed_at', k.observed_at, 'lon', ST_X(k.location), 'lat', ST_Y(k.location),
            'description', k.description, 'commune_id', k.commune_id, 'archived_at', k.archived_at,
            'version', k.version)"
    };
}

/// The workflow, in order; a point moves one step forward at a time (see `http::key_points`).
pub const STATUSES: [&str; 4] = ["reported", "verified", "active", "resolved"];

/// A new key point, as a client sends it.
#[derive(Debug, Clone, Deserialize)]
pub struct NewKeyPoint {
    /// Unique code, e.g. `KP-2026-0001`.
    pub code: String,
    /// A `key_point_categories` code.
    pub category: String,
    /// 1 (low) to 5 (high); 2 when omitted.
    pub severity: Option<i16>,
    /// When it was observed.
    pub observed_at: chrono::DateTime<chrono::Utc>,
    /// Longitude (WGS 84).
    pub lon: f64,
    /// Latitude (WGS 84).
    pub lat: f64,
    /// What was observed.
    #[serde(default)]
    pub description: String,
}

/// The editable fields of a key point; absent fields stay as they are. Unknown fields are
/// refused, so a misspelt field is never silently dropped.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyPointPatch {
    /// `reported`, `verified`, `active` or `resolved`.
    pub status: Option<String>,
    /// 1 to 5.
    pub severity: Option<i16>,
    /// What was observed.
    pub description: Option<String>,
    /// A `key_point_categories` code.
    pub category: Option<String>,
    /// When it was observed.
    pub observed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// New longitude (WGS 84); with `lat`, moves the point.
    pub lon: Option<f64>,
    /// New latitude (WGS 84).
    pub lat: Option<f64>,
    /// Ignored when equal to the stored one (clients send back what they read).
    pub code: Option<String>,
    /// Ignored: read-only fields a client may send back as it read them.
    #[serde(default, rename = "version")]
    _version: Option<serde_json::Value>,
    #[serde(default, rename = "commune_id")]
    _commune_id: Option<serde_json::Value>,
    #[serde(default, rename = "archived_at")]
    _archived_at: Option<serde_json::Value>,
}

/// Inserts a key point by `user_id`; returns it as JSON.
///
/// # Errors
/// A constraint refuses it (`key_points_code_key`, `key_points_category_fkey`, a check), or
/// the database fails.
#[tracing::instrument(skip(conn, kp), fields(code = %kp.code), err)]
pub async fn insert(conn: &mut PgConnection, kp: &NewKeyPoint, user_id: i64) -> Result<Value, sqlx::Error> {
    sqlx::query_scalar(concat!(
        "with k as (insert into key_points (code, category, severity, observed_at, location, description, created_by)
                    values ($1, $2, coalesce($3, 2), $4, ST_SetSRID(ST_MakePoint($5, $6), 4326), $7, $8)
                    returning *)
         select ",
        key_point_json!(),
        " from k"
    ))
    .bind(&kp.code)
    .bind(&kp.category)
    .bind(kp.severity)
    .bind(kp.observed_at)
    .bind(kp.lon)
    .bind(kp.lat)
    .bind(&kp.description)
    .bind(user_id)
    .fetch_one(conn)
    .await
}

/// A key point locked for update: its JSON and location; `None` when there is no such point.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(conn), err)]
pub async fn lock(conn: &mut PgConnection, id: i64) -> Result<Option<(Value, f64, f64)>, sqlx::Error> {
    sqlx::query_as(concat!(
        "select ",
        key_point_json!(),
        ", ST_X(k.location), ST_Y(k.location) from key_points k where k.id = $1 for update"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Applies `patch` to key point `id` by `user_id`; returns it as JSON.
///
/// # Errors
/// A constraint refuses it, or the database fails.
#[tracing::instrument(skip(conn, patch), err)]
pub async fn update(
    conn: &mut PgConnection,
    id: i64,
    patch: &KeyPointPatch,
    user_id: i64,
) -> Result<Value, sqlx::Error> {
    sqlx::query_scalar(concat!(
        "with k as (update key_points set status = coalesce($2::key_point_status, status),
                        severity = coalesce($3, severity), description = coalesce($4, description),
                        category = coalesce($6, category), observed_at = coalesce($7, observed_at),
                        location = case when $8::float8 is null then location
                                        else ST_SetSRID(ST_MakePoint($8, $9), 4326) end,
                        updated_by = $5, updated_at = now()
                    where id = $1 returning *)
         select ",
        key_point_json!(),
        " from k"
    ))
    .bind(id)
    .bind(patch.status.as_deref())
    .bind(patch.severity)
    .bind(patch.description.as_deref())
    .bind(user_id)
    .bind(patch.category.as_deref())
    .bind(patch.observed_at)
    .bind(patch.lon)
    .bind(patch.lat)
    .fetch_one(conn)
    .await
}

/// Archives key point `id` by `user_id` (it leaves the layers, keeps its history); returns it.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(conn), err)]
pub async fn archive(conn: &mut PgConnection, id: i64, user_id: i64) -> Result<Value, sqlx::Error> {
    sqlx::query_scalar(concat!(
        "with k as (update key_points set archived_at = now(), updated_by = $2 where id = $1 returning *)
         select ",
        key_point_json!(),
        " from k"
    ))
    .bind(id)
    .bind(user_id)
    .fetch_one(conn)
    .await
}

/// Key point `id` as JSON with its location, archived or not; `None` when there is none.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(pool), err)]
pub async fn find(pool: &sqlx::PgPool, id: i64) -> Result<Option<(Value, f64, f64)>, sqlx::Error> {
    sqlx::query_as(concat!(
        "select ",
        key_point_json!(),
        ", ST_X(k.location), ST_Y(k.location) from key_points k where k.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// The version of key point `id` (archived or not); `None` when there is none.
///
/// # Errors
/// The database fails.
pub async fn version(pool: &sqlx::PgPool, id: i64) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar("select version from key_points where id = $1").bind(id).fetch_optional(pool).await
}

/// Every version of key point `id`, oldest first: the version, when and by whom (id and
/// username), and the row as it was (geometry as GeoJSON).
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(pool), err)]
pub async fn history(pool: &sqlx::PgPool, id: i64) -> Result<Vec<Value>, sqlx::Error> {
    sqlx::query_scalar(
        "select jsonb_build_object('version', h.version, 'changed_at', h.changed_at,
                    'changed_by', h.changed_by, 'changed_by_name', u.username,
                    'data', h.data - 'created_by' - 'updated_by')
         from key_point_history h left join users u on u.id = h.changed_by
         where h.key_point_id = $1 order by h.version",
    )
    .bind(id)
    .fetch_all(pool)
    .await
}
