//! Model site reads and writes under `/api/v1/model-sites`, with the rules of key points (see
//! `key_points` and `point_writes`): 201 + `Location`, `ETag`, `If-Match` required on `PATCH`/`DELETE`, archive
//! instead of delete, jurisdiction at the old and new place, every write audited.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::extract::Path;
use super::point_writes::{PointTable, archive, create, not_found, point_table_sql, update};
use super::routes::Route;
use super::writes;
use super::{AppState, Result};
use crate::auth::Permission;
use crate::db::model_sites::{self, ModelSitePatch, NewModelSite};

/// Where model sites are created; an item's URL is this and its id.
pub const BASE: &str = "/api/v1/model-sites";

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![
        Route::post("/api/v1/model-sites", Permission::Write, create::<ModelSites>),
        Route::get("/api/v1/model-sites/{id}", Permission::ReadInternal, read),
        Route::patch("/api/v1/model-sites/{id}", Permission::Write, update::<ModelSites>),
        Route::delete("/api/v1/model-sites/{id}", Permission::Write, archive::<ModelSites>),
    ]
}

/// Model sites as a `PointTable`: they have no checks of their own.
pub struct ModelSites;

impl PointTable for ModelSites {
    const NOUN: &'static str = "model site";
    const ACTION: &'static str = "model_site";
    const BASE: &'static str = BASE;
    type New = NewModelSite;
    type Patch = ModelSitePatch;

    fn place(new: &NewModelSite) -> (f64, f64) {
        (new.lon, new.lat)
    }
    fn moves_to(patch: &ModelSitePatch) -> (Option<f64>, Option<f64>) {
        (patch.lon, patch.lat)
    }
    fn code(patch: &ModelSitePatch) -> Option<&str> {
        patch.code.as_deref()
    }
    fn check(_: &Value, _: &ModelSitePatch) -> Result<()> {
        Ok(())
    }
    point_table_sql!(model_sites);
}

/// 200 with the site and its `ETag`; 404. Model sites are internal, not jurisdiction-bound.
async fn read(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response> {
    let mut conn = state.pool.acquire().await?;
    let (row, _, _) = model_sites::lock(&mut conn, id).await?.ok_or_else(|| not_found::<ModelSites>(id))?;
    Ok(writes::respond(StatusCode::OK, &row))
}
