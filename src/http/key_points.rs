//! Key point writes: `POST /api/v1/key-points`, `PATCH /api/v1/key-points/{id}`. Editors write
//! only inside their jurisdiction; each write is audited with its before and after values, in
//! the write's own transaction. (Reads are layers: `/api/v1/collections/key_points/...`.)

use axum::extract::{FromRequest, FromRequestParts, State};
use axum::http::StatusCode;
use serde_json::Value;

use super::gate::Principal;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::audit::{self, Outcome};
use crate::db::key_points::{self, KeyPointPatch, NewKeyPoint};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![
        Route::post("/api/v1/key-points", Permission::Write, create),
        Route::patch("/api/v1/key-points/{id}", Permission::Write, update),
    ]
}

#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
struct Json<T>(T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
struct Path<T>(T);

const STATUSES: [&str; 4] = ["reported", "verified", "active", "resolved"];

/// 201 with the new key point; 403 outside the jurisdiction; 409 for a taken code; 422 for an
/// unknown category or a value out of range.
async fn create(
    State(state): State<AppState>,
    who: Principal,
    Json(kp): Json<NewKeyPoint>,
) -> Result<(StatusCode, axum::Json<Value>)> {
    if !(-180.0..=180.0).contains(&kp.lon) || !(-90.0..=90.0).contains(&kp.lat) {
        return Err(ApiError::Unprocessable("lon/lat must be WGS 84 degrees".into()));
    }
    who.require_within(&state.pool, kp.lon, kp.lat).await?;
    let user = who.user_id().ok_or(ApiError::Unauthorized)?;
    let mut tx = state.pool.begin().await?;
    let after = key_points::insert(&mut tx, &kp, user).await.map_err(constraint)?;
    let target = format!("key_point:{}", after["id"]);
    let entry =
        who.audit("key_point.create", Outcome::Ok).with_target(target).with_change(None, Some(after.clone()));
    audit::record(&mut *tx, &entry).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(after)))
}

/// 200 with the changed key point; 404 for an unknown id; 403 when the point lies outside the
/// jurisdiction.
async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Json(patch): Json<KeyPointPatch>,
) -> Result<axum::Json<Value>> {
    if patch.status.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
        return Err(ApiError::Unprocessable(format!("status must be one of {}", STATUSES.join(", "))));
    }
    let user = who.user_id().ok_or(ApiError::Unauthorized)?;
    let mut tx = state.pool.begin().await?;
    let (before, lon, lat) =
        key_points::lock(&mut tx, id).await?.ok_or_else(|| ApiError::NotFound(format!("key point {id}")))?;
    who.require_within(&state.pool, lon, lat).await?;
    let after = key_points::update(&mut tx, id, &patch, user).await.map_err(constraint)?;
    let entry = who
        .audit("key_point.update", Outcome::Ok)
        .with_target(format!("key_point:{id}"))
        .with_change(Some(before), Some(after.clone()));
    audit::record(&mut *tx, &entry).await?;
    tx.commit().await?;
    Ok(axum::Json(after))
}

/// Constraint violations, by constraint name, as answers the client can act on.
fn constraint(e: sqlx::Error) -> ApiError {
    let (name, code) = match &e {
        sqlx::Error::Database(d) => {
            (d.constraint().map(str::to_owned), d.code().map(std::borrow::Cow::into_owned))
        }
        _ => (None, None),
    };
    match (name.as_deref(), code.as_deref()) {
        (Some("key_points_code_key"), _) => ApiError::Conflict("a key point with this code exists".into()),
        (Some("key_points_category_fkey"), _) => ApiError::Unprocessable("unknown category".into()),
        (Some(c), Some("23514")) => ApiError::Unprocessable(format!("a value is out of range ({c})")),
        _ => e.into(),
    }
}
