//! Queries on API tokens and failed sign-ins (sessions: `db::sessions`). Tokens arrive here only as
//! SHA-256 digests.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use super::users::{Account, account_columns};

/// Stores a new token of `user_id`; returns its id.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool, token_hash), err)]
pub async fn create_token(
    pool: &PgPool,
    user_id: i64,
    name: &str,
    token_hash: &[u8],
    expires_at: Option<DateTime<Utc>>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "insert into api_tokens (user_id, name, token_hash, expires_at) values ($1, $2, $3, $4) returning id",
    )
    .bind(user_id)
    .bind(name)
    .bind(token_hash)
    .bind(expires_at)
    .fetch_one(pool)
    .await
}

/// Revokes a token by id; `false` when there is no such token or it was revoked already.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn revoke_token(pool: &PgPool, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("update api_tokens set revoked_at = now() where id = $1 and revoked_at is null")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// What a presented token turned out to be.
#[derive(Debug)]
pub enum TokenCheck {
    /// Valid: the token's id and its enabled user.
    Valid(i64, Account),
    /// Known but unusable (expired, revoked, or its user disabled): the id, user and reason, for
    /// the audit log.
    Refused {
        /// The token's id.
        id: i64,
        /// Its user's id.
        user_id: i64,
        /// Its user's name.
        username: String,
        /// `expired`, `revoked` or `user disabled`.
        reason: &'static str,
    },
    /// No token has this hash.
    Unknown,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    token_id: i64,
    expired: bool,
    revoked: bool,
    /// Its last use is more than a minute old (or unknown): note this one.
    note_use: bool,
    #[sqlx(flatten)]
    account: Account,
}

/// Looks a token up by its hash, and notes its use when it is valid.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip_all, err)]
pub async fn check_token(pool: &PgPool, token_hash: &[u8]) -> Result<TokenCheck, sqlx::Error> {
    let row: Option<TokenRow> = sqlx::query_as(concat!(
        "select t.id as token_id, coalesce(t.expires_at <= now(), false) as expired,
                t.revoked_at is not null as revoked,
                coalesce(t.last_used_at < now() - interval '1 minute', true) as note_use, ",
        account_columns!(),
        " from api_tokens t join users u on u.id = t.user_id where t.token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(TokenCheck::Unknown) };
    let reason = if row.revoked {
        "revoked"
    } else if row.expired {
        "expired"
    } else if row.account.disabled_at.is_some() {
        "user disabled"
    } else {
        // At most once a minute: every request of a busy client updating the same row would
        // queue them all on its lock, and even an update of no row is one more round trip per
        // request (the layers benchmark showed both). The update re-checks, for concurrent ones.
        if row.note_use {
            sqlx::query(
                "update api_tokens set last_used_at = now()
                 where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')",
            )
            .bind(row.token_id)
            .execute(pool)
            .await?;
        }
        return Ok(TokenCheck::Valid(row.token_id, row.account));
    };
    Ok(TokenCheck::Refused {
        id: row.token_id,
        user_id: row.account.id,
        username: row.account.username,
        reason,
    })
}

/// A token as `antq token list` shows it (never the secret, which is not stored).
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct TokenInfo {
    /// Id (for `antq token revoke`).
    pub id: i64,
    /// Its user.
    pub username: String,
    /// Label given at creation.
    pub name: String,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// When it was last used.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Every token, newest first.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn list_tokens(pool: &PgPool) -> Result<Vec<TokenInfo>, sqlx::Error> {
    sqlx::query_as(
        "select t.id, u.username, t.name, t.expires_at, t.revoked_at, t.last_used_at
         from api_tokens t join users u on u.id = t.user_id order by t.id desc",
    )
    .fetch_all(pool)
    .await
}

/// How the counting of failed sign-ins is tuned.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    /// Failures a name may have before it must wait.
    pub name_free: i32,
    /// Failures an address may have before it must wait (higher: a station shares one address).
    pub address_free: i32,
    /// Longest wait, and how long a failure is remembered, in seconds.
    pub max_wait_secs: f64,
}

/// Seconds to wait before any of `keys` may try again (0: now). The wait doubles with each
/// failure past the free ones, up to `max_wait_secs`.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn login_wait(pool: &PgPool, keys: &[String], t: Throttle) -> Result<f64, sqlx::Error> {
    sqlx::query_scalar(
        "select coalesce(max(extract(epoch from
                    last_failure_at + make_interval(secs => least(power(2, failures - free), $4)) - now())), 0)::float8
         from (select f.*, case when key like 'addr:%' then $3 else $2 end as free
               from login_failures f where key = any($1)) f
         where failures >= free and last_failure_at > now() - make_interval(secs => $4)",
    )
    .bind(keys)
    .bind(t.name_free)
    .bind(t.address_free)
    .bind(t.max_wait_secs)
    .fetch_one(pool)
    .await
    .map(|w: f64| w.max(0.0))
}

/// Counts one failed sign-in against each of `keys`; failures older than `forget_secs` are
/// forgotten first.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn record_login_failure(
    pool: &PgPool,
    keys: &[String],
    forget_secs: f64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into login_failures (key, failures) select k, 1 from unnest($1::text[]) k
         on conflict (key) do update set
            failures = case when login_failures.last_failure_at < now() - make_interval(secs => $2) then 1
                            else login_failures.failures + 1 end,
            last_failure_at = now()",
    )
    .bind(keys)
    .bind(forget_secs)
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets the failures of one key (a name, after it signed in).
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn clear_login_failures(pool: &PgPool, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("delete from login_failures where key = $1").bind(key).execute(pool).await?;
    Ok(())
}
