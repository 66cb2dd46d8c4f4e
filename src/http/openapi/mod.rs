//! The OpenAPI 3.0 definition, built from the route table and the layer registry, so it cannot
//! drift from what the service answers: every declared route must have a description here (a test
//! walks `http::routes()`), and each collection's paths list that layer's own queryables as
//! parameters. `/api/v1/api.html` shows it offline.

//!
//! The files: `parts` (the pieces operations are made of), `collections` (the layers' routes),
//! `service` (sign-in, metadata, reports, analyses, search), `writes` (writes and imports) and
//! `offline` (the base map file, area packages).

mod collections;
mod offline;
mod parts;
mod service;
mod writes;

use axum::Json;
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::links::base_url;
use super::routes::Route;
use crate::auth::Permission;
use crate::layers::LAYERS;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/api/v1/openapi.json", Permission::Public, document),
        Route::get("/api/v1/api.html", Permission::Public, page),
    ]
}

/// `GET /api/v1/openapi.json`.
async fn document(headers: HeaderMap) -> Response {
    let mut response = Json(definition(&super::routes(), &base_url(&headers))).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/vnd.oai.openapi+json;version=3.0"),
    );
    response
}

/// `GET /api/v1/api.html`: the definition as a readable page, with no request leaving the server.
async fn page() -> Html<&'static str> {
    Html(include_str!("../api.html"))
}

/// The operations of one declared route: one per collection for the collection routes.
fn describe(route: &Route) -> Option<Vec<(String, Value)>> {
    if route.path.starts_with("/api/v1/collections/{id}") {
        let ops: Option<Vec<_>> = LAYERS
            .iter()
            .map(|l| collections::of_layer(route, l).map(|op| (route.path.replace("{id}", l.id), op)))
            .collect();
        return ops;
    }
    if let Some(ops) = writes::describe(route) {
        return Some(ops);
    }
    let op = service::service_operation(route)
        .or_else(|| service::data_operation(route))
        .or_else(|| service::analysis_operation(route))
        .or_else(|| offline::offline_operation(route))?;
    Some(vec![(route.path.to_owned(), op)])
}

/// The declared routes that have no description here; a test keeps this empty.
#[must_use]
pub fn undescribed(routes: &[Route]) -> Vec<String> {
    routes.iter().filter(|r| describe(r).is_none()).map(|r| format!("{r:?}")).collect()
}

/// The definition of `routes`, with `server` as its server URL.
#[must_use]
pub fn definition(routes: &[Route], server: &str) -> Value {
    let mut paths = Map::new();
    for route in routes {
        let Some(ops) = describe(route) else {
            tracing::error!(route = ?route, "a route has no OpenAPI description");
            continue;
        };
        for (path, op) in ops {
            let entry = paths.entry(path).or_insert_with(|| json!({}));
            entry[route.method.as_str().to_lowercase()] = op;
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "ANTQ Atlas",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Bản đồ an ninh trật tự cơ sở / Grassroots security and order map: OGC API – Features, vector tiles, exports, reports",
        },
        "servers": [{ "url": server.trim_end_matches("/api/v1") }],
        "security": [{ "bearerAuth": [] }, { "cookieAuth": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": { "type": "http", "scheme": "bearer", "description": "an API token (antq token create)" },
                "cookieAuth": { "type": "apiKey", "in": "cookie", "name": "antq_session" },
            },
            "schemas": {
                "exception": { "type": "object", "required": ["code", "description"],
                    "properties": { "code": { "type": "string" }, "description": { "type": "string" } } },
            },
        },
    })
}
