//! The coded lists behind the edit forms (key point categories, model types), with their
//! Vietnamese and English names, so the web map's choices come from the database.

use serde_json::Value;
use sqlx::PgPool;

/// A coded list: a table of `code`, `name_vi`, `name_en`.
#[derive(Debug, Clone, Copy)]
pub enum CodeList {
    /// `key_point_categories`.
    KeyPointCategories,
    /// `model_types`.
    ModelTypes,
}

/// The statement over one table (a table name cannot be bound, so each is a literal here).
macro_rules! choices_of {
    ($table:literal) => {
        concat!(
            "select coalesce(jsonb_agg(jsonb_build_object('value', code, 'title_vi', name_vi,
                                                  'title_en', name_en) order by name_vi), '[]') from ",
            $table
        )
    };
}

/// `[{value, title_vi, title_en}]` of `list`, by Vietnamese name.
///
/// # Errors
/// The database fails.
pub async fn choices(pool: &PgPool, list: CodeList) -> Result<Value, sqlx::Error> {
    let sql = match list {
        CodeList::KeyPointCategories => choices_of!("key_point_categories"),
        CodeList::ModelTypes => choices_of!("model_types"),
    };
    sqlx::query_scalar(sql).fetch_one(pool).await
}
