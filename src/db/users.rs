//! Queries on users and their jurisdictions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::sessions::{self, EndReason};

/// A user's role (the database enum `user_role`), least to most; `auth` says what each may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type, clap::ValueEnum)]
#[sqlx(type_name = "user_role", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Public and internal layers.
    Viewer,
    /// Also restricted layers, analyses and exports.
    Analyst,
    /// Analyst, and writes inside its jurisdiction.
    Editor,
    /// Border and patrol layers; uploads its unit's tracks.
    Patrol,
    /// Everything.
    Admin,
}

/// A user as a request sees it: who, which role, which jurisdiction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Account {
    /// Database id.
    pub id: i64,
    /// Sign-in name.
    pub username: String,
    /// Name to show, when set.
    pub display_name: Option<String>,
    /// Role.
    pub role: Role,
    /// A patrol user's own unit (border-guard post or police unit code).
    pub unit: Option<String>,
    /// Admin unit codes of the jurisdiction (empty: none).
    pub jurisdiction: Vec<String>,
    /// When the user was disabled, if it was.
    pub disabled_at: Option<DateTime<Utc>>,
}

/// The select list of an [`Account`] over `users u`; a macro so queries stay `&'static str`.
macro_rules! account_columns {
    () => {
        "u.id, u.username, u.display_name, u.role, u.unit, u.disabled_at,
         coalesce((select array_agg(j.unit_code order by j.unit_code) from user_jurisdictions j
                   where j.user_id = u.id), '{}') as jurisdiction"
    };
}
pub(crate) use account_columns;

/// Creates a user with its jurisdiction; `None` when the name is taken (case-insensitively).
///
/// # Errors
/// The database refuses (e.g. a name outside `[A-Za-z0-9._-]{2,64}`) or does not answer.
#[tracing::instrument(skip(pool, password_hash), err)]
pub async fn insert(
    pool: &PgPool,
    username: &str,
    role: Role,
    password_hash: &str,
    unit: Option<&str>,
    jurisdiction: &[String],
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let id: Option<i64> = sqlx::query_scalar(
        "insert into users (username, role, password_hash, unit) values ($1, $2, $3, $4)
         on conflict ((lower(username))) do nothing returning id",
    )
    .bind(username)
    .bind(role)
    .bind(password_hash)
    .bind(unit)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = id {
        set_jurisdiction(&mut tx, id, jurisdiction).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Creates the user, or resets its role, password and jurisdiction and enables it (demo users).
///
/// # Errors
/// The database refuses or does not answer.
#[tracing::instrument(skip(pool, password_hash), err)]
pub async fn upsert(
    pool: &PgPool,
    username: &str,
    role: Role,
    password_hash: &str,
    jurisdiction: &[String],
) -> Result<i64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "insert into users (username, role, password_hash) values ($1, $2, $3)
         on conflict ((lower(username))) do update
           set role = excluded.role, password_hash = excluded.password_hash, disabled_at = null
         returning id",
    )
    .bind(username)
    .bind(role)
    .bind(password_hash)
    .fetch_one(&mut *tx)
    .await?;
    set_jurisdiction(&mut tx, id, jurisdiction).await?;
    tx.commit().await?;
    Ok(id)
}

async fn set_jurisdiction(
    conn: &mut sqlx::PgConnection,
    id: i64,
    codes: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("delete from user_jurisdictions where user_id = $1").bind(id).execute(&mut *conn).await?;
    sqlx::query(
        "insert into user_jurisdictions (user_id, unit_code)
         select $1, c from unnest($2::text[]) c on conflict do nothing",
    )
    .bind(id)
    .bind(codes)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Every user, by name.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn list(pool: &PgPool) -> Result<Vec<Account>, sqlx::Error> {
    sqlx::query_as(concat!("select ", account_columns!(), " from users u order by lower(u.username)"))
        .fetch_all(pool)
        .await
}

/// One user by name (case-insensitive).
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn by_name(pool: &PgPool, username: &str) -> Result<Option<Account>, sqlx::Error> {
    sqlx::query_as(concat!(
        "select ",
        account_columns!(),
        " from users u where lower(u.username) = lower($1)"
    ))
    .bind(username)
    .fetch_optional(pool)
    .await
}

/// Disables a user and ends its sessions (`user_disabled`, kept so that a phone holding one is
/// told to wipe its data); `None` when there is no such user, else its id and how many sessions
/// ended. Its tokens stop working too (token checks require an enabled user), without being revoked.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn disable(pool: &PgPool, username: &str) -> Result<Option<(i64, u64)>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let id: Option<i64> = sqlx::query_scalar(
        "update users set disabled_at = coalesce(disabled_at, now()) where lower(username) = lower($1)
         returning id",
    )
    .bind(username)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else { return Ok(None) };
    let ended = sessions::end_all(&mut tx, id, EndReason::UserDisabled).await?;
    tx.commit().await?;
    Ok(Some((id, ended)))
}

/// Ends every session of a user that has not ended (`revoked`), the user staying enabled: it may
/// sign in again, and each phone holding one of the ended sessions wipes its data when it next
/// reaches the server. `None` when there is no such user, else its id and how many sessions ended.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn revoke_sessions(pool: &PgPool, username: &str) -> Result<Option<(i64, u64)>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let id: Option<i64> = sqlx::query_scalar("select id from users where lower(username) = lower($1)")
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(id) = id else { return Ok(None) };
    let ended = sessions::end_all(&mut tx, id, EndReason::Revoked).await?;
    tx.commit().await?;
    Ok(Some((id, ended)))
}

/// What sign-in needs: id, canonical name, password hash and whether the user is disabled.
#[derive(Debug, sqlx::FromRow)]
pub struct Credentials {
    /// Database id.
    pub id: i64,
    /// The name as stored.
    pub username: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Disabled users cannot sign in.
    pub disabled: bool,
}

/// The credentials of a user by name (case-insensitive).
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn credentials(pool: &PgPool, username: &str) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as(
        "select id, username, password_hash, disabled_at is not null as disabled
         from users where lower(username) = lower($1)",
    )
    .bind(username)
    .fetch_optional(pool)
    .await
}
