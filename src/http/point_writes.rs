//! Create, edit and archive for the point tables the write API edits one way: key points and
//! model sites. The steps and their order are the same for both, and that order is what keeps
//! the rules (see `writes`): the version is checked under the row lock, the jurisdiction at the
//! old and at the new place, an archived record is never edited, a code never changes, and the
//! audit row goes in with the write. Only the table's SQL and its own checks differ, behind
//! `PointTable`.

use std::future::Future;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::PgConnection;

use super::extract::{Json, Path};
use super::gate::Principal;
use super::idempotency::{IdempotencyKey, Next};
use super::writes::{self, check_editable, check_version, finish, from_feature, if_match, parse};
use super::{ApiError, AppState, Result};

/// A row with its point, as the database locks it: the row as JSON, lon, lat.
pub type Located = Option<(Value, f64, f64)>;

/// A table of points edited through `create`, `update` and `archive` below.
pub trait PointTable: Send + Sync + 'static {
    /// The record's name in messages, e.g. "key point".
    const NOUN: &'static str;
    /// The audit actions' prefix, e.g. "`key_point`" (`key_point.create`, ...).
    const ACTION: &'static str;
    /// Where records are created; an item's URL is this and its id.
    const BASE: &'static str;
    /// A new record as the client sends it.
    type New: DeserializeOwned + Send + Sync;
    /// The editable fields; absent ones stay as they are.
    type Patch: DeserializeOwned + Send + Sync;

    /// Where a new record lies (lon, lat).
    fn place(new: &Self::New) -> (f64, f64);
    /// The (lon, lat) a patch moves the record to, each when sent.
    fn moves_to(patch: &Self::Patch) -> (Option<f64>, Option<f64>);
    /// The code a patch sends back, when it does.
    fn code(patch: &Self::Patch) -> Option<&str>;
    /// The table's own checks of a patch against the record before it (e.g. a status workflow).
    ///
    /// # Errors
    /// The patch breaks one of them.
    fn check(before: &Value, patch: &Self::Patch) -> Result<()>;

    /// Inserts by `user`; answers the row.
    fn insert<'c>(
        conn: &'c mut PgConnection,
        new: &'c Self::New,
        user: i64,
    ) -> impl Future<Output = sqlx::Result<Value>> + Send + 'c;
    /// Locks the row for the write's transaction.
    fn lock(conn: &mut PgConnection, id: i64) -> impl Future<Output = sqlx::Result<Located>> + Send + '_;
    /// Applies a patch by `user`; answers the row after.
    fn update<'c>(
        conn: &'c mut PgConnection,
        id: i64,
        patch: &'c Self::Patch,
        user: i64,
    ) -> impl Future<Output = sqlx::Result<Value>> + Send + 'c;
    /// Archives by `user`; answers the row after.
    fn archive(
        conn: &mut PgConnection,
        id: i64,
        user: i64,
    ) -> impl Future<Output = sqlx::Result<Value>> + Send + '_;
}

/// The SQL half of a `PointTable` impl: the four functions of the `crate::db` module named.
macro_rules! point_table_sql {
    ($module:ident) => {
        fn insert<'c>(
            conn: &'c mut sqlx::PgConnection,
            new: &'c Self::New,
            user: i64,
        ) -> impl std::future::Future<Output = sqlx::Result<serde_json::Value>> + Send + 'c {
            crate::db::$module::insert(conn, new, user)
        }
        fn lock(
            conn: &mut sqlx::PgConnection,
            id: i64,
        ) -> impl std::future::Future<Output = sqlx::Result<$crate::http::point_writes::Located>> + Send + '_
        {
            crate::db::$module::lock(conn, id)
        }
        fn update<'c>(
            conn: &'c mut sqlx::PgConnection,
            id: i64,
            patch: &'c Self::Patch,
            user: i64,
        ) -> impl std::future::Future<Output = sqlx::Result<serde_json::Value>> + Send + 'c {
            crate::db::$module::update(conn, id, patch, user)
        }
        fn archive(
            conn: &mut sqlx::PgConnection,
            id: i64,
            user: i64,
        ) -> impl std::future::Future<Output = sqlx::Result<serde_json::Value>> + Send + '_ {
            crate::db::$module::archive(conn, id, user)
        }
    };
}
pub(super) use point_table_sql;

