//! Model site reads and writes under `/api/v1/model-sites`, with the rules of key points (see
//! `key_points`): 201 + `Location`, `ETag`, `If-Match` required on `PATCH`/`DELETE`, archive
//! instead of delete, jurisdiction at the old and new place, every write audited.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::gate::Principal;
use super::key_points::{Json, Path};
use super::routes::Route;
use super::writes::{self, check_version, constraint, finish, from_feature, if_match, parse};
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::model_sites::{self, ModelSitePatch, NewModelSite};

/// Where model sites are created; an item's URL is this and its id.
pub const BASE: &str = "/api/v1/model-sites";

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![
        Route::post("/api/v1/model-sites", Permission::Write, create),
        Route::get("/api/v1/model-sites/{id}", Permission::ReadInternal, read),
        Route::patch("/api/v1/model-sites/{id}", Permission::Write, update),
        Route::delete("/api/v1/model-sites/{id}", Permission::Write, archive),
    ]
}

fn not_found(id: i64) -> ApiError {
    ApiError::NotFound(format!("model site {id}"))
}

/// 201 with the new site; 403 outside the jurisdiction; 409 for a taken code; 422 for an unknown
/// type or a value out of range.
async fn create(State(state): State<AppState>, who: Principal, Json(body): Json<Value>) -> Result<Response> {
    let site: NewModelSite = parse(from_feature(body)?)?;
    writes::check_lon_lat(site.lon, site.lat)?;
    who.require_within(&state.pool, site.lon, site.lat).await?;
    let user = who.user_id().ok_or(ApiError::Unauthorized)?;
    let mut tx = state.pool.begin().await?;
    let after = model_sites::insert(&mut tx, &site, user).await.map_err(|e| constraint(e, "model site"))?;
    finish(tx, &who, "model_site.create", BASE, None, after).await
}

/// 200 with the site and its `ETag`; 404. Model sites are internal, not jurisdiction-bound.
async fn read(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response> {
    let mut conn = state.pool.acquire().await?;
    let (row, _, _) = model_sites::lock(&mut conn, id).await?.ok_or_else(|| not_found(id))?;
    Ok(writes::respond(StatusCode::OK, &row))
}

/// 200 with the changed site; 428/412; 404; 403 outside the jurisdiction; 409 when archived.
async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Response> {
    let sent = if_match(&headers)?;
    let patch: ModelSitePatch = parse(from_feature(body)?)?;
    match (patch.lon, patch.lat) {
        (Some(lon), Some(lat)) => writes::check_lon_lat(lon, lat)?,
        (None, None) => {}
        _ => return Err(ApiError::Unprocessable("lon/lat: a move needs both".into())),
    }
    let user = who.user_id().ok_or(ApiError::Unauthorized)?;
    let mut tx = state.pool.begin().await?;
    let (before, lon, lat) = model_sites::lock(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
    who.require_within(&state.pool, lon, lat).await?;
    if let (Some(lon), Some(lat)) = (patch.lon, patch.lat) {
        who.require_within(&state.pool, lon, lat).await?;
    }
    check_version("model site", sent, &before)?;
    if !before["archived_at"].is_null() {
        return Err(ApiError::Conflict(format!("model site {id} is archived; it cannot be edited")));
    }
    if patch.code.as_ref().is_some_and(|c| before["code"] != json!(c)) {
        return Err(ApiError::Unprocessable("code: a model site's code cannot change".into()));
    }
    let after =
        model_sites::update(&mut tx, id, &patch, user).await.map_err(|e| constraint(e, "model site"))?;
    finish(tx, &who, "model_site.update", BASE, Some(before), after).await
}

/// 200 with the archived site (again for an archived one); 428/412; 404; 403.
async fn archive(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response> {
    let sent = if_match(&headers)?;
    let user = who.user_id().ok_or(ApiError::Unauthorized)?;
    let mut tx = state.pool.begin().await?;
    let (before, lon, lat) = model_sites::lock(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
    who.require_within(&state.pool, lon, lat).await?;
    check_version("model site", sent, &before)?;
    if !before["archived_at"].is_null() {
        return Ok(writes::respond(StatusCode::OK, &before));
    }
    let after = model_sites::archive(&mut tx, id, user).await?;
    finish(tx, &who, "model_site.archive", BASE, Some(before), after).await
}
