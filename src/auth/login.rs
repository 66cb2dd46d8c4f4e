//! Signing in: throttling, password check, a new session, and the audit rows, in one place so the
//! HTTP handler stays a thin adapter.

use std::net::IpAddr;

use serde_json::json;
use sqlx::PgPool;

use super::secret;
use crate::db::audit::{self, Entry, Outcome};
use crate::db::credentials::{self, Throttle};
use crate::db::sessions;
use crate::db::users::{self, Account};
use crate::text::{self, Kind};

/// The sign-in throttle: 5 free failures per name, 20 per address (a police station may share
/// one), then a wait that doubles per failure up to 15 minutes.
pub const THROTTLE: Throttle = Throttle { name_free: 5, address_free: 20, max_wait_secs: 900.0 };

/// Names longer than this are not looked up (the schema allows 64).
const MAX_NAME_LEN: usize = 64;

/// Why a sign-in did not open a session.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Wrong password, unknown name or disabled user: one answer for all, on purpose.
    #[error("wrong username or password")]
    Invalid,
    /// Too many recent failures for the name or the address: retry after this many seconds.
    #[error("too many failed sign-ins; retry in {0} s")]
    Throttled(u64),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// Anything else (the hashing thread died).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// An open session: its id (for the cookie, never stored) and its user.
#[derive(Debug)]
pub struct SignedIn {
    /// The session id to put in the cookie.
    pub session_id: String,
    /// Who signed in.
    pub account: Account,
}

/// Checks `username` and `password` and opens a session valid for `idle_secs` of inactivity.
/// Every attempt is audited (`auth.login`), with the real reason in the log only.
///
/// # Errors
/// [`SignInError::Invalid`] or [`SignInError::Throttled`] for the client; the others are internal.
pub async fn sign_in(
    pool: &PgPool,
    username: &str,
    password: &str,
    address: Option<IpAddr>,
    idle_secs: f64,
) -> Result<SignedIn, SignInError> {
    // A name no account can have (a control character: PostgreSQL cannot even hold a NUL) is a
    // wrong guess like any other: throttled, hashed against nothing and audited, under its
    // escaped form, so the answer tells a prober nothing a wrong password would not.
    let usable = text::forbidden(username, Kind::Plain).is_none();
    let shown = text::escaped(username);
    let name_key = format!("user:{}", shown.to_lowercase());
    let mut keys = vec![name_key.clone()];
    keys.extend(address.map(|a| format!("addr:{a}")));
    let tried: String = shown.chars().take(MAX_NAME_LEN).collect();
    let entry = |outcome, user_id, reason: &str| {
        Entry::new("auth.login", outcome)
            .with_user(user_id, Some(&tried))
            .with_details(json!({ "reason": reason }))
            .with_address(address.map(|a| a.to_string()))
    };

    let wait = credentials::login_wait(pool, &keys, THROTTLE).await?;
    if wait > 0.0 {
        audit::record(pool, &entry(Outcome::Failed, None, "throttled")).await?;
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "0 < wait <= 900")]
        return Err(SignInError::Throttled(wait.ceil() as u64));
    }

    let found = if usable && username.len() <= MAX_NAME_LEN {
        users::credentials(pool, username).await?
    } else {
        None
    };
    let hash = found.as_ref().map(|c| c.password_hash.clone());
    let pw = password.to_owned();
    // Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || secret::verify_password(&pw, hash.as_deref()))
        .await
        .map_err(anyhow::Error::from)?;
    let failure = match &found {
        None => Some("unknown user"),
        Some(c) if c.disabled => Some("user disabled"),
        Some(_) if !matches => Some("wrong password"),
        Some(_) => None,
    };
    if let Some(reason) = failure {
        credentials::record_login_failure(pool, &keys, THROTTLE.max_wait_secs).await?;
        audit::record(pool, &entry(Outcome::Failed, found.as_ref().map(|c| c.id), reason)).await?;
        return Err(SignInError::Invalid);
    }
    let Some(account) = users::by_name(pool, username).await? else {
        return Err(SignInError::Invalid);
    };

    credentials::clear_login_failures(pool, &name_key).await?;
    let session_id = secret::token_secret();
    sessions::create(pool, account.id, &secret::digest(&session_id), idle_secs).await?;
    // Sign-ins are frequent enough, and the table small enough, to forget old endings here.
    sessions::forget_old(pool).await?;
    let ok = Entry::new("auth.login", Outcome::Ok)
        .with_user(Some(account.id), Some(&account.username))
        .with_address(address.map(|a| a.to_string()));
    audit::record(pool, &ok).await?;
    Ok(SignedIn { session_id, account })
}
