//! Key point reads and writes under `/api/v1/key-points`: create (201 + `Location`), read one
//! (with its version as `ETag`), edit and move (`PATCH`, `If-Match` required), status along the
//! workflow reported → verified → active → resolved, archive (`DELETE`: it leaves the layers and
//! keeps its history), and the history (`GET /api/v1/key-points/{id}/history`, from the table
//! the database itself fills on every insert and update).
//!
//! Editors act only inside their jurisdiction, at the point's old and new location alike; each
//! write is audited with its before and after values, in the write's own transaction. The
//! layers (`/api/v1/collections/key_points/...`) serve the lists and maps.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::extract::Path;
use super::gate::Principal;
use super::point_writes::{PointTable, archive, create, not_found, point_table_sql, update};
use super::routes::Route;
use super::writes;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::key_points::{self, KeyPointPatch, NewKeyPoint};

/// Where key points are created; an item's URL is this and its id.
pub const BASE: &str = "/api/v1/key-points";

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![
        Route::post("/api/v1/key-points", Permission::Write, create::<KeyPoints>),
        Route::get("/api/v1/key-points/{id}", Permission::ReadRestricted, read),
        Route::patch("/api/v1/key-points/{id}", Permission::Write, update::<KeyPoints>),
        // After PATCH: the security walk edits, then archives, the same point.
        Route::delete("/api/v1/key-points/{id}", Permission::Write, archive::<KeyPoints>),
        Route::get("/api/v1/key-points/{id}/history", Permission::ReadRestricted, history),
    ]
}

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

/// Key points as a `PointTable`: their own check is the status workflow.
pub struct KeyPoints;

impl PointTable for KeyPoints {
    const NOUN: &'static str = "key point";
    const ACTION: &'static str = "key_point";
    const BASE: &'static str = BASE;
    type New = NewKeyPoint;
    type Patch = KeyPointPatch;

    fn place(new: &NewKeyPoint) -> (f64, f64) {
        (new.lon, new.lat)
    }
    fn moves_to(patch: &KeyPointPatch) -> (Option<f64>, Option<f64>) {
        (patch.lon, patch.lat)
    }
    fn code(patch: &KeyPointPatch) -> Option<&str> {
        patch.code.as_deref()
    }
    fn check(before: &Value, patch: &KeyPointPatch) -> Result<()> {
        patch
            .status
            .as_ref()
            .map_or(Ok(()), |to| check_transition(before["status"].as_str().unwrap_or_default(), to))
    }
    point_table_sql!(key_points);
}

/// 200 with the key point (archived ones too) and its `ETag`; 404; 403 outside the jurisdiction.
async fn read(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<Response> {
    let (row, lon, lat) =
        key_points::find(&state.pool, id).await?.ok_or_else(|| not_found::<KeyPoints>(id))?;
    who.require_within(&state.pool, lon, lat).await?;
    Ok(writes::respond(StatusCode::OK, &row))
}

/// 200 with every version of the key point, oldest first; 404; 403 outside the jurisdiction.
async fn history(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
) -> Result<axum::Json<Value>> {
    let (_, lon, lat) = key_points::find(&state.pool, id).await?.ok_or_else(|| not_found::<KeyPoints>(id))?;
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
