//! `GET /api/v1/units/{code}/lineage`: what a unit came from and what it became, with dates and
//! the basis of each change (a merge, a transfer, a rename), through every reorganisation.

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::extract::Path;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    // Boundaries are public layers: their history is as public as they are.
    vec![Route::get("/api/v1/units/{code}/lineage", Permission::ReadPublic, lineage)]
}

async fn lineage(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<Value>> {
    db::lineage::lineage(state.read_pool(), &code)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no administrative unit has ever had the code {code}")))
}
