//! `POST /api/v1/admin/designations` (admin): record a decision for a unit, e.g. the key
//! security communes among the 2025 units, which no earlier decision names (issue #16, item 3).
//! The loader takes the same rows from `designations.csv`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::extract::Json;
use super::gate::Principal;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::audit::{self, Outcome};
use crate::db::designations::{self, NewDesignation};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![Route::post("/api/v1/admin/designations", Permission::Admin, create)]
}

/// 201 with the decision and the unit it names; 422 naming the field that is wrong; 409 when the
/// unit already holds the kind over part of the period.
async fn create(
    State(state): State<AppState>,
    who: Principal,
    Json(new): Json<NewDesignation>,
) -> Result<Response> {
    let created = designations::create(&state.pool, &new).await?.map_err(ApiError::Unprocessable)?;
    let entry = who
        .audit("designations.create", Outcome::Ok)
        .with_target(format!("designations/{}", created.id))
        .with_details(serde_json::json!({ "unit_code": created.unit_code, "kind": created.kind }));
    audit::record(&state.pool, &entry).await?;
    Ok((StatusCode::CREATED, axum::Json(created)).into_response())
}