/// 404 naming the record.
pub fn not_found<T: PointTable>(id: i64) -> ApiError {
    ApiError::NotFound(format!("{} {id}", T::NOUN))
}

/// 201 with the new record as a Feature and its `Location`; 403 outside the jurisdiction; 409 for
/// a taken code; 422 for an unknown reference or a value out of range.
pub async fn create<T: PointTable>(
    State(state): State<AppState>,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<Value>,
) -> Result<Response> {
    let new: T::New = parse(from_feature(body.clone())?)?;
    let (lon, lat) = T::place(&new);
    writes::check_lon_lat(lon, lat)?;
    who.require_within(&state.pool, lon, lat).await?;
    let user = who.user_id().ok_or(ApiError::Unauthorized)?;
    let mut tx = state.pool.begin().await?;
    let key = match key.claim_json(&mut tx, &who, &body).await? {
        Next::Replay(first) => return Ok(first),
        Next::Write(key) => key,
    };
    let after = T::insert(&mut tx, &new, user).await?;
    finish(tx, &who, &format!("{}.create", T::ACTION), T::BASE, None, after, key).await
}

/// 200 with the changed record; 428 without `If-Match`, 412 on a stale one; 404; 403 when the
/// record or its new place lies outside the jurisdiction; 409 for an archived record; 422 for a
/// changed code or half a move.
pub async fn update<T: PointTable>(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    headers: HeaderMap,
    key: IdempotencyKey,
    Json(body): Json<Value>,
) -> Result<Response> {
    let sent = if_match(&headers)?;
    let patch: T::Patch = parse(from_feature(body.clone())?)?;
    let destination = match T::moves_to(&patch) {
        (Some(lon), Some(lat)) => {
            writes::check_lon_lat(lon, lat)?;
            Some((lon, lat))
        }
        (None, None) => None,
        _ => return Err(ApiError::Unprocessable("lon/lat: a move needs both".into())),
    };
    let user = who.user_id().ok_or(ApiError::Unauthorized)?;
    let mut tx = state.pool.begin().await?;
    // Before the version check: the replay of an edit that went through meets its own new
    // version, and must get its first answer, not a 412.
    let key = match key.claim_json(&mut tx, &who, &body).await? {
        Next::Replay(first) => return Ok(first),
        Next::Write(key) => key,
    };
    let (before, lon, lat) = T::lock(&mut tx, id).await?.ok_or_else(|| not_found::<T>(id))?;
    who.require_within(&state.pool, lon, lat).await?;
    if let Some((lon, lat)) = destination {
        who.require_within(&state.pool, lon, lat).await?;
    }
    check_editable(T::NOUN, id, sent, &before, T::code(&patch))?;
    T::check(&before, &patch)?;
    let after = T::update(&mut tx, id, &patch, user).await?;
    finish(tx, &who, &format!("{}.update", T::ACTION), T::BASE, Some(before), after, key).await
}

/// 200 with the archived record; archiving an archived one changes nothing (DELETE is
/// idempotent). 428/412 as for `PATCH`; 404; 403 outside the jurisdiction.
pub async fn archive<T: PointTable>(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response> {
    let sent = if_match(&headers)?;
    let user = who.user_id().ok_or(ApiError::Unauthorized)?;
    let mut tx = state.pool.begin().await?;
    let (before, lon, lat) = T::lock(&mut tx, id).await?.ok_or_else(|| not_found::<T>(id))?;
    who.require_within(&state.pool, lon, lat).await?;
    check_version(T::NOUN, sent, &before)?;
    if !before["archived_at"].is_null() {
        return Ok(writes::respond(StatusCode::OK, &before));
    }
    let after = T::archive(&mut tx, id, user).await?;
    finish(tx, &who, &format!("{}.archive", T::ACTION), T::BASE, Some(before), after, None).await
}
