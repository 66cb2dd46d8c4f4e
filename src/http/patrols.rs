//! Patrol reads and writes under `/api/v1/patrols`: the plan (route as the Feature's `LineString`,
//! planned span, units, members) and what happened (actual start and end), with the rules of key
//! points (see `key_points`). A jurisdiction-bound editor plans only routes that lie wholly
//! inside its jurisdiction, so a patrol without a route is for unbound roles only.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::extract::{Json, Path};
use super::gate::Principal;
use super::idempotency::{IdempotencyKey, Next};
use super::routes::Route;
use super::writes::{self, check_editable, check_version, finish, from_feature, if_match, parse};
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::patrols::{self, NewPatrol, PatrolPatch};

/// Where patrols are created; an item's URL is this and its id.
pub const BASE: &str = "/api/v1/patrols";

/// The most vertices a planned route may have.
pub const MAX_ROUTE_VERTICES: usize = 10_000;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![
        Route::post("/api/v1/patrols", Permission::Write, create),
        Route::get("/api/v1/patrols/{id}", Permission::ReadPatrols, read),
        Route::patch("/api/v1/patrols/{id}", Permission::Write, update),
        Route::delete("/api/v1/patrols/{id}", Permission::Write, archive),
    ]
}

fn not_found(id: i64) -> ApiError {
    ApiError::NotFound(format!("patrol {id}"))
}

/// The route as GeoJSON text, once it is known to be a `LineString` of 2 to
/// [`MAX_ROUTE_VERTICES`] WGS 84 positions (PostGIS is never handed something it would fail on).
///
/// # Errors
/// 422 naming what is wrong.
fn check_route(geometry: &Value) -> Result<String> {
    let bad = |why: &str| ApiError::Unprocessable(format!("geometry: {why}"));
    if geometry["type"] != "LineString" {
        return Err(bad("a planned route must be a GeoJSON `LineString`"));
    }
    let positions = geometry["coordinates"].as_array().ok_or_else(|| bad("coordinates: must be an array"))?;
    if positions.len() < 2 {
        return Err(bad("a route needs at least 2 positions"));
    }
    if positions.len() > MAX_ROUTE_VERTICES {
        return Err(bad(&format!("{} vertices; the limit is {MAX_ROUTE_VERTICES}", positions.len())));
    }
    for (i, p) in positions.iter().enumerate() {
        match (p[0].as_f64(), p[1].as_f64()) {
            (Some(lon), Some(lat)) if writes::check_lon_lat(lon, lat).is_ok() => {}
            _ => return Err(bad(&format!("coordinates[{i}]: must be [lon, lat] in WGS 84 degrees"))),
        }
    }
    Ok(json!({ "type": "LineString", "coordinates": positions }).to_string())
}

/// `Ok` when the caller may act on a patrol whose route is `route` (GeoJSON text).
async fn require_route_within(who: &Principal, state: &AppState, route: Option<&str>) -> Result<()> {
    match route {
        Some(r) => who.require_within_geometry(&state.pool, r).await,
        None if who.is_bound() => Err(ApiError::Forbidden(
            "a patrol without a route inside your jurisdiction is not yours to edit".into(),
        )),
        None => Ok(()),
    }
}

/// 201 with the new patrol; 403 when the route leaves the jurisdiction; 409 for a taken code;
/// 422 for a bad route, kind or time order.
async fn create(
    State(state): State<AppState>,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<Value>,
) -> Result<Response> {
    let patrol: NewPatrol = parse(from_feature(body.clone())?)?;
    let route = patrol.geometry.as_ref().filter(|g| !g.is_null()).map(check_route).transpose()?;
    require_route_within(&who, &state, route.as_deref()).await?;
    let user = who.user_id().ok_or(ApiError::Unauthorized)?;
    let mut tx = state.pool.begin().await?;
    let key = match key.claim_json(&mut tx, &who, &body).await? {
        Next::Replay(first) => return Ok(first),
        Next::Write(key) => key,
    };
    let after = patrols::insert(&mut tx, &patrol, user).await?;
    finish(tx, &who, "patrol.create", BASE, None, after, key).await
}

/// 200 with the patrol and its `ETag`; 404; 403 when its route leaves the jurisdiction.
async fn read(State(state): State<AppState>, who: Principal, Path(id): Path<i64>) -> Result<Response> {
    let mut conn = state.pool.acquire().await?;
    let (row, route) = patrols::lock(&mut conn, id).await?.ok_or_else(|| not_found(id))?;
    drop(conn);
    require_route_within(&who, &state, route.as_deref()).await?;
    Ok(writes::respond(StatusCode::OK, &row))
}

/// 200 with the changed patrol; 428/412; 404; 403 (old or new route outside); 409 when archived.
async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    headers: HeaderMap,
    key: IdempotencyKey,
    Json(body): Json<Value>,
) -> Result<Response> {
    let sent = if_match(&headers)?;
    let patch: PatrolPatch = parse(from_feature(body.clone())?)?;
    let new_route = patch.geometry.as_ref().filter(|g| !g.is_null()).map(check_route).transpose()?;
    let user = who.user_id().ok_or(ApiError::Unauthorized)?;
    let mut tx = state.pool.begin().await?;
    let key = match key.claim_json(&mut tx, &who, &body).await? {
        Next::Replay(first) => return Ok(first),
        Next::Write(key) => key,
    };
    let (before, route) = patrols::lock(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
    require_route_within(&who, &state, route.as_deref()).await?;
    if new_route.is_some() {
        require_route_within(&who, &state, new_route.as_deref()).await?;
    }
    check_editable("patrol", id, sent, &before, patch.code.as_deref())?;
    let after = patrols::update(&mut tx, id, &patch, user).await?;
    finish(tx, &who, "patrol.update", BASE, Some(before), after, key).await
}

/// 200 with the archived patrol (again for an archived one); 428/412; 404; 403.
async fn archive(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response> {
    let sent = if_match(&headers)?;
    let user = who.user_id().ok_or(ApiError::Unauthorized)?;
    let mut tx = state.pool.begin().await?;
    let (before, route) = patrols::lock(&mut tx, id).await?.ok_or_else(|| not_found(id))?;
    require_route_within(&who, &state, route.as_deref()).await?;
    check_version("patrol", sent, &before)?;
    if !before["archived_at"].is_null() {
        return Ok(writes::respond(StatusCode::OK, &before));
    }
    let after = patrols::archive(&mut tx, id, user).await?;
    finish(tx, &who, "patrol.archive", BASE, Some(before), after, None).await
}
