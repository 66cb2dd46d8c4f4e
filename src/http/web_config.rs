//! `GET /config.json`: what the web map needs to know about this installation before sign-in
//! (the base map: an online template, or the file antq serves itself under `/basemap/`).
//! Public, like the page itself, and it holds nothing secret.

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
/// A file's entry says its format (`vector`: MVT, drawn by a vector renderer, not as images),
/// zooms and bounds, so a client neither asks for tiles it lacks nor stretches them wrongly.
async fn web_config(State(state): State<AppState>) -> Json<Value> {
    let http = &state.http;
    let basemap = if let Some(file) = &http.basemap_file {
        let info = file.info();
        // The operator's attribution wins over the file's own (which some tools leave empty).
        let attribution = Some(http.basemap_attribution.clone())
            .filter(|a| !a.is_empty())
            .or_else(|| info.attribution.clone())
            .unwrap_or_default();
        Some(json!({
            "url": "/basemap/{z}/{x}/{y}",
            "attribution": attribution,
            "format": info.format,
            "vector": info.format.is_vector(),
            "minzoom": info.minzoom,
            "maxzoom": info.maxzoom,
            "bounds": info.bounds,
            "pmtiles": (info.container == "pmtiles").then_some("/basemap.pmtiles"),
        }))
    } else {
        http.basemap_url.as_ref().map(|url| json!({ "url": url, "attribution": http.basemap_attribution }))
    };
    Json(json!({ "basemap": basemap, "service": env!("CARGO_PKG_VERSION") }))
}
