//! Managing users and API tokens (the `antq user` and `antq token` commands, and the demo users).
//! Every change is audited, attributed to the command line.

use anyhow::{Context, bail};
use chrono::{TimeDelta, Utc};
use serde_json::json;
use sqlx::PgPool;

use super::secret;
use crate::db::audit::{self, Entry, Outcome};
use crate::db::credentials;
use crate::db::users::{self, Role};

/// The password of every demo user (`antq demo` only; printed when it starts).
pub const DEMO_PASSWORD: &str = "antq-demo-2026";

/// The demo users: one per role, named after it. The editor's jurisdiction is the city of Lào Cai
/// (GSO 080), the patrol user's the border district of Bát Xát (GSO 082), so the demo shows the
/// limit: each sees and edits restricted data only there.
pub const DEMO_USERS: [(&str, Role, &[&str]); 5] = [
    ("viewer", Role::Viewer, &[]),
    ("analyst", Role::Analyst, &[]),
    ("editor", Role::Editor, &["080"]),
    ("patrol", Role::Patrol, &["082"]),
    ("admin", Role::Admin, &[]),
];

fn cli_entry(action: &str) -> Entry {
    Entry::new(action, Outcome::Ok).with_details(json!({ "via": "command line" }))
}

/// Creates a user; the password must have at least [`secret::MIN_PASSWORD_LEN`] characters.
///
/// # Errors
/// The password is too short, the name is taken or malformed, or the database fails.
pub async fn add_user(
    pool: &PgPool,
    username: &str,
    role: Role,
    jurisdiction: &[String],
    unit: Option<&str>,
    password: &str,
) -> anyhow::Result<i64> {
    if password.chars().count() < secret::MIN_PASSWORD_LEN {
        bail!("the password needs at least {} characters", secret::MIN_PASSWORD_LEN);
    }
    if role.is_jurisdiction_bound() && jurisdiction.is_empty() {
        tracing::warn!(
            "{username} is an {role:?} without a jurisdiction: it will see and edit nothing restricted"
        );
    }
    let pw = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || secret::hash_password(&pw)).await??;
    let id = users::insert(pool, username, role, &hash, unit, jurisdiction)
        .await
        .with_context(|| format!("cannot create user {username:?} (names are 2-64 of A-Z a-z 0-9 . _ -)"))?
        .with_context(|| format!("a user named {username:?} exists already"))?;
    let after = json!({ "username": username, "role": role, "jurisdiction": jurisdiction, "unit": unit });
    audit::record(
        pool,
        &cli_entry("user.create").with_target(format!("user:{id}")).with_change(None, Some(after)),
    )
    .await?;
    Ok(id)
}

/// Disables a user: its sessions end (each phone holding one wipes its data when it next reaches
/// the server) and its tokens stop working. Returns how many sessions ended.
///
/// # Errors
/// No such user, or the database fails.
pub async fn disable_user(pool: &PgPool, username: &str) -> anyhow::Result<u64> {
    let (id, ended) =
        users::disable(pool, username).await?.with_context(|| format!("no user named {username:?}"))?;
    let entry = cli_entry("user.disable")
        .with_target(format!("user:{id}"))
        .with_details(json!({ "via": "command line", "sessions_ended": ended }));
    audit::record(pool, &entry).await?;
    Ok(ended)
}

/// Ends a user's sessions (each phone holding one wipes its data when it next reaches the
/// server); the user may sign in again. Returns how many sessions ended.
///
/// # Errors
/// No such user, or the database fails.
pub async fn revoke_sessions(pool: &PgPool, username: &str) -> anyhow::Result<u64> {
    let (id, ended) = users::revoke_sessions(pool, username)
        .await?
        .with_context(|| format!("no user named {username:?}"))?;
    let entry = cli_entry("user.sessions_revoke")
        .with_target(format!("user:{id}"))
        .with_details(json!({ "via": "command line", "sessions_ended": ended }));
    audit::record(pool, &entry).await?;
    Ok(ended)
}

/// Creates an API token for `username`, valid for `valid_for` (forever with `None`); returns its
/// id and the token, which is stored only hashed and so can be shown only now.
///
/// # Errors
/// No such user, the user is disabled, or the database fails.
pub async fn create_token(
    pool: &PgPool,
    username: &str,
    label: &str,
    valid_for: Option<TimeDelta>,
) -> anyhow::Result<(i64, String)> {
    let account =
        users::by_name(pool, username).await?.with_context(|| format!("no user named {username:?}"))?;
    if account.disabled_at.is_some() {
        bail!("user {username:?} is disabled");
    }
    let token = secret::new_api_token();
    let expires_at = valid_for.map(|d| Utc::now() + d);
    let id = credentials::create_token(pool, account.id, label, &secret::digest(&token), expires_at).await?;
    let after = json!({ "user": account.username, "name": label, "expires_at": expires_at });
    audit::record(
        pool,
        &cli_entry("token.create").with_target(format!("token:{id}")).with_change(None, Some(after)),
    )
    .await?;
    Ok((id, token))
}

/// Revokes a token by id.
///
/// # Errors
/// No such token (or revoked already), or the database fails.
pub async fn revoke_token(pool: &PgPool, id: i64) -> anyhow::Result<()> {
    if !credentials::revoke_token(pool, id).await? {
        bail!("no token {id}, or it was revoked already");
    }
    audit::record(pool, &cli_entry("token.revoke").with_target(format!("token:{id}"))).await?;
    Ok(())
}

/// Creates (or resets) the demo users, all with [`DEMO_PASSWORD`].
///
/// # Errors
/// The database fails.
pub async fn create_demo_users(pool: &PgPool) -> anyhow::Result<()> {
    let hash = tokio::task::spawn_blocking(|| secret::hash_password(DEMO_PASSWORD)).await??;
    for (name, role, codes) in DEMO_USERS {
        let codes: Vec<String> = codes.iter().map(|c| (*c).to_owned()).collect();
        users::upsert(pool, name, role, &hash, &codes).await?;
    }
    audit::record(pool, &cli_entry("user.demo").with_details(json!({ "users": DEMO_USERS.map(|u| u.0) })))
        .await?;
    Ok(())
}

/// How long a token works: `None` for ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity(pub Option<TimeDelta>);

/// Parses a validity such as `90d`, `12h` or `2w`; `never` gives `Validity(None)`.
///
/// # Errors
/// Anything else, with the accepted forms.
pub fn parse_validity(s: &str) -> Result<Validity, String> {
    if s == "never" {
        return Ok(Validity(None));
    }
    let err = || format!("{s:?} is not a validity: use e.g. 12h, 90d, 2w or never");
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let n: i64 = n.parse().map_err(|_| err())?;
    let d = match unit {
        "h" => TimeDelta::try_hours(n),
        "d" => TimeDelta::try_days(n),
        "w" => TimeDelta::try_weeks(n),
        _ => None,
    };
    d.filter(|d| *d > TimeDelta::zero() && *d <= TimeDelta::days(3650))
        .map(|d| Validity(Some(d)))
        .ok_or_else(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validities_parse_and_nonsense_does_not() {
        assert_eq!(parse_validity("90d"), Ok(Validity(Some(TimeDelta::days(90)))));
        assert_eq!(parse_validity("12h"), Ok(Validity(Some(TimeDelta::hours(12)))));
        assert_eq!(parse_validity("never"), Ok(Validity(None)));
        for bad in ["", "d", "90", "-1d", "0d", "90y", "99999w"] {
            assert!(parse_validity(bad).is_err(), "{bad}");
        }
    }
}
