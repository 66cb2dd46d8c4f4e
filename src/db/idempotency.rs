//! Idempotency keys: the first answer to a write, kept with its key so that a replay gets it
//! back (see `http::idempotency`). Every function takes the write's transaction: the key is
//! claimed, the record written and the answer kept in one commit, so a crash between them leaves
//! neither, and a concurrent request with the same key waits on the claimed row and then reads
//! the answer instead of writing a second record.

use serde_json::Value;
use sqlx::PgConnection;

/// An answer as it was first given.
#[derive(Debug, Clone)]
pub struct Stored {
    /// Its HTTP status.
    pub status: i16,
    /// The headers worth replaying (name to value).
    pub headers: Value,
    /// Its body.
    pub body: Vec<u8>,
}

/// What claiming a key found.
#[derive(Debug)]
pub enum Claim {
    /// The key is new (or had expired): this request goes ahead and its answer is kept.
    Fresh,
    /// The key came with this same request before: its answer.
    Replay(Stored),
    /// The key came with another request before.
    Mismatch,
}

/// Claims `key` of `user_id` for a request whose fingerprint is `fingerprint`, to be kept for
/// `keep_days`. Expired keys of the user are removed first, so an expired key is fresh again.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(conn, fingerprint), err)]
pub async fn claim(
    conn: &mut PgConnection,
    user_id: i64,
    key: &str,
    fingerprint: &[u8],
    keep_days: i32,
) -> Result<Claim, sqlx::Error> {
    sqlx::query("delete from idempotency_keys where user_id = $1 and expires_at < now()")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    // `do nothing` waits for a concurrent transaction holding the same key, then sees its row.
    let inserted: Option<bool> = sqlx::query_scalar(
        "insert into idempotency_keys (user_id, key, fingerprint, expires_at)
         values ($1, $2, $3, now() + make_interval(days => $4))
         on conflict (user_id, key) do nothing
         returning true",
    )
    .bind(user_id)
    .bind(key)
    .bind(fingerprint)
    .bind(keep_days)
    .fetch_optional(&mut *conn)
    .await?;
    if inserted.is_some() {
        return Ok(Claim::Fresh);
    }
    let row: Option<KeyRow> = sqlx::query_as(
        "select fingerprint, status, headers, body from idempotency_keys where user_id = $1 and key = $2",
    )
    .bind(user_id)
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(r) if r.fingerprint != fingerprint => Claim::Mismatch,
        Some(KeyRow { status: Some(status), headers, body, .. }) => Claim::Replay(Stored {
            status,
            headers: headers.unwrap_or(Value::Null),
            body: body.unwrap_or_default(),
        }),
        // None: gone between the two statements (it expired and its user's next write removed
        // it). No status: a committed row always has its answer (see the migration); one without
        // is treated as never answered rather than replayed empty.
        None | Some(_) => Claim::Fresh,
    })
}

/// A key's row as `claim` reads it.
#[derive(sqlx::FromRow)]
struct KeyRow {
    fingerprint: Vec<u8>,
    status: Option<i16>,
    headers: Option<Value>,
    body: Option<Vec<u8>>,
}

/// Keeps `answer` with the key claimed in this transaction.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(conn, answer), err)]
pub async fn keep(
    conn: &mut PgConnection,
    user_id: i64,
    key: &str,
    answer: &Stored,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update idempotency_keys set status = $3, headers = $4, body = $5 where user_id = $1 and key = $2",
    )
    .bind(user_id)
    .bind(key)
    .bind(answer.status)
    .bind(&answer.headers)
    .bind(&answer.body)
    .execute(conn)
    .await?;
    Ok(())
}
