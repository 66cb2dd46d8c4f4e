//! Queries on sign-in sessions. Session ids arrive here only as SHA-256 digests.
//!
//! A session that ends (sign-out, an admin's revocation, its user disabled) keeps its row with the
//! reason, for [`RETENTION`]: the holder of the cookie is told why (`http::gate`), so the web map
//! wipes what the phone keeps when an admin ended the session, and does not when it only expired.

use serde::Serialize;
use sqlx::PgPool;

use super::users::{Account, account_columns};

/// How long an ended or expired session is remembered, in days, before [`forget_old`] deletes it.
/// Long past any stretch in the field without signal: a phone that reconnects within it still
/// learns that its session was revoked and wipes its data; one silent for longer gets the plain
/// 401 of an unknown session (its packages will have expired meanwhile, see the README).
pub const RETENTION_DAYS: i32 = 180;

/// Why a session ended (the column `sessions.end_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// Its user signed out.
    SignedOut,
    /// An admin revoked the user's sessions.
    Revoked,
    /// An admin disabled the user.
    UserDisabled,
}

impl EndReason {
    /// The value stored in `sessions.end_reason`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedOut => "signed_out",
            Self::Revoked => "revoked",
            Self::UserDisabled => "user_disabled",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::SignedOut, Self::Revoked, Self::UserDisabled].into_iter().find(|r| r.as_str() == s)
    }
}

/// What the holder of the session is told (the API's error description).
impl std::fmt::Display for EndReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::SignedOut => "this session was signed out; sign in again",
            Self::Revoked => "an administrator ended this session; sign in again",
            Self::UserDisabled => "an administrator disabled this user",
        })
    }
}

/// What a presented session id turned out to be.
#[derive(Debug)]
pub enum SessionCheck {
    /// Live: its enabled user (the idle expiry was slid forward).
    Valid(Account),
    /// Ended on the server, with the reason; the user's id and name for the audit log.
    Ended(EndReason, i64, String),
    /// Known, not ended, but idle past its expiry.
    Expired(i64, String),
    /// No session has this id.
    Unknown,
}

/// Opens a session for `user_id`, valid for `idle_secs` from now.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool, id_hash), err)]
pub async fn create(pool: &PgPool, user_id: i64, id_hash: &[u8], idle_secs: f64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into sessions (id_hash, user_id, expires_at)
         values ($1, $2, now() + make_interval(secs => $3))",
    )
    .bind(id_hash)
    .bind(user_id)
    .bind(idle_secs)
    .execute(pool)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Dead {
    end_reason: Option<String>,
    expired: bool,
    disabled: bool,
    user_id: i64,
    username: String,
}

/// Checks a session: a live one slides its expiry `idle_secs` past now (the timeout is an idle
/// timeout) and gives its user; otherwise says why it does not work.
///
/// The lookup is by the digest of a 256-bit secret, so only the holder of the cookie can reach
/// a row, and only it learns the reason: nobody can probe for users or sessions with it.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip_all, err)]
pub async fn check(pool: &PgPool, id_hash: &[u8], idle_secs: f64) -> Result<SessionCheck, sqlx::Error> {
    // The common case in one statement, as before sessions kept their endings. The idle expiry
    // slides at most once a minute: a map opening fires twenty tiles at once on one session, and
    // an update each queued them all on the row's lock, each waiting for the last one's commit.
    let live: Option<Account> = sqlx::query_as(concat!(
        "with s as (select user_id, last_seen_at < now() - interval '1 minute' as stale from sessions
                    where id_hash = $1 and ended_at is null and expires_at > now()),
              slid as (update sessions set last_seen_at = now(), expires_at = now() + make_interval(secs => $2)
                       where id_hash = $1 and (select stale from s) and ended_at is null)
         select ",
        account_columns!(),
        " from s join users u on u.id = s.user_id where u.disabled_at is null"
    ))
    .bind(id_hash)
    .bind(idle_secs)
    .fetch_optional(pool)
    .await?;
    if let Some(account) = live {
        return Ok(SessionCheck::Valid(account));
    }
    let dead: Option<Dead> = sqlx::query_as(
        "select s.end_reason, s.expires_at <= now() as expired, u.disabled_at is not null as disabled,
                u.id as user_id, u.username
         from sessions s join users u on u.id = s.user_id where s.id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(pool)
    .await?;
    let Some(dead) = dead else { return Ok(SessionCheck::Unknown) };
    let reason = dead.end_reason.as_deref().and_then(EndReason::parse);
    Ok(match (reason, dead.disabled, dead.expired) {
        (Some(r), _, _) => SessionCheck::Ended(r, dead.user_id, dead.username),
        // Disabled without its sessions ended (a row older than endings): the same to the client.
        (None, true, _) => SessionCheck::Ended(EndReason::UserDisabled, dead.user_id, dead.username),
        (None, false, true) => SessionCheck::Expired(dead.user_id, dead.username),
        // Ended or slid between the two statements: as if unknown, the client signs in again.
        (None, false, false) => SessionCheck::Unknown,
    })
}

/// Ends one session (sign-out).
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip_all, err)]
pub async fn sign_out(pool: &PgPool, id_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update sessions set ended_at = now(), end_reason = 'signed_out' where id_hash = $1 and ended_at is null",
    )
    .bind(id_hash)
    .execute(pool)
    .await?;
    Ok(())
}

/// Ends every session of `user_id` that has not ended, with `reason`; returns how many. Expired
/// sessions are ended too: the phone holding one may come back after days offline, and must then
/// be told to wipe rather than to sign in again.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(conn), err)]
pub async fn end_all(
    conn: &mut sqlx::PgConnection,
    user_id: i64,
    reason: EndReason,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "update sessions set ended_at = now(), end_reason = $2 where user_id = $1 and ended_at is null",
    )
    .bind(user_id)
    .bind(reason.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Forgets the sessions that ended or expired more than [`RETENTION_DAYS`] ago (run at sign-in).
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip_all, err)]
pub async fn forget_old(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "delete from sessions where coalesce(ended_at, expires_at) < now() - make_interval(days => $1)",
    )
    .bind(RETENTION_DAYS)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
