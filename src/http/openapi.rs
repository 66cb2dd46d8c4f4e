//! The OpenAPI 3.0 definition, built from the route table and the layer registry, so it cannot
//! drift from what the service answers: every declared route must have a description here (a test
//! walks `http::routes()`), and each collection's paths list that layer's own queryables as
//! parameters. `/api/v1/api.html` shows it offline.

use axum::Json;
use axum::http::{HeaderMap, Method, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::ogc::{MAX_LIMIT, base_url};
use super::routes::Route;
use crate::auth::Permission;
use crate::layers::params::Crs;
use crate::layers::tiles::MAX_ZOOM;
use crate::layers::{LAYERS, Layer};

mod writes;

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
    Html(include_str!("api.html"))
}

fn param(name: &str, location: &str, required: bool, schema: Value, description: &str) -> Value {
    let mut p = json!({ "name": name, "in": location, "required": required, "description": description });
    p["schema"] = schema;
    p
}

fn query(name: &str, schema: Value, description: &str) -> Value {
    param(name, "query", false, schema, description)
}

/// The parameters shared by items, tiles and exports of `layer`: its filters.
fn filters(layer: &Layer, with_bbox: bool) -> Vec<Value> {
    let mut out = Vec::new();
    if with_bbox {
        out.push(json!({
            "name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
            "schema": { "type": "array", "minItems": 4, "maxItems": 6, "items": { "type": "number" } },
            "description": "minimum longitude, minimum latitude, maximum longitude, maximum latitude (in bbox-crs)",
        }));
        out.push(query(
            "bbox-crs",
            json!({ "type": "string", "enum": Crs::URIS }),
            "CRS of bbox (default CRS84)",
        ));
    }
    if layer.time.is_some() && layer.param("datetime").is_none() {
        out.push(query(
            "datetime",
            json!({ "type": "string" }),
            "an instant or an interval start/end ('..' open); dates are whole days in Vietnam (UTC+7)",
        ));
    }
    for p in layer.params {
        let mut schema = super::ogc::param_schema(p);
        let description = schema["description"].as_str().unwrap_or_default().to_owned();
        if let Some(o) = schema.as_object_mut() {
            for key in ["name", "title", "titles", "description"] {
                o.remove(key);
            }
        }
        out.push(query(p.name, schema, &description));
    }
    if layer.temporal {
        out.push(query(
            "as_of",
            json!({ "type": "string", "format": "date" }),
            "the date the layer is read as of (default today)",
        ));
    }
    out.push(query("filter", json!({ "type": "string" }), "a CQL2-text filter on the queryables"));
    out.push(query(
        "filter-lang",
        json!({ "type": "string", "enum": ["cql2-text"] }),
        "the filter's language",
    ));
    out.push(query(
        "filter-crs",
        json!({ "type": "string", "enum": [Crs::URIS[0]] }),
        "CRS of filter geometries",
    ));
    for p in layer.properties.iter().filter(|p| p.queryable) {
        let (ty, format) = p.ty.json_schema();
        let mut schema = json!({ "type": ty });
        if let Some(f) = format {
            schema["format"] = json!(f);
        }
        out.push(query(p.name, schema, &format!("equals ({})", p.title_en)));
    }
    out
}

/// An error answer: `why`, with the one JSON error body `{code, description}`.
fn exception(why: &str) -> Value {
    let mut e = json!({ "content": { "application/json": { "schema": { "$ref": "#/components/schemas/exception" } } } });
    e["description"] = json!(why);
    e
}

/// The errors every operation may answer. Each is declared so that a client (and schemathesis'
/// status and schema checks) knows every answer it can get, including the 503 of a database
/// outage or a statement timeout.
fn exception_responses() -> Value {
    let mut r = Map::new();
    for (code, why) in [
        ("400", "a parameter is malformed or unknown; the description names it"),
        ("401", "no valid credentials"),
        ("403", "the caller's role may not"),
        ("404", "not found"),
        ("503", "the database is unavailable or the request took longer than it allows"),
    ] {
        r.insert(code.into(), exception(why));
    }
    Value::Object(r)
}

