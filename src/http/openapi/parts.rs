//! The pieces every operation is made of: parameters, the error answers, bodies, paging.

use serde_json::{Map, Value, json};

use crate::auth::Permission;
use crate::http::items::MAX_LIMIT;
use crate::layers::{Layer, PropType};
use crate::spatial::Crs;

pub(super) fn param(name: &str, location: &str, required: bool, schema: Value, description: &str) -> Value {
    let mut p = json!({ "name": name, "in": location, "required": required, "description": description });
    p["schema"] = schema;
    p
}

pub(super) fn query(name: &str, schema: Value, description: &str) -> Value {
    param(name, "query", false, schema, description)
}

/// The parameters shared by items, tiles and exports of `layer`: its filters.
pub(super) fn filters(layer: &Layer, with_bbox: bool) -> Vec<Value> {
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
        let mut schema = crate::http::ogc::param_schema(p);
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
        // A list is filtered by one element: the parameter is that element's text.
        if p.ty == PropType::TextList {
            out.push(query(
                p.name,
                json!({ "type": "string" }),
                &format!("one element equals ({})", p.title_en),
            ));
            continue;
        }
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
pub(super) fn exception(why: &str) -> Value {
    let mut e = json!({ "content": { "application/json": { "schema": { "$ref": "#/components/schemas/exception" } } } });
    e["description"] = json!(why);
    e
}

/// The errors every operation may answer. Each is declared so that a client (and schemathesis'
/// status and schema checks) knows every answer it can get, including the 503 of a database
/// outage or a statement timeout.
pub(super) fn exception_responses() -> Value {
    let mut r = Map::new();
    for (code, why) in [
        ("400", "a parameter is malformed or unknown; the description names it"),
        (
            "401",
            "no valid credentials: code unauthorized (none, unknown or expired: sign in again), or, to the \
             holder of a session ended on the server, session_revoked, user_disabled or session_signed_out \
             (the web map then wipes the data the device keeps)",
        ),
        ("403", "the caller's role may not"),
        ("404", "not found"),
        ("503", "the database is unavailable or the request took longer than it allows"),
    ] {
        r.insert(code.into(), exception(why));
    }
    Value::Object(r)
}

pub(super) fn operation(
    summary: &str,
    permission: Permission,
    parameters: Vec<Value>,
    ok: (&str, &str, &str),
) -> Value {
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

pub(super) fn body(op: &mut Value, schema: Value) {
    op["requestBody"] = json!({ "required": true, "content": { "application/json": {} } });
    op["requestBody"]["content"]["application/json"]["schema"] = schema;
}

/// Paging and shape parameters of `/items`.
pub(super) fn page_params() -> Vec<Value> {
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

pub(super) const JSON_OK: (&str, &str, &str) = ("200", "application/json", "success");
