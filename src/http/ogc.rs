//! OGC API – Features Part 1 (Core, GeoJSON) over the layer registry: landing page,
//! conformance, collections and queryables (the items are in `items`).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value as Json_, json};

use super::access::{readable, scope, visibility};
use super::cache;
use super::extract::{Params, Path};
use super::gate::Principal;
use super::items::GEOJSON;
use super::links::base_url;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::layers::values::today;
use crate::layers::{self, LAYERS, Layer, ParamKind, PropType, ReadScope};
use crate::layers::{params, query, used};
use crate::spatial::Crs;

/// Routes of this module. Each collection route admits every reader at the gate
/// (`ReadPublic`); the handler then checks the collection's own sensitivity.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/api/v1", Permission::Public, landing),
        Route::get("/api/v1/conformance", Permission::Public, conformance),
        Route::get("/api/v1/collections", Permission::ReadPublic, collections),
        Route::get("/api/v1/collections/{id}", Permission::ReadPublic, collection),
        Route::get("/api/v1/collections/{id}/queryables", Permission::ReadPublic, queryables),
    ]
}

/// `GET /api/v1`: the landing page.
pub async fn landing(headers: HeaderMap) -> Json<Json_> {
    let base = base_url(&headers);
    Json(json!({
        "title": "ANTQ Atlas",
        "description": "Bản đồ an ninh trật tự cơ sở / Grassroots security and order map (OGC API – Features)",
        "links": [
            {"href": base, "rel": "self", "type": "application/json", "title": "this document"},
            {"href": format!("{base}/openapi.json"), "rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0", "title": "the API definition"},
            {"href": format!("{base}/conformance"), "rel": "conformance", "type": "application/json", "title": "conformance classes"},
            {"href": format!("{base}/collections"), "rel": "data", "type": "application/json", "title": "the collections"},
        ]
    }))
}

/// `GET /api/v1/conformance`.
pub async fn conformance() -> Json<Json_> {
    Json(json!({ "conformsTo": [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    ]}))
}