fn operation(summary: &str, permission: Permission, parameters: Vec<Value>, ok: (&str, &str, &str)) -> Value {
    let mut responses = exception_responses();
    responses[ok.0] = json!({ "description": ok.2, "content": { ok.1: { "schema": {} } } });
    let mut op = json!({ "summary": summary, "description": format!("Permission: {permission:?}") });
    op["parameters"] = Value::Array(parameters);
    op["responses"] = responses;
    if permission == Permission::Public {
        op["security"] = json!([]);
    }
    op
}

fn body(op: &mut Value, schema: Value) {
    op["requestBody"] = json!({ "required": true, "content": { "application/json": {} } });
    op["requestBody"]["content"]["application/json"]["schema"] = schema;
}

/// Paging and shape parameters of `/items`.
fn page_params() -> Vec<Value> {
    vec![
        query(
            "limit",
            json!({ "type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 100 }),
            "features per page",
        ),
        query(
            "offset",
            json!({ "type": "integer", "minimum": 0, "maximum": 1_000_000_000 }),
            "features to skip",
        ),
        query("properties", json!({ "type": "string" }), "comma-separated properties to include"),
        query("sortby", json!({ "type": "string" }), "comma-separated properties, '-' for descending"),
        query(
            "precision",
            json!({ "type": "integer", "minimum": 0, "maximum": 15 }),
            "decimal digits of coordinates",
        ),
        query(
            "zoom",
            json!({ "type": "integer", "minimum": 0, "maximum": 24 }),
            "simplify polygons for this zoom",
        ),
        query("f", json!({ "type": "string", "enum": ["json", "geojson"] }), "format"),
    ]
}

/// The operation of a collection route for one layer.
fn collection_operation(route: &Route, l: &Layer) -> Option<Value> {
    let p = route.permission;
    let json_ok = ("200", "application/json", "success");
    let geojson_ok = ("200", "application/geo+json", "features");
    Some(match route.path {
        "/api/v1/collections/{id}" => operation(&format!("Collection {}", l.title_en), p, vec![], json_ok),
        "/api/v1/collections/{id}/queryables" => operation(
            &format!("Queryables of {}", l.title_en),
            p,
            vec![],
            ("200", "application/schema+json", "schema"),
        ),
        "/api/v1/collections/{id}/items" => {
            let mut params = filters(l, true);
            params.extend(page_params());
            operation(&format!("Features of {}", l.title_en), p, params, geojson_ok)
        }
        "/api/v1/collections/{id}/items/{fid}" => {
            let mut params = vec![param("fid", "path", true, json!({ "type": "integer" }), "feature id")];
            let shape = |q: &Value| matches!(q["name"].as_str(), Some("properties" | "precision" | "f"));
            params.extend(page_params().into_iter().filter(shape));
            if l.temporal {
                params.push(query("as_of", json!({ "type": "string", "format": "date" }), "default today"));
            }
            operation(&format!("One feature of {}", l.title_en), p, params, geojson_ok)
        }
        "/api/v1/collections/{id}/tiles/WebMercatorQuad/tilejson.json" => {
            operation(&format!("TileJSON of {}", l.title_en), p, filters(l, false), json_ok)
        }
        "/api/v1/collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}" => {
            let mut params = vec![
                param(
                    "z",
                    "path",
                    true,
                    json!({ "type": "integer", "minimum": 0, "maximum": MAX_ZOOM }),
                    "zoom",
                ),
                param("y", "path", true, json!({ "type": "integer", "minimum": 0 }), "row"),
                param("x", "path", true, json!({ "type": "integer", "minimum": 0 }), "column"),
            ];
            params.extend(filters(l, false));
            let tile = ("200", "application/vnd.mapbox-vector-tile", "tile");
            let mut op = operation(&format!("Vector tile of {}", l.title_en), p, params, tile);
            op["responses"]["204"] = json!({ "description": "no feature in this tile" });
            op
        }
        "/api/v1/collections/{id}/export" => {
            let mut params = filters(l, true);
            let formats = json!({ "type": "string", "enum": ["geojson", "csv", "kml"] });
            params.push(param("f", "query", true, formats, "format"));
            operation(
                &format!("Export {}", l.title_en),
                p,
                params,
                ("200", "application/octet-stream", "file"),
            )
        }
        _ => return None,
    })
}

/// The operations of one declared route: one per collection for the collection routes.
fn describe(route: &Route) -> Option<Vec<(String, Value)>> {
    if route.path.starts_with("/api/v1/collections/{id}") {
        let ops: Option<Vec<_>> = LAYERS
            .iter()
            .map(|l| collection_operation(route, l).map(|op| (route.path.replace("{id}", l.id), op)))
            .collect();
        return ops;
    }
    if let Some(ops) = writes::describe(route) {
        return Some(ops);
    }
    let op =
        service_operation(route).or_else(|| data_operation(route)).or_else(|| analysis_operation(route))?;
    Some(vec![(route.path.to_owned(), op)])
}

const JSON_OK: (&str, &str, &str) = ("200", "application/json", "success");

/// The commune reports and the patrol effort (restricted figures, permission `Analyse`).
fn analysis_operation(route: &Route) -> Option<Value> {
    let one = |summary: &str, params: Vec<Value>| Some(operation(summary, route.permission, params, JSON_OK));
    let window = |default: &str| query("datetime", json!({ "type": "string" }), default);
    let as_of = || query("as_of", json!({ "type": "string", "format": "date" }), "default today");
    let format = || query("f", json!({ "type": "string", "enum": ["json", "csv"] }), "format");
    match (route.method.clone(), route.path) {
        (Method::GET, "/api/v1/reports/communes") => one(
            "One row of figures per commune as of a date (designations, staff, villages, models, key points, \
             patrol effort, border coverage)",
            vec![as_of(), window("window of key points and patrols; default the year up to as_of"), format()],
        ),
        (Method::GET, "/api/v1/reports/communes/{code}") => one(
            "One commune's report as of a date, with the details behind its figures",
            vec![
                param("code", "path", true, json!({ "type": "string" }), "commune code"),
                as_of(),
                window("window of key points and patrols; default the year up to as_of"),
            ],
        ),
        (Method::GET, "/api/v1/analysis/effort") => one(
            "Patrol effort (patrols, patrol-days, hours, geodesic km) per month, unit or commune",
            vec![
                window("window; default all time"),
                query(
                    "by",
                    json!({ "type": "string", "enum": ["month", "unit", "commune"] }),
                    "grouping, default month",
                ),
                format(),
            ],
        ),
        (Method::GET, "/api/v1/analysis/plan-coverage") => one(
            "Planned border coverage of the coming weeks: per segment the plans and forecast share, the gaps \
             ahead (no plan reaches the segment) and the conflicts (two plans on a segment in overlapping time \
             by units with none in common, neither joint)",
            vec![
                query(
                    "from",
                    json!({ "type": "string", "format": "date" }),
                    "first day; default today (Vietnam)",
                ),
                query(
                    "weeks",
                    json!({ "type": "integer", "minimum": 1, "maximum": 26, "default": 4 }),
                    "window length in weeks",
                ),
                query(
                    "width",
                    json!({ "type": "number", "minimum": 10, "maximum": 5000, "default": 500 }),
                    "sight width in metres",
                ),
            ],
        ),
        _ => None,
    }
}

/// Sign-in, health, metadata and the other routes around the data.
fn service_operation(route: &Route) -> Option<Value> {
    let p = route.permission;
    let json_ok = JSON_OK;
    let one = |summary: &str, params: Vec<Value>, ok| Some(operation(summary, p, params, ok));
    match (route.method.clone(), route.path) {
        (Method::GET, "/health") => one("Service and database health", vec![], json_ok),
        (Method::GET, "/config.json") => one("The web map's settings (base map)", vec![], json_ok),
        (Method::GET, "/metrics") => one(
            "Request counts and latencies by route, pool usage and database errors (Prometheus text format; admins)",
            vec![],
            ("200", "text/plain", "Prometheus text exposition format 0.0.4"),
        ),
        (Method::POST, "/auth/login") => {
            let mut op = operation("Sign in (sets the session cookie)", p, vec![], json_ok);
            op["responses"]["429"] =
                exception("too many failed sign-ins; the description says when to retry");
            body(
                &mut op,
                json!({ "type": "object", "required": ["username", "password"],
                "properties": { "username": { "type": "string" }, "password": { "type": "string" } } }),
            );
            Some(op)
        }
        (Method::POST, "/auth/logout") => {
            let mut op = operation("Sign out", p, vec![], JSON_OK);
            // 204 has no body (schemathesis: a declared content type on an empty answer).
            op["responses"].as_object_mut().map(|r| r.remove("200"));
            op["responses"]["204"] = json!({ "description": "signed out" });
            Some(op)
        }
        (Method::GET, "/auth/me") => {
            one("The signed-in user, role, jurisdiction and CSRF token", vec![], json_ok)
        }
        (Method::GET, "/audit") => one(
            "The audit log, newest first",
            vec![
                query("user", json!({ "type": "string" }), "user name"),
                query("action", json!({ "type": "string" }), "action, exact or a prefix ending in '.'"),
                query("from", json!({ "type": "string", "format": "date-time" }), "from this time"),
                query("to", json!({ "type": "string", "format": "date-time" }), "until this time"),
                query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 1000 }), "rows"),
            ],
            json_ok,
        ),
        (Method::GET, "/api/v1") => one("Landing page", vec![], json_ok),
        (Method::GET, "/api/v1/conformance") => one("Conformance classes", vec![], json_ok),
        (Method::GET, "/api/v1/openapi.json") => one("This API definition", vec![], json_ok),
        (Method::GET, "/api/v1/api.html") => {
            one("This API definition as a page", vec![], ("200", "text/html", "page"))
        }
        (Method::GET, "/api/v1/collections") => one("The collections the caller may read", vec![], json_ok),
        _ => None,
    }
}

