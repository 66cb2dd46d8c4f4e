//! OGC API – Features items: a page of a layer's features (`/items`) and one feature
//! (`/items/{fid}`), as RFC 7946 GeoJSON with paging and alternate links.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value as Json_, json};

use super::access::{readable, visibility};
use super::cache;
use super::extract::{Params, Path};
use super::gate::Principal;
use super::links::{base_url, query_string};
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::layers::formats::FeatureCollection;
use crate::layers::params::{self, Filters};
use crate::layers::query::{self, FeatureShape, Page};
use crate::layers::values::ParamError;
use crate::layers::{self, Layer};

/// Largest page; a larger `limit` is served as this (OGC: not an error).
pub const MAX_LIMIT: u64 = 10_000;
const DEFAULT_LIMIT: u64 = 100;
const ITEM_PARAMS: [&str; 7] = ["f", "limit", "offset", "properties", "sortby", "precision", "zoom"];
pub const GEOJSON: &str = "application/geo+json";

/// Routes of this module: each admits every reader at the gate (`ReadPublic`); the handler then
/// checks the collection's own sensitivity.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/api/v1/collections/{id}/items", Permission::ReadPublic, items),
        Route::get("/api/v1/collections/{id}/items/{fid}", Permission::ReadPublic, item),
    ]
}

fn bad(e: ParamError) -> ApiError {
    ApiError::BadRequest(e.0)
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
    Params(pairs): Params,
    headers: HeaderMap,
) -> Result<Response> {
    let (layer, scope) = readable(&who, &state, &id, &pairs).await?;
    let mut parsed = params::parse_filters(layer, &pairs, &ITEM_PARAMS).map_err(bad)?;
    let page = parse_page(layer, &parsed.rest)?;
    layers::analysis_runs::prepare_filters(&state.pool, layer, &mut parsed.filters).await?;
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
    let mut body = Vec::with_capacity(features.iter().map(String::len).sum::<usize>() + 512);
    let mut collection = FeatureCollection::open(&mut body, None, false);
    for feature in &features {
        collection.push(&mut body, feature);
    }
    let members = [
        ("numberMatched", json!(matched)),
        ("numberReturned", json!(returned)),
        ("links", Json_::Array(links)),
    ];
    collection.close(&mut body, &members);
    // The generation time is left out of the entity tag: the same data gives the same tag.
    let tag = cache::etag(&body);
    body.pop();
    let stamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    body.extend_from_slice(format!(",\"timeStamp\":\"{stamp}\"}}").as_bytes());
    Ok(cache::respond_tagged(&headers, &tag, body, GEOJSON, visibility(layer)))
}

/// `GET /api/v1/collections/{id}/items/{fid}`.
pub async fn item(
    State(state): State<AppState>,
    who: Principal,
    Path((id, fid)): Path<(String, String)>,
    Params(pairs): Params,
    headers: HeaderMap,
) -> Result<Response> {
    let (layer, scope) = readable(&who, &state, &id, &pairs).await?;
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
    layers::analysis_runs::prepare_filters(&state.pool, layer, &mut parsed.filters).await?;
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
