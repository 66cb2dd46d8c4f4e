//! `GET /api/v1/search?q=...&limit=...&as_of=...`: find a unit, a post, a marker, a model site
//! or (for those who may read them) a key point by name or code.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{AsOf, Limit, Query, Text};
use super::gate::Principal;
use super::routes::Route;
use super::{AppState, Result};
use crate::auth::Permission;
use crate::db::search::{self, KeyPoints};
use crate::layers::values::today;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![Route::get("/api/v1/search", Permission::ReadPublic, find)]
}

/// The query: what to find (1 to 200 characters), how many hits (default 10), as of when.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    q: Text<200>,
    limit: Option<Limit<50>>,
    as_of: Option<AsOf>,
}

async fn find(
    State(state): State<AppState>,
    who: Principal,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Value>> {
    let (text, limit, as_of) =
        (query.q.0, query.limit.map_or(10, |l| l.0), query.as_of.map_or_else(today, |d| d.0));
    let limit = i64::try_from(limit).unwrap_or(10);
    let key_points = if who.has(Permission::ReadRestricted) {
        match who.jurisdiction_filter(&state.pool, as_of).await? {
            Some(area) => KeyPoints::Within(area),
            None => KeyPoints::Everywhere,
        }
    } else {
        KeyPoints::Hidden
    };
    let models = who.has(Permission::ReadInternal);
    let hits = search::search(state.read_pool(), &text, as_of, limit, models, &key_points).await?;
    Ok(Json(json!({ "query": text, "as_of": as_of, "results": hits })))
}