/// The description of one collection, as in `/collections` and `/collections/{id}`.
async fn describe(state: &AppState, layer: &Layer, scope: &ReadScope, base: &str) -> Result<Json_> {
    // An analysis is computed for its parameters; its extent is the province's, not worth a run.
    let query::Extent { bbox, time } = match layers::find("provinces") {
        Some(province) if !layer.params.is_empty() => {
            let query::Extent { bbox, .. } = query::extent(state.read_pool(), province, scope).await?;
            query::Extent { bbox, time: None }
        }
        _ => query::extent(state.read_pool(), layer, scope).await?,
    };
    let id = layer.id;
    let mut extent = json!({ "spatial": {
        "bbox": [bbox.unwrap_or([102.1, 8.2, 109.5, 23.4])],
        "crs": Crs::URIS[0],
    }});
    if let Some([t0, t1]) = time {
        extent["temporal"] =
            json!({ "interval": [[t0, t1]], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian" });
    }
    Ok(json!({
        "id": id,
        "title": layer.title_vi,
        "description": layer.description,
        "titles": { "vi": layer.title_vi, "en": layer.title_en },
        "itemType": "feature",
        "crs": [Crs::URIS[0]],
        "storageCrs": Crs::URIS[0],
        "extent": extent,
        "geometryType": layer.geometry,
        "sensitivity": layer.sensitivity,
        "asOf": layer.temporal,
        "datetime": layer.time.is_some(),
        "parameters": layer.params.iter().map(param_schema).collect::<Vec<_>>(),
        "style": layer.style,
        "links": [
            {"href": format!("{base}/collections/{id}"), "rel": "self", "type": "application/json", "title": layer.title_vi},
            {"href": format!("{base}/collections/{id}/items"), "rel": "items", "type": GEOJSON, "title": "features"},
            {"href": format!("{base}/collections/{id}/queryables"), "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables", "type": "application/schema+json", "title": "queryables"},
            {"href": format!("{base}/collections/{id}/tiles/WebMercatorQuad/tilejson.json"), "rel": "describedby", "type": "application/json", "title": "vector tiles (TileJSON)"},
            {"href": format!("{base}/collections/{id}/export?f=geojson"), "rel": "enclosure", "type": GEOJSON, "title": "export GeoJSON"},
            {"href": format!("{base}/collections/{id}/export?f=csv"), "rel": "enclosure", "type": "text/csv", "title": "export CSV"},
            {"href": format!("{base}/collections/{id}/export?f=kml"), "rel": "enclosure", "type": "application/vnd.google-earth.kml+xml", "title": "export KML"},
        ]
    }))
}

/// A layer parameter as JSON Schema with its titles, for clients that build controls from it.
#[must_use]
pub fn param_schema(p: &layers::Param) -> Json_ {
    let mut schema = match p.kind {
        ParamKind::Number { min, max, default } => {
            json!({ "type": "number", "minimum": min, "maximum": max, "default": default })
        }
        ParamKind::Integer { min, max, default } => {
            json!({ "type": "integer", "minimum": min, "maximum": max, "default": default })
        }
        ParamKind::Window => json!({ "type": "string", "format": "interval" }),
        ParamKind::Date => json!({ "type": "string", "format": "date" }),
        ParamKind::Choice { choices } => json!({ "type": "string", "enum": choices }),
    };
    if schema.get("default").is_some_and(Json_::is_null) {
        schema.as_object_mut().map(|o| o.remove("default"));
    }
    schema["name"] = json!(p.name);
    schema["title"] = json!(p.title_vi);
    schema["titles"] = json!({ "vi": p.title_vi, "en": p.title_en });
    schema["description"] = json!(p.description);
    schema
}

/// `GET /api/v1/collections`: the layers the caller may read.
pub async fn collections(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
) -> Result<Json<Json_>> {
    let base = base_url(&headers);
    let mut scope = scope(&who, &state, None, today()).await?;
    if scope.restricted || scope.patrols {
        scope.jurisdiction = who.jurisdiction_filter(&state.pool, today()).await?;
    }
    let mut list = Vec::new();
    for layer in LAYERS.iter().filter(|l| scope.may_read(l)) {
        list.push(describe(&state, layer, &scope, &base).await?);
    }
    Ok(Json(json!({
        "links": [{"href": format!("{base}/collections"), "rel": "self", "type": "application/json", "title": "collections"}],
        "collections": list,
    })))
}

/// `GET /api/v1/collections/{id}`, taking the layer's parameters (and `as_of`) as its items do.
/// A layer with parameters also states `parametersUsed`: each parameter's value for this request,
/// defaults resolved as the computation resolves them (an analysis's hexagon edge and radius are
/// those of the run its items read, computed if need be). The list of collections leaves it out,
/// so listing never computes an analysis.
pub async fn collection(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Params(pairs): Params,
    headers: HeaderMap,
) -> Result<Json<Json_>> {
    let (layer, scope) = readable(&who, &state, &id, &pairs).await?;
    let mut parsed = params::parse_filters(layer, &pairs, &["f"]).map_err(|e| ApiError::BadRequest(e.0))?;
    // Filters on the features would change nothing here: refused rather than silently ignored.
    let f = &parsed.filters;
    if f.bbox.is_some() || f.datetime.is_some() || f.cql.is_some() || !f.properties.is_empty() {
        return Err(ApiError::BadRequest(format!(
            "a collection's description takes only as_of, the parameters of '{id}' and f; filters belong to its items"
        )));
    }
    if let Some(&(_, f)) = parsed.rest.iter().find(|(_, f)| !matches!(*f, "json" | "application/json")) {
        return Err(ApiError::BadRequest(format!("f: '{f}' is not served here; use f=json")));
    }
    let mut body = describe(&state, layer, &scope, &base_url(&headers)).await?;
    if !layer.params.is_empty() {
        body["parametersUsed"] =
            Json_::Object(used::parameters_used(&state.pool, layer, &mut parsed.filters).await?);
    }
    Ok(Json(body))
}

/// `GET /api/v1/collections/{id}/queryables`: a JSON Schema of the filterable properties.
pub async fn queryables(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let (layer, _) = readable(&who, &state, &id, &[]).await?;
    let mut props = serde_json::Map::new();
    props.insert(
        "geometry".into(),
        json!({ "$ref": format!("https://geojson.org/schema/{:?}.json", layer.geometry) }),
    );
    for p in layer.properties.iter().filter(|p| p.queryable) {
        let (ty, format) = p.ty.json_schema();
        let mut schema = json!({ "title": p.title_vi, "description": p.title_en, "type": ty });
        if let Some(f) = format {
            schema["format"] = json!(f);
        }
        if p.ty == PropType::TextList {
            schema["items"] = json!({ "type": "string" });
        }
        props.insert(p.name.into(), schema);
    }
    let body = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{}/collections/{id}/queryables", base_url(&headers)),
        "type": "object",
        "title": layer.title_vi,
        "properties": props,
        "additionalProperties": false,
    });
    Ok(cache::respond(&headers, body.to_string().into_bytes(), "application/schema+json", visibility(layer)))
}
