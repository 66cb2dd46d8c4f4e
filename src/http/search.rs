//! `GET /api/v1/search?q=...&limit=...&as_of=...`: find a unit, a post, a marker, a model site
//! or (for those who may read them) a key point by name or code.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use super::extract::pairs;
use super::gate::Principal;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::search::{self, KeyPoints};
use crate::layers::values::today;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![Route::get("/api/v1/search", Permission::ReadPublic, find)]
}

async fn find(State(state): State<AppState>, who: Principal, RawQuery(raw): RawQuery) -> Result<Json<Value>> {
    let (mut text, mut limit, mut as_of) = (None, 10, today());
    for (key, value) in pairs(raw.as_deref())? {
        match key.as_str() {
            "q" if (1..=200).contains(&value.trim().chars().count()) => text = Some(value),
            "q" => return Err(ApiError::BadRequest("q: give 1 to 200 characters".into())),
            "limit" => {
                limit = value.parse().ok().filter(|n| (1..=50).contains(n)).ok_or_else(|| {
                    ApiError::BadRequest(format!("limit: '{value}' is not a whole number from 1 to 50"))
                })?;
            }
            "as_of" => {
                as_of = crate::layers::values::parse_date(&value).ok_or_else(|| {
                    ApiError::BadRequest(format!("as_of: '{value}' is not a date YYYY-MM-DD"))
                })?;
            }
            other => {
                return Err(ApiError::BadRequest(format!(
                    "unknown parameter '{other}'; search takes q, limit, as_of"
                )));
            }
        }
    }
    let text = text.ok_or_else(|| ApiError::BadRequest("q: required".into()))?;
    let key_points = if who.has(Permission::ReadRestricted) {
        match who.jurisdiction_filter(&state.pool).await? {
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
