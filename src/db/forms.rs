//! The coded lists behind the edit forms (key point categories, model types), with their
//! Vietnamese and English names, so the web map's choices come from the database.

use serde_json::Value;
use sqlx::PgPool;

/// `[{value, title_vi, title_en}]` of `key_point_categories`, by Vietnamese name.
///
/// # Errors
/// The database fails.
pub async fn key_point_categories(pool: &PgPool) -> Result<Value, sqlx::Error> {
    sqlx::query_scalar(
        "select coalesce(jsonb_agg(jsonb_build_object('value', code, 'title_vi', name_vi, 'title_en', name_en)
                 order by name_vi), '[]') from key_point_categories",
    )
    .fetch_one(pool)
    .await
}

/// `[{value, title_vi, title_en}]` of `model_types`, by Vietnamese name.
///
/// # Errors
/// The database fails.
pub async fn model_types(pool: &PgPool) -> Result<Value, sqlx::Error> {
    sqlx::query_scalar(
        "select coalesce(jsonb_agg(jsonb_build_object('value', code, 'title_vi', name_vi, 'title_en', name_en)
                 order by name_vi), '[]') from model_types",
    )
    .fetch_one(pool)
    .await
}
