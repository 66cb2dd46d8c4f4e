//! `GET /audit`: the audit log, for admins, filtered by `user`, `action` (exact, or a prefix
//! ending in `.`), `from` and `to` (RFC 3339 times) and `limit`.

use axum::extract::State;
use chrono::{DateTime, Utc};

use super::extract::{Limit, Query, Text};
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::audit::{self, Filter, Row};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![Route::get("/audit", Permission::Admin, list)]
}

/// The query of `/audit`: unknown parameters are refused, so a misspelt filter never widens the
/// answer to the whole log.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    user: Option<Text<64>>,
    action: Option<Text<100>>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    limit: Option<Limit<1000>>,
}

/// 200 with the matching rows, newest first.
async fn list(State(state): State<AppState>, Query(q): Query<AuditQuery>) -> Result<axum::Json<Vec<Row>>> {
    let filter = Filter {
        user: q.user.map(|t| t.0),
        action: q.action.map(|t| t.0),
        from: q.from,
        to: q.to,
        limit: q.limit.and_then(|l| i64::try_from(l.0).ok()),
    };
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        return Err(ApiError::BadRequest("`from` is after `to`".into()));
    }
    Ok(axum::Json(audit::list(&state.pool, &filter).await?))
}
