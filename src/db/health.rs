//! What `/health` asks the database.

use serde::Serialize;
use sqlx::PgPool;

/// Versions of the server and of PostGIS, as the server reports them.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct Versions {
    /// e.g. `15.18`.
    pub postgres: String,
    /// e.g. `3.3.2`; `None` when the extension is not installed in this database.
    pub postgis: Option<String>,
}

/// Asks the server for its versions; any answer means it is up.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip_all, err)]
pub async fn versions(pool: &PgPool) -> Result<Versions, sqlx::Error> {
    sqlx::query_as(
        "select split_part(current_setting('server_version'), ' ', 1) as postgres,
                (select extversion from pg_extension where extname = 'postgis') as postgis",
    )
    .fetch_one(pool)
    .await
}
