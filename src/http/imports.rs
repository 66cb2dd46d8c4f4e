//! Import routes: `POST /api/v1/key-points/import` and `POST /api/v1/model-sites/import` take a
//! CSV or a GeoJSON `FeatureCollection` (see `imports::points`), all or nothing: 201 with what
//! was written, or the refusal with every bad record and nothing written.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::extract::{AsOf, Path, Query};
use super::gate::Principal;
use super::idempotency::{IdempotencyKey, Next};
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::imports::points::{self, Caller, PointLayer};
use crate::imports::{ImportError, MAX_BODY_BYTES, MAX_FEATURES};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![
        Route::post("/api/v1/key-points/import", Permission::Write, key_points),
        Route::post("/api/v1/model-sites/import", Permission::Write, model_sites),
        Route::post("/api/v1/patrols/{id}/tracks", Permission::UploadTracks, tracks),
        Route::post("/api/v1/admin/boundaries/import", Permission::Admin, boundaries),
    ]
}

impl From<ImportError> for ApiError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Malformed(m) => Self::BadRequest(m),
            ImportError::TooLarge(m) => Self::PayloadTooLarge(m),
            ImportError::OverLimit(m) => Self::Unprocessable(m),
            ImportError::NotFound(m) => Self::NotFound(m),
            ImportError::Forbidden(m) => Self::Forbidden(m),
            ImportError::Conflict(m) => Self::Conflict(m),
            ImportError::Db(e) => e.into(),
            invalid @ ImportError::Invalid { .. } => {
                Self::Invalid { description: invalid.to_string(), errors: invalid.problems_json() }
            }
        }
    }
}

/// The body, up to [`MAX_BODY_BYTES`].
///
/// # Errors
/// 413 naming the limit.
pub async fn read_body(body: Body) -> Result<axum::body::Bytes> {
    axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| {
        ApiError::PayloadTooLarge(format!(
            "the body is larger than the limit of {} MiB",
            MAX_BODY_BYTES >> 20
        ))
    })
}

/// The caller as an importer: its audit entry and, when bound, its jurisdiction.
pub fn caller(who: &Principal) -> Caller {
    let jurisdiction = who.account().filter(|_| who.is_bound()).map(|a| a.jurisdiction.clone());
    Caller { entry: who.audit("import", crate::db::audit::Outcome::Ok), jurisdiction }
}

async fn run(
    state: &AppState,
    who: &Principal,
    layer: PointLayer,
    body: Body,
) -> Result<(StatusCode, axum::Json<Value>)> {
    let bytes = read_body(body).await?;
    let done = points::import(&state.pool, layer, &bytes, MAX_FEATURES, &caller(who)).await?;
    Ok((StatusCode::CREATED, axum::Json(json!(done))))
}

/// 201 with the count and id range; 400 malformed (the line named); 413; 422 with every bad
/// record; 403 never (points outside the jurisdiction are bad records).
async fn key_points(
    State(state): State<AppState>,
    who: Principal,
    body: Body,
) -> Result<(StatusCode, axum::Json<Value>)> {
    run(&state, &who, PointLayer::KeyPoints, body).await
}

/// As for key points.
async fn model_sites(
    State(state): State<AppState>,
    who: Principal,
    body: Body,
) -> Result<(StatusCode, axum::Json<Value>)> {
    run(&state, &who, PointLayer::ModelSites, body).await
}

/// The query of a track upload.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TracksQuery {
    #[serde(default)]
    dry_run: bool,
}

/// 201 with the patrol (its recorded span and length, its new `ETag`); with `dry_run=true`, 200
/// with the tracks it would save as a `FeatureCollection`, writing nothing (the browser's
/// preview); 400 for a body that is not GPX (the line named); 403 when a track leaves the
/// jurisdiction; 404; 413; 422 with every bad point. An upload with an `Idempotency-Key` that
/// came before with the same file answers the first answer and stores nothing (the phone's
/// recorder retries a cut upload this way); a dry run writes nothing and claims no key.
async fn tracks(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<i64>,
    Query(q): Query<TracksQuery>,
    headers: HeaderMap,
    key: IdempotencyKey,
    body: Body,
) -> Result<Response> {
    let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let essence = kind.split(';').next().unwrap_or_default().trim();
    if !["application/gpx+xml", "application/xml", "text/xml"].contains(&essence) {
        return Err(ApiError::BadRequest(format!("Content-Type must be application/gpx+xml (got {kind:?})")));
    }
    let bytes = read_body(body).await?;
    if q.dry_run {
        let preview = crate::imports::tracks::preview(&state.pool, id, &bytes, &caller(&who)).await?;
        return Ok((StatusCode::OK, axum::Json(preview)).into_response());
    }
    let mut tx = state.pool.begin().await?;
    let key = match key.claim(&mut tx, &who, &bytes).await? {
        Next::Replay(first) => return Ok(first),
        Next::Write(key) => key,
    };
    let after = crate::imports::tracks::upload_in(&mut tx, &state.pool, id, &bytes, &caller(&who)).await?;
    let mut response = super::writes::respond(StatusCode::CREATED, &after);
    if let Some(key) = key {
        response = key.keep(&mut tx, response).await?;
    }
    tx.commit().await?;
    Ok(response)
}

/// The query of a boundary import (as the command line's flags).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BoundaryQuery {
    level: String,
    valid_from: AsOf,
    srid: Option<i32>,
    #[serde(default)]
    make_valid: bool,
    #[serde(default)]
    dry_run: bool,
    threshold_km2: Option<f64>,
}

/// 200 with the report (201 when written); 400 for a bad query or file (the line named); 413;
/// 422 with every refused feature.
async fn boundaries(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<BoundaryQuery>,
    body: Body,
) -> Result<(StatusCode, axum::Json<Value>)> {
    if !["district", "commune", "village"].contains(&q.level.as_str()) {
        return Err(ApiError::BadRequest("level: must be district, commune or village".into()));
    }
    let options = crate::imports::boundaries::Options {
        level: q.level,
        valid_from: q.valid_from.0,
        srid: q.srid,
        make_valid: q.make_valid,
        dry_run: q.dry_run,
        threshold_km2: q.threshold_km2.unwrap_or(0.01),
        // The route takes one file: successions come in its features' `predecessors`.
        successors: Vec::new(),
    };
    let bytes = read_body(body).await?;
    let report = crate::imports::boundaries::import(&state.pool, &bytes, &options, &caller(&who)).await?;
    let status = if options.dry_run { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, axum::Json(report)))
}
