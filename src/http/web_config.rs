//! `GET /config.json`: what the web map needs to know about this installation before sign-in
//! (the base map). Public, like the page itself, and it holds nothing secret.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::AppState;
use super::routes::Route;
use crate::auth::Permission;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![Route::get("/config.json", Permission::Public, web_config)]
}

/// The base map (`null`: a plain background, so the page asks nothing of any other server).
async fn web_config(State(state): State<AppState>) -> Json<Value> {
    let basemap = state
        .http
        .basemap_url
        .as_ref()
        .map(|url| json!({ "url": url, "attribution": state.http.basemap_attribution }));
    Json(json!({ "basemap": basemap, "service": env!("CARGO_PKG_VERSION") }))
}
