//! Vector tiles and their TileJSON, for every layer of the registry.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use serde_json::json;

use super::access::{readable, visibility};
use super::cache;
use super::extract::{Params, Path};
use super::gate::Principal;
use super::links::{base_url, query_string};
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::layers::Layer;
use crate::layers::params::{self, Filters};
use crate::layers::query;
use crate::layers::tile_cache::{TileBytes, TileKey};
use crate::layers::tiles;
use crate::spatial::{MAX_ZOOM, TileCoord};

const MVT: &str = "application/vnd.mapbox-vector-tile";

/// Routes of this module; the handlers check each collection's own sensitivity.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get(
            "/api/v1/collections/{id}/tiles/WebMercatorQuad/tilejson.json",
            Permission::ReadPublic,
            tilejson,
        ),
        Route::get(
            "/api/v1/collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}",
            Permission::ReadPublic,
            tile,
        ),
    ]
}

fn tile_filters(layer: &'static Layer, pairs: &[(String, String)]) -> Result<Filters> {
    let parsed = params::parse_filters(layer, pairs, &[]).map_err(|e| ApiError::BadRequest(e.0))?;
    if parsed.filters.bbox.is_some() {
        return Err(ApiError::BadRequest("bbox: a tile is its own bounding box".into()));
    }
    Ok(parsed.filters)
}

/// `GET /api/v1/collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}`: 200 with a tile, 204 when
/// it is empty, 400 for a tile that cannot exist.
pub async fn tile(
    State(state): State<AppState>,
    who: Principal,
    Path((id, z, y, x)): Path<(String, String, String, String)>,
    Params(pairs): Params,
    headers: HeaderMap,
) -> Result<Response> {
    let (layer, scope) = readable(&who, &state, &id, &pairs).await?;
    let number = |name: &str, v: &str| {
        v.parse::<u32>().map_err(|_| ApiError::BadRequest(format!("tile {name} '{v}' is not a whole number")))
    };
    let coord = TileCoord::new_checked(number("zoom", &z)?, number("column", &x)?, number("row", &y)?)
        .map_err(|e| ApiError::BadRequest(e.0))?;
    let mut filters = tile_filters(layer, &pairs)?;
    crate::layers::analysis_runs::prepare_filters(&state.pool, layer, &mut filters).await?;
    let pool = state.layer_pool(layer);
    let statement = tiles::statement(layer, coord, &filters, &scope);
    let key = TileKey::new(layer, coord, &statement, &scope);
    let cached = state.tiles.get(&key);
    // The data version alone first only when it may spare making the tile: a cached one to
    // confirm, or the client's copy (304). Otherwise the tile's statement reads it with the tile.
    let mut known = None;
    if cached.is_some() || headers.contains_key(header::IF_NONE_MATCH) {
        let version = crate::db::data_versions::of_tables(pool, layer.reads).await?;
        let tag = key.etag(version);
        if cache::unchanged(&headers, &tag) {
            return Ok(cache::not_modified(&tag, visibility(layer)));
        }
        known = cached.filter(|(made_at, _)| *made_at == version);
    }
    let (version, bytes) = if let Some(hit) = known {
        hit
    } else {
        let (version, bytes) =
            tiles::run_versioned(pool, layer, &tiles::versioned(layer, &statement)).await?;
        let bytes = TileBytes::from(bytes);
        state.tiles.put(key, version, bytes.clone());
        (version, bytes)
    };
    let tag = key.etag(version);
    if bytes.is_empty() {
        return Ok(cache::empty(&tag, visibility(layer)));
    }
    Ok(cache::respond_tagged(&headers, &tag, bytes, MVT, visibility(layer)))
}

/// The layer's entry in TileJSON's `vector_layers`: its fields, and for a layer aggregated at
/// low zooms what its tiles carry there (the legend a tile client reads), Vietnamese first.
fn vector_layer(layer: &Layer, mut fields: serde_json::Map<String, serde_json::Value>) -> serde_json::Value {
    let Some(below) = layer.aggregate_below else {
        return json!({ "id": layer.id, "fields": fields, "minzoom": 0, "maxzoom": MAX_ZOOM });
    };
    fields.insert("count".into(), json!("Number"));
    let by = layer.style.category_property.unwrap_or("-");
    json!({
        "id": layer.id,
        "fields": fields,
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "description": format!(
            "Dưới mức thu phóng {below}: mỗi ô lưới {c}×{c} của ô bản đồ là một điểm gộp, với count (số đối tượng) \
             và count_<{by}> theo từng loại; từ mức {below}: từng đối tượng. Below zoom {below}: one point per \
             cell of a {c}×{c} grid per tile, with count and count_<{by}> per category; from zoom {below}: \
             each feature.",
            c = tiles::CELLS
        ),
        "antq:aggregate_below": below,
    })
}

/// `GET /api/v1/collections/{id}/tiles/WebMercatorQuad/tilejson.json` (TileJSON 3.0); the
/// tile URLs carry the same filters as this request.
pub async fn tilejson(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Params(pairs): Params,
    headers: HeaderMap,
) -> Result<Response> {
    let (layer, scope) = readable(&who, &state, &id, &pairs).await?;
    tile_filters(layer, &pairs)?;
    let bbox = query::extent(state.layer_pool(layer), layer, &scope).await?.bbox;
    let qs = query_string(&pairs);
    let fields = tiles::vector_fields(layer);
    let body = json!({
        "tilejson": "3.0.0",
        "name": layer.id,
        "description": layer.title_vi,
        "scheme": "xyz",
        "tiles": [format!("{}/collections/{}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}{qs}", base_url(&headers), layer.id)],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": bbox.unwrap_or([-180.0, -85.05, 180.0, 85.05]),
        "vector_layers": [vector_layer(layer, fields)],
    });
    Ok(cache::respond(&headers, body.to_string().into_bytes(), "application/json", visibility(layer)))
}
