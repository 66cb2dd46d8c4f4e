//! OGC API – Features Part 1 (Core, GeoJSON) over the layer registry: landing page,
//! conformance, collections, queryables, items and single items.

use std::fmt::Write as _;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value as Json_, json};

use super::cache::{self, Visibility};
use super::gate::Principal;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::layers::params::{self, Crs, Filters};
use crate::layers::query::{self, FeatureShape, Page};
use crate::layers::{self, LAYERS, Layer, ParamKind, ReadScope, Sensitivity};

/// Largest page; a larger `limit` is served as this (OGC: not an error).
pub const MAX_LIMIT: u64 = 10_000;
const DEFAULT_LIMIT: u64 = 100;
const ITEM_PARAMS: [&str; 7] = ["f", "limit", "offset", "properties", "sortby", "precision", "zoom"];
const GEOJSON: &str = "application/geo+json";

/// The request's own origin, for absolute links (GIS clients follow them).
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let https = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()) == Some("https");
    format!("{}://{host}/api/v1", if https { "https" } else { "http" })
}

/// `pairs` as a query string with its leading `?`, or nothing when there are none.
pub fn query_string<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let encoded: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).collect();
    match serde_urlencoded::to_string(&encoded) {
        Ok(qs) if !qs.is_empty() => format!("?{qs}"),
        _ => String::new(),
    }
}

/// Splits a raw query string into pairs.
///
/// # Errors
/// The query string is not `application/x-www-form-urlencoded`.
pub fn pairs(raw: Option<&str>) -> Result<Vec<(String, String)>> {
    serde_urlencoded::from_str(raw.unwrap_or_default())
        .map_err(|e| ApiError::BadRequest(format!("the query string cannot be read: {e}")))
}

/// Routes of this module. Each collection route admits every reader at the gate
/// (`ReadPublic`); the handler then checks the collection's own sensitivity.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/api/v1", Permission::Public, landing),
        Route::get("/api/v1/conformance", Permission::Public, conformance),
        Route::get("/api/v1/collections", Permission::ReadPublic, collections),
        Route::get("/api/v1/collections/{id}", Permission::ReadPublic, collection),
        Route::get("/api/v1/collections/{id}/queryables", Permission::ReadPublic, queryables),
        Route::get("/api/v1/collections/{id}/items", Permission::ReadPublic, items),
        Route::get("/api/v1/collections/{id}/items/{fid}", Permission::ReadPublic, item),
    ]
}

/// What `who` may read of the layers. The jurisdiction (a geometry) is looked up only when
/// `layer` is restricted, the one kind of layer it bounds.
///
/// # Errors
/// The database fails.
pub async fn scope(who: &Principal, state: &AppState, layer: Option<&Layer>) -> Result<ReadScope> {
    let mut scope = ReadScope {
        public: who.has(Permission::ReadPublic),
        internal: who.has(Permission::ReadInternal),
        restricted: who.has(Permission::ReadRestricted),
        patrols: who.has(Permission::ReadPatrols),
        analyse: who.has(Permission::Analyse),
        jurisdiction: None,
    };
    if layer.is_some_and(|l| matches!(l.sensitivity, Sensitivity::Restricted | Sensitivity::Analysis)) {
        scope.jurisdiction = who.jurisdiction_filter(&state.pool).await?;
    }
    Ok(scope)
}

/// The layer `id` and the caller's scope on it, if it exists and the caller may read it. An
/// unreadable layer is forbidden, not hidden: the registry is public code.
///
/// # Errors
/// Unknown or forbidden collection; the database fails.
pub async fn readable(who: &Principal, state: &AppState, id: &str) -> Result<(&'static Layer, ReadScope)> {
    let layer = layers::find(id).ok_or_else(|| ApiError::NotFound(format!("collection '{id}'")))?;
    let scope = scope(who, state, Some(layer)).await?;
    if scope.may_read(layer) {
        Ok((layer, scope))
    } else {
        Err(ApiError::Forbidden(format!("your role may not read collection '{id}'")))
    }
}

/// How a layer's responses may be cached.
pub fn visibility(layer: &Layer) -> Visibility {
    if layer.sensitivity == Sensitivity::Public { Visibility::Public } else { Visibility::Private }
}

