//! The data version of the tables a layer reads (migration 0040): the tile cache's proof that a
//! cached tile is current.

use sqlx::PgPool;

/// The sum of the versions of `tables`. Each version only grows, so the sum moves with every
/// write to any of them; a table without a version row counts 0.
///
/// Read from the pool the tile is read from: a hot standby replays the versions with the data.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip_all, err)]
pub async fn of_tables(pool: &PgPool, tables: &[&str]) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select coalesce(sum(version), 0)::int8 from data_versions where name = any($1)")
        .bind(tables)
        .fetch_one(pool)
        .await
}
