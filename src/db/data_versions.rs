//! The data version of the tables a layer reads (migration 0040): the tile cache's proof that a
//! cached tile is current.

use sqlx::{AssertSqlSafe, PgPool};

/// The sum of the versions of `tables`. Each version only grows, so the sum moves with every
/// write to any of them; a table without a version row counts 0.
///
/// Read from the pool the tile is read from: a hot standby replays the versions with the data.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip_all, err)]
pub async fn of_tables(pool: &PgPool, tables: &[&str]) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(AssertSqlSafe(sum_of("$1"))).bind(tables.join(",")).fetch_one(pool).await
}

/// The statement of [`of_tables`], the tables' names bound at `placeholder` as one text joined
/// by commas (a tile's statement reads it with the tile: `layers::tiles::versioned`).
#[must_use]
pub fn sum_of(placeholder: &str) -> String {
    format!(
        "select coalesce(sum(version), 0)::int8 from data_versions where name = any(string_to_array({placeholder}::text, ','))"
    )
}
