//! The audit log: appended to by every write, export, sign-in and refusal; read by admins. The
//! table refuses updates and deletes (a trigger), so these are the only two operations.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgPool;

/// How an audited action ended (the `outcome` check constraint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Done.
    Ok,
    /// Refused for lack of a permission, or outside the jurisdiction.
    Denied,
    /// Failed: bad credentials, a throttled sign-in.
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Denied => "denied",
            Self::Failed => "failed",
        }
    }
}

/// One row to append. Build it with [`Entry::new`] and the `with_*` setters.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    /// The acting user, when known.
    pub user_id: Option<i64>,
    /// The acting user's name (kept when the user row is gone), or the name tried at sign-in.
    pub username: Option<String>,
    /// What was done, dotted: `auth.login`, `key_point.create`, `layer.export`, `access.denied`.
    pub action: String,
    /// What it was done to: `key_point:42`, `GET /audit`.
    pub target: Option<String>,
    /// How it ended.
    pub outcome: Option<Outcome>,
    /// For writes: the row before.
    pub before: Option<Value>,
    /// For writes: the row after.
    pub after: Option<Value>,
    /// Anything else worth keeping (a refusal's reason, an export's filter).
    pub details: Option<Value>,
    /// The client's address.
    pub address: Option<String>,
}

impl Entry {
    /// An entry for `action` with outcome `outcome`.
    #[must_use]
    pub fn new(action: &str, outcome: Outcome) -> Self {
        Self { action: action.to_owned(), outcome: Some(outcome), ..Self::default() }
    }

    /// Sets the acting user.
    #[must_use]
    pub fn with_user(mut self, id: Option<i64>, username: Option<&str>) -> Self {
        self.user_id = id;
        self.username = username.map(str::to_owned);
        self
    }

    /// Sets the target.
    #[must_use]
    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Sets the details.
    #[must_use]
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// Sets the before and after values of a write.
    #[must_use]
    pub fn with_change(mut self, before: Option<Value>, after: Option<Value>) -> Self {
        self.before = before;
        self.after = after;
        self
    }

    /// Sets the client's address.
    #[must_use]
    pub fn with_address(mut self, address: Option<String>) -> Self {
        self.address = address;
        self
    }
}

/// Appends `entry`. Pass the transaction of a write so the write and its record commit together.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip_all, fields(action = %entry.action), err)]
pub async fn record<'c, E>(executor: E, entry: &Entry) -> Result<(), sqlx::Error>
where
    E: sqlx::PgExecutor<'c>,
{
    sqlx::query(
        "insert into audit_log (user_id, username, action, target, outcome, before, after, details, address)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9::inet)",
    )
    .bind(entry.user_id)
    .bind(entry.username.as_deref())
    .bind(&entry.action)
    .bind(entry.target.as_deref())
    .bind(entry.outcome.unwrap_or(Outcome::Ok).as_str())
    .bind(entry.before.as_ref())
    .bind(entry.after.as_ref())
    .bind(entry.details.as_ref())
    .bind(entry.address.as_deref())
    .execute(executor)
    .await?;
    Ok(())
}

/// Which rows `GET /audit` wants; every field optional.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Filter {
    /// The acting user's name (case-insensitive).
    pub user: Option<String>,
    /// The action, exactly, or a prefix ending in `.` (`auth.` for every sign-in action).
    pub action: Option<String>,
    /// From this time (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until this time (exclusive).
    pub to: Option<DateTime<Utc>>,
    /// At most this many rows (default 100, at most 1000).
    pub limit: Option<i64>,
}

/// One row of the log.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct Row {
    /// Id, increasing.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The acting user's id.
    pub user_id: Option<i64>,
    /// The acting user's name.
    pub username: Option<String>,
    /// What.
    pub action: String,
    /// To what.
    pub target: Option<String>,
    /// `ok`, `denied` or `failed`.
    pub outcome: String,
    /// Before a write.
    pub before: Option<Value>,
    /// After a write.
    pub after: Option<Value>,
    /// More.
    pub details: Option<Value>,
    /// The client's address.
    pub address: Option<String>,
}

/// The rows matching `filter`, newest first.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn list(pool: &PgPool, filter: &Filter) -> Result<Vec<Row>, sqlx::Error> {
    let action_prefix = filter.action.as_deref().filter(|a| a.ends_with('.'));
    sqlx::query_as(
        "select id, at, user_id, username, action, target, outcome, before, after, details,
                host(address) as address
         from audit_log
         where ($1::text is null or lower(username) = lower($1))
           and ($2::text is null or action = $2 or ($3::text is not null and starts_with(action, $3)))
           and ($4::timestamptz is null or at >= $4)
           and ($5::timestamptz is null or at < $5)
         order by id desc limit $6",
    )
    .bind(filter.user.as_deref())
    .bind(filter.action.as_deref())
    .bind(action_prefix)
    .bind(filter.from)
    .bind(filter.to)
    .bind(filter.limit.unwrap_or(100).clamp(1, 1000))
    .fetch_all(pool)
    .await
}
