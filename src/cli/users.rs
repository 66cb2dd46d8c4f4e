//! The `antq user` and `antq token` commands: parse, call `auth::accounts`, print.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context;
use clap::Subcommand;
use sqlx::PgPool;

use crate::auth::accounts;
use crate::db::credentials;
use crate::db::jurisdiction::{self, Stale};
use crate::db::users::{self, Role};
use crate::layers::values::today;

/// `antq user ...`
#[derive(Debug, Clone, Subcommand)]
pub enum UserAction {
    /// Create a user; the password is read from standard input (one line), never an argument.
    Add {
        /// Sign-in name: 2-64 of A-Z a-z 0-9 . _ -
        name: String,
        /// Role.
        #[arg(long, value_enum)]
        role: Role,
        /// Admin unit codes (province, district, commune) the user's restricted reads and
        /// writes are limited to (editor, patrol).
        #[arg(long, value_delimiter = ',')]
        jurisdiction: Vec<String>,
        /// A patrol user's own unit (border-guard post or police unit code).
        #[arg(long)]
        unit: Option<String>,
    },
    /// List users with role, jurisdiction and state.
    List,
    /// Disable a user: sessions end, tokens stop working, sign-in is refused.
    Disable {
        /// Sign-in name.
        name: String,
    },
    /// End a user's sessions (a lost phone): each phone wipes its data when it next reaches the
    /// server; the user may sign in again.
    RevokeSessions {
        /// Sign-in name.
        name: String,
    },
}

/// `antq token ...`
#[derive(Debug, Clone, Subcommand)]
pub enum TokenAction {
    /// Create an API token for a user and print it (only now: it is stored hashed).
    Create {
        /// The user the token acts as.
        name: String,
        /// How long it works: e.g. 12h, 90d, 2w, or never.
        #[arg(long, default_value = "90d", value_parser = accounts::parse_validity)]
        expires_in: accounts::Validity,
        /// A label to recognise it by (the client or script using it).
        #[arg(long, default_value = "api")]
        label: String,
    },
    /// List tokens (ids, users, labels, expiry; never the secrets).
    List,
    /// Revoke a token by id.
    Revoke {
        /// The token's id (from `create` or `list`).
        id: i64,
    },
}

/// Runs `antq user ...`.
///
/// # Errors
/// Whatever stopped it, in words for the person who typed it.
pub async fn user_command(pool: &PgPool, action: UserAction) -> anyhow::Result<()> {
    match action {
        UserAction::Add { name, role, jurisdiction, unit } => {
            let password = read_password()?;
            let id = accounts::add_user(pool, &name, role, &jurisdiction, unit.as_deref(), &password).await?;
            println!("user {name} created (id {id}, role {role:?})");
        }
        UserAction::List => {
            println!("{:<6} {:<24} {:<8} {:<10} jurisdiction", "id", "name", "role", "state");
            let today = today();
            for u in users::list(pool).await? {
                let state = if u.disabled_at.is_some() { "disabled" } else { "active" };
                let role = format!("{:?}", u.role).to_lowercase();
                let not_current = jurisdiction::stale_codes(pool, &u.jurisdiction, today).await?;
                println!(
                    "{:<6} {:<24} {:<8} {:<10} {}{}",
                    u.id,
                    u.username,
                    role,
                    state,
                    u.jurisdiction.join(","),
                    stale_note(&not_current)
                );
            }
        }
        UserAction::Disable { name } => {
            let ended = accounts::disable_user(pool, &name).await?;
            println!("user {name} disabled; {ended} session(s) ended and its tokens no longer work");
        }
        UserAction::RevokeSessions { name } => {
            let ended = accounts::revoke_sessions(pool, &name).await?;
            println!("{ended} session(s) of {name} ended; its phones wipe their data when they next connect");
        }
    }
    Ok(())
}

/// What `user list` adds after a jurisdiction naming units not valid today: the jurisdiction
/// still works (it is read through the successors), but an operator should know what it means
/// now and may rewrite it in today's codes.
fn stale_note(stale: &[Stale]) -> String {
    if stale.is_empty() {
        return String::new();
    }
    let each: Vec<String> = stale
        .iter()
        .map(|s| {
            if s.successors.is_empty() {
                format!("{} → no unit today", s.code)
            } else {
                format!("{} → {}", s.code, s.successors.join(","))
            }
        })
        .collect();
    format!("  [not current: {}]", each.join("; "))
}

/// Runs `antq token ...`.
///
/// # Errors
/// Whatever stopped it, in words for the person who typed it.
pub async fn token_command(pool: &PgPool, action: TokenAction) -> anyhow::Result<()> {
    match action {
        TokenAction::Create { name, expires_in, label } => {
            let (id, token) = accounts::create_token(pool, &name, &label, expires_in.0).await?;
            let until = expires_in.0.map_or_else(
                || "never expires".to_owned(),
                |d| format!("expires {}", (chrono::Utc::now() + d).format("%Y-%m-%d %H:%M UTC")),
            );
            eprintln!(
                "token {id} for {name} ({until}); it is shown only now, send it as `Authorization: Bearer ...`:"
            );
            println!("{token}");
        }
        TokenAction::List => {
            for t in credentials::list_tokens(pool).await? {
                let state = match (t.revoked_at, t.expires_at) {
                    (Some(_), _) => "revoked".to_owned(),
                    (None, Some(at)) if at <= chrono::Utc::now() => "expired".to_owned(),
                    (None, Some(at)) => format!("until {}", at.format("%Y-%m-%d")),
                    (None, None) => "no expiry".to_owned(),
                };
                println!("{:<6} {:<24} {:<20} {}", t.id, t.username, t.name, state);
            }
        }
        TokenAction::Revoke { id } => {
            accounts::revoke_token(pool, id).await?;
            println!("token {id} revoked");
        }
    }
    Ok(())
}

/// One line from standard input, without its line end. On a terminal it prompts and turns echo
/// off, so the password is neither an argument (visible in `ps`) nor on the screen.
fn read_password() -> anyhow::Result<String> {
    use nix::sys::termios::{LocalFlags, SetArg, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    let saved = if stdin.is_terminal() {
        eprint!("Password: ");
        std::io::stderr().flush()?;
        let saved = tcgetattr(&stdin).context("cannot read the terminal settings")?;
        let mut quiet = saved.clone();
        quiet.local_flags.remove(LocalFlags::ECHO);
        tcsetattr(&stdin, SetArg::TCSANOW, &quiet).context("cannot turn echo off")?;
        Some(saved)
    } else {
        None
    };
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if let Some(saved) = saved {
        tcsetattr(&stdin, SetArg::TCSANOW, &saved).context("cannot restore the terminal")?;
        eprintln!();
    }
    read.context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}