fn bad(e: params::ParamError) -> ApiError {
    ApiError::BadRequest(e.0)
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
    let mut scope = scope(&who, &state, None).await?;
    if scope.restricted || scope.patrols {
        scope.jurisdiction = who.jurisdiction_filter(&state.pool).await?;
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

/// `GET /api/v1/collections/{id}`.
pub async fn collection(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Json_>> {
    let (layer, scope) = readable(&who, &state, &id).await?;
    Ok(Json(describe(&state, layer, &scope, &base_url(&headers)).await?))
}

/// `GET /api/v1/collections/{id}/queryables`: a JSON Schema of the filterable properties.
pub async fn queryables(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let (layer, _) = readable(&who, &state, &id).await?;
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

fn parse_page(layer: &'static Layer, rest: &[(&str, &str)]) -> Result<Page> {
    let mut page = Page {
        limit: DEFAULT_LIMIT,
        offset: 0,
        shape: FeatureShape { properties: None, precision: 6, simplify: None },
        sortby: Vec::new(),
    };
    let property = |name: &str, param: &str| {
        layer.property(name).map(|p| p.name).ok_or_else(|| {
            ApiError::BadRequest(format!("{param}: collection '{}' has no property '{name}'", layer.id))
        })
    };
    for &(key, value) in rest {
        match key {
            "f" if matches!(value, "json" | "geojson") => {}
            "f" => {
                return Err(ApiError::BadRequest(format!("f: '{value}' is not served here; use f=geojson")));
            }
            "limit" => {
                page.limit = params::parse_count("limit", value, 1, u64::MAX).map_err(bad)?.min(MAX_LIMIT);
            }
            "offset" => page.offset = params::parse_count("offset", value, 0, 1_000_000_000).map_err(bad)?,
            "precision" => {
                page.shape.precision =
                    u8::try_from(params::parse_count("precision", value, 0, 15).map_err(bad)?).unwrap_or(15);
            }
            "zoom" => {
                let z = params::parse_count("zoom", value, 0, 24).map_err(bad)?;
                // Half a pixel of a 256-pixel tile at that zoom, in degrees.
                page.shape.simplify = Some(360.0 / (256.0 * 2f64.powi(i32::try_from(z).unwrap_or(24))) / 2.0);
            }
            "properties" => {
                let names = value.split(',').filter(|s| !s.is_empty()).map(|n| property(n, "properties"));
                page.shape.properties = Some(names.collect::<Result<_>>()?);
            }
            "sortby" => {
                for term in value.split(',').filter(|s| !s.is_empty()) {
                    let (name, desc) = match term.as_bytes()[0] {
                        b'-' => (&term[1..], true),
                        b'+' => (&term[1..], false),
                        _ => (term, false),
                    };
                    page.sortby.push((property(name, "sortby")?, desc));
                }
            }
            _ => {}
        }
    }
    Ok(page)
}

/// `GET /api/v1/collections/{id}/items`.
pub async fn items(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response> {
    let (layer, scope) = readable(&who, &state, &id).await?;
    let pairs = pairs(raw.as_deref())?;
    let mut parsed = params::parse_filters(layer, &pairs, &ITEM_PARAMS).map_err(bad)?;
    let page = parse_page(layer, &parsed.rest)?;
    layers::analysis::prepare_filters(&state.pool, layer, &mut parsed.filters).await?;
    let filters: &Filters = &parsed.filters;
    let (matched, features) = tokio::try_join!(
        query::count(state.layer_pool(layer), layer, filters, &scope),
        query::items(state.layer_pool(layer), layer, filters, &scope, &page),
    )?;
    let matched = u64::try_from(matched).unwrap_or(0);
    let returned = features.len() as u64;

    let base = base_url(&headers);
    let link = |rel: &str, offset: Option<u64>| {
        let mut q: Vec<(String, String)> = pairs.iter().filter(|(k, _)| k != "offset").cloned().collect();
        if let Some(o) = offset.filter(|o| *o > 0) {
            q.push(("offset".into(), o.to_string()));
        }
        json!({"href": format!("{base}/collections/{id}/items{}", query_string(&q)), "rel": rel, "type": GEOJSON})
    };
    let mut links = vec![link("self", Some(page.offset))];
    if page.offset + returned < matched {
        links.push(link("next", Some(page.offset + returned)));
    }
    if page.offset > 0 {
        links.push(link("prev", Some(page.offset.saturating_sub(page.limit))));
    }
    links.push(
        json!({"href": format!("{base}/collections/{id}"), "rel": "collection", "type": "application/json"}),
    );
    // The same features, every page of them, as files (with the same filters).
    let filters: Vec<&(String, String)> =
        pairs.iter().filter(|(k, _)| !ITEM_PARAMS.contains(&k.as_str())).collect();
    for (f, media) in [("csv", "text/csv"), ("kml", "application/vnd.google-earth.kml+xml")] {
        let mut q = vec![("f", f)];
        q.extend(filters.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        links.push(
            json!({"href": format!("{base}/collections/{id}/export{}", query_string(&q)), "rel": "alternate", "type": media,
                          "title": format!("{} ({f}, all pages)", layer.title_vi)}),
        );
    }

    // The features are already GeoJSON text from PostGIS: splice, do not re-parse.
    let mut body = String::with_capacity(features.iter().map(String::len).sum::<usize>() + 512);
    body.push_str("{\"type\":\"FeatureCollection\",\"features\":[");
    body.push_str(&features.join(","));
    let _ = write!(
        body,
        "],\"numberMatched\":{matched},\"numberReturned\":{returned},\"links\":{}",
        Json_::Array(links)
    );
    // The generation time is left out of the entity tag: the same data gives the same tag.
    let tag = cache::etag(body.as_bytes());
    let _ = write!(body, ",\"timeStamp\":\"{}\"}}", chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ"));
    Ok(cache::respond_tagged(&headers, &tag, body.into_bytes(), GEOJSON, visibility(layer)))
}

/// `GET /api/v1/collections/{id}/items/{fid}`.
pub async fn item(
    State(state): State<AppState>,
    who: Principal,
    Path((id, fid)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response> {
    let (layer, scope) = readable(&who, &state, &id).await?;
    let pairs = pairs(raw.as_deref())?;
    let mut parsed = params::parse_filters(layer, &pairs, &["f", "properties", "precision"]).map_err(bad)?;
    if !parsed.filters.properties.is_empty()
        || parsed.filters.bbox.is_some()
        || parsed.filters.datetime.is_some()
    {
        return Err(ApiError::BadRequest(
            "a single feature takes only as_of, the collection's parameters, f, properties and precision"
                .into(),
        ));
    }
    let page = parse_page(layer, &parsed.rest)?;
    layers::analysis::prepare_filters(&state.pool, layer, &mut parsed.filters).await?;
    let not_found = || ApiError::NotFound(format!("feature '{fid}' in collection '{id}'"));
    let fid_num: i64 = fid.parse().map_err(|_| not_found())?;
    // Key points are edited with If-Match: their tag is the row's version, as the write API
    // sends it, so a client may read here and PATCH. It is read before the feature: should an
    // edit fall in between, the tag is older than the body and the PATCH gets a 412, never a
    // silent overwrite.
    let version = if layer.id == "key_points" {
        crate::db::key_points::version(state.layer_pool(layer), fid_num).await?
    } else {
        None
    };
    let feature = query::item(state.layer_pool(layer), layer, fid_num, &parsed.filters, &scope, &page.shape)
        .await?
        .ok_or_else(not_found)?;
    let base = base_url(&headers);
    let mut value: Json_ = serde_json::from_str(&feature).map_err(|e| ApiError::Internal(e.into()))?;
    value["links"] = json!([
        {"href": format!("{base}/collections/{id}/items/{fid}"), "rel": "self", "type": GEOJSON},
        {"href": format!("{base}/collections/{id}"), "rel": "collection", "type": "application/json"},
    ]);
    let body = value.to_string().into_bytes();
    match version {
        Some(v) => {
            let tag = format!("\"{v}\"");
            Ok(cache::respond_tagged(&headers, &tag, body, GEOJSON, visibility(layer)))
        }
        None => Ok(cache::respond(&headers, body, GEOJSON, visibility(layer))),
    }
}