/// Writes, reports and search.
fn data_operation(route: &Route) -> Option<Value> {
    let p = route.permission;
    let json_ok = JSON_OK;
    let one = |summary: &str, params: Vec<Value>, ok| Some(operation(summary, p, params, ok));
    match (route.method.clone(), route.path) {
        (Method::GET, "/api/v1/reports/province") => one(
            "The province report as of a date",
            vec![
                query("as_of", json!({ "type": "string", "format": "date" }), "default today"),
                query("f", json!({ "type": "string", "enum": ["json", "csv"] }), "format"),
            ],
            json_ok,
        ),
        (Method::GET, "/api/v1/analysis/pai") => Some(pai(p)),
        (Method::GET, "/api/v1/forms/{kind}") => one(
            "An edit form: fields, types, limits, coded choices (vi/en) and the key point status workflow",
            vec![param(
                "kind",
                "path",
                true,
                json!({ "type": "string", "enum": ["key-points", "model-sites"] }),
                "the write route's name",
            )],
            json_ok,
        ),
        (Method::GET, "/api/v1/search") => one(
            "Find units, posts, markers, model sites and key points by name or code",
            vec![
                param(
                    "q",
                    "query",
                    true,
                    json!({ "type": "string", "minLength": 1, "maxLength": 200 }),
                    "what to find",
                ),
                query(
                    "limit",
                    json!({ "type": "integer", "minimum": 1, "maximum": 50 }),
                    "hits (default 10)",
                ),
                query("as_of", json!({ "type": "string", "format": "date" }), "units as of this date"),
            ],
            json_ok,
        ),
        _ => None,
    }
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

/// `GET /api/v1/analysis/pai`.
fn pai(p: Permission) -> Value {
    operation(
        "Hit rate and Predictive Accuracy Index of the hot-spot map and of the key security communes",
        p,
        vec![
            param("train", "query", true, json!({ "type": "string" }), "training interval (OGC datetime)"),
            param("test", "query", true, json!({ "type": "string" }), "test interval (OGC datetime)"),
            query(
                "coverage",
                json!({ "type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1, "default": 0.05 }),
                "share of the province the selected cells cover",
            ),
            query("cell", json!({ "type": "number", "minimum": 1 }), "hexagon edge, m (default as hotspots)"),
            query("as_of", json!({ "type": "string", "format": "date" }), "boundaries and designations"),
        ],
        ("200", "application/json", "success"),
    )
}
