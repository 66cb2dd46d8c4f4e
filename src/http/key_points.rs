//! Key point reads and writes under `/api/v1/key-points`: create (201 + `Location`), read one
//! (with its version as `ETag`), edit and move (`PATCH`, `If-Match` required), status along the
//! workflow reported → verified → active → resolved, archive (`DELETE`: it leaves the layers and
//! keeps its history), and the history (`GET /api/v1/key-points/{id}/history`, from the table
//! the database itself fills on every insert and update).
//!
//! Editors act only inside their jurisdiction, at the point's old and new location alike; each
//! write is audited with its before and after values, in the write's own transaction. The
//! layers (`/api/v1/collections/key_points/...`) serve the lists and maps.

use axum::extract::{FromRequest, FromRequestParts, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::gate::Principal;
use super::routes::Route;
use super::writes::{self, check_version, constraint, finish, from_feature, if_match, parse};
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::key_points::{self, KeyPointPatch, NewKeyPoint};

/// Where key points are created; an item's URL is this and its id.
pub const BASE: &str = "/api/v1/key-points";

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![
        Route::post("/api/v1/key-points", Permission::Write, create),
        Route::get("/api/v1/key-points/{id}", Permission::ReadRestricted, read),
        Route::patch("/api/v1/key-points/{id}", Permission::Write, update),
        // After PATCH: the security walk edits, then archives, the same point.
        Route::delete("/api/v1/key-points/{id}", Permission::Write, archive),
        Route::get("/api/v1/key-points/{id}/history", Permission::ReadRestricted, history),
    ]
}

#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub(super) struct Json<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub(super) struct Path<T>(pub T);

use crate::db::key_points::STATUSES;

/// `Ok` when `to` is `from` or the step after it.
///
/// # Errors
/// 422 for an unknown status; 409 for a step the workflow does not allow, naming the next one.
pub fn check_transition(from: &str, to: &str) -> Result<()> {
    let position = |s: &str| STATUSES.iter().position(|x| *x == s);
    let Some(target) = position(to) else {
        return Err(ApiError::Unprocessable(format!("status: must be one of {}", STATUSES.join(", "))));
    };
    let current = position(from).unwrap_or_default();
    if target == current || target == current + 1 {
        return Ok(());
    }
    let next =
        STATUSES.get(current + 1).map_or_else(|| "none (it is resolved)".to_owned(), |s| (*s).to_owned());
    Err(ApiError::Conflict(format!("status: a {from} key point cannot become {to}; the next step is {next}")))
}

fn not_found(id: i64) -> ApiError {
    ApiError::NotFound(format!("key point {id}"))
}

/// 201 with the new key point as a Feature; 403 outside the jurisdiction; 409 for a taken code;
/// 422 for an unknown category or a value out of range.
async fn create(State(state): State<AppState>, who: Principal, Json(body): Json<Value>) -> Result<Response> {
    let kp: NewKeyPoint = parse(from_feature(body)?)?;
    writes::check_lon_lat(kp.lon, kp.lat)?;
    who.require_within(&state.pool, kp.lon, kp.lat).await?;
    let user = who.user_id().ok_or(ApiError::Unauthorized)?;
    let mut tx = state.pool.begin().await?;
    let after = key_points::insert(&mut tx, &kp, user).await.map_err(|e| constraint(e, "key point"))?;
    finish(tx, &who, "key_point.create", BASE, None, after).await
}

/// 200 with the key point (archived ones too) and its `ETag`; 404; 403 outside the jurisdiction.
async fn read(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<Response> {
    let (row, lon, lat) = key_points::find(&state.pool, id).await?.ok_or_else(|| not_found(id))?;
    who.require_within(&state.pool, lon, lat).await?;
    Ok(writes::respond(StatusCode::OK, &row))
}

/// 200 with the changed key point; 428 without `If-Match`, 412 on a stale one; 404; 403 when
/// the point or its new place lies outside the jurisdiction; 409 for an archived point or a
/// status step the workflow does not allow.
async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Response> {
    let sent = if_match(&headers)?;
    let patch: KeyPointPatch = parse(from_feature(body)?)?;
    match (patch.lon, patch.lat) {
        (Some(lon), Some(lat)) => writes::check_lon_lat(lon, lat)?,
        (None, None) => {}
        _ => return Err(ApiError::Unprocessable("lon/lat: a move needs both".into())),
    }
    let user = who.user_id().ok_or(ApiError::Unauthorized)?;
    let mut tx = state.pool.begin().await?;
    let (before, lon, lat) = key_points::lock(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
    who.require_within(&state.pool, lon, lat).await?;
    if let (Some(lon), Some(lat)) = (patch.lon, patch.lat) {
        who.require_within(&state.pool, lon, lat).await?;
    }
    check_version("key point", sent, &before)?;
    if !before["archived_at"].is_null() {
        return Err(ApiError::Conflict(format!("key point {id} is archived; it cannot be edited")));
    }
    if patch.code.as_ref().is_some_and(|c| before["code"] != json!(c)) {
        return Err(ApiError::Unprocessable("code: a key point's code cannot change".into()));
    }
    if let Some(to) = &patch.status {
        check_transition(before["status"].as_str().unwrap_or_default(), to)?;
    }
    let after =
        key_points::update(&mut tx, id, &patch, user).await.map_err(|e| constraint(e, "key point"))?;
    finish(tx, &who, "key_point.update", BASE, Some(before), after).await
}

/// 200 with the archived key point; archiving an archived point changes nothing (DELETE is
/// idempotent). 428/412 as for `PATCH`; 404; 403 outside the jurisdiction.
async fn archive(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response> {
    let sent = if_match(&headers)?;
    let user = who.user_id().ok_or(ApiError::Unauthorized)?;
    let mut tx = state.pool.begin().await?;
    let (before, lon, lat) = key_points::lock(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
    who.require_within(&state.pool, lon, lat).await?;
    check_version("key point", sent, &before)?;
    if !before["archived_at"].is_null() {
        return Ok(writes::respond(StatusCode::OK, &before));
    }
    let after = key_points::archive(&mut tx, id, user).await?;
    finish(tx, &who, "key_point.archive", BASE, Some(before), after).await
}

/// 200 with every version of the key point, oldest first; 404; 403 outside the jurisdiction.
async fn history(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<Value>> {
    let (_, lon, lat) = key_points::find(&state.pool, id).await?.ok_or_else(|| not_found(id))?;
    who.require_within(&state.pool, lon, lat).await?;
    let versions = key_points::history(&state.pool, id).await?;
    Ok(axum::Json(json!({ "key_point_id": id, "versions": versions })))
}

#[cfg(test)]
mod tests {
    use super::check_transition;

    #[test]
    fn the_workflow_moves_one_step_forward_or_stays() {
        assert!(check_transition("reported", "verified").is_ok());
        assert!(check_transition("verified", "verified").is_ok());
        assert!(check_transition("active", "resolved").is_ok());
        let skip = check_transition("reported", "active").expect_err("skips verified");
        assert!(skip.to_string().contains("the next step is verified"), "{skip}");
        assert!(check_transition("resolved", "active").is_err());
        assert!(check_transition("reported", "closed").is_err());
    }
}
