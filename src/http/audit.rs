//! `GET /audit`: the audit log, for admins, filtered by `user`, `action` (exact, or a prefix
//! ending in `.`), `from` and `to` (RFC 3339 times) and `limit`.

use axum::extract::State;

use super::extract::Query;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::audit::{self, Filter, Row};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![Route::get("/audit", Permission::Admin, list)]
}

/// 200 with the matching rows, newest first.
async fn list(State(state): State<AppState>, Query(filter): Query<Filter>) -> Result<axum::Json<Vec<Row>>> {
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        return Err(ApiError::BadRequest("`from` is after `to`".into()));
    }
    Ok(axum::Json(audit::list(&state.pool, &filter).await?))
}
