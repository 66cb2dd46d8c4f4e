//! The settings an admin changes at run time, kept in the database so that every instance
//! behind a load balancer reads the same: for now, how long offline packages may be used.

use sqlx::PgPool;

/// The settings of offline area packages.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
#[serde(deny_unknown_fields)]
pub struct PackageSettings {
    /// Days a package may be used after it was built.
    pub max_age_days: i32,
}

/// The days a package may be used, as [`PACKAGE_AGES`] bounds them.
pub const PACKAGE_AGES: std::ops::RangeInclusive<i32> = 1..=365;

/// The package settings (migration 0080 stores the default row).
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip_all, err)]
pub async fn packages(pool: &PgPool) -> Result<PackageSettings, sqlx::Error> {
    sqlx::query_as("select max_age_days from package_settings").fetch_one(pool).await
}

/// Stores `settings` (already within [`PACKAGE_AGES`]) as set by `by`; returns the previous.
///
/// # Errors
/// The database fails (or refuses a value out of bounds).
#[tracing::instrument(skip(pool), err)]
pub async fn set_packages(
    pool: &PgPool,
    settings: PackageSettings,
    by: Option<&str>,
) -> Result<PackageSettings, sqlx::Error> {
    sqlx::query_as(
        "update package_settings s set max_age_days = $1, updated_at = now(), updated_by = $2
         from (select max_age_days from package_settings) old
         returning old.max_age_days",
    )
    .bind(settings.max_age_days)
    .bind(by)
    .fetch_one(pool)
    .await
}
