//! The operations of the offline routes: the base map file and the area packages.

use axum::http::Method;
use serde_json::{Value, json};

use super::parts::{exception, operation, param};
use crate::http::routes::Route;

/// The base map served from `--basemap-file`, and the offline area packages.
pub(super) fn offline_operation(route: &Route) -> Option<Value> {
    let p = route.permission;
    match (route.method.clone(), route.path) {
        (Method::GET, "/basemap/{z}/{x}/{y}") => {
            let number = |name: &str, what: &str| {
                param(name, "path", true, json!({ "type": "integer", "minimum": 0 }), what)
            };
            let mut op = operation(
                "A tile of the offline base map (--basemap-file): PNG, JPEG, WebP or a vector tile (gzipped when \
                 stored so); 204 for a tile of the file's zooms it does not hold, 404 for other zooms",
                p,
                vec![number("z", "zoom"), number("x", "column"), number("y", "row from the north (XYZ)")],
                ("200", "application/octet-stream", "the tile, with its media type"),
            );
            op["responses"]["204"] = json!({ "description": "the file has no tile here" });
            Some(op)
        }
        (Method::GET, "/basemap.pmtiles") => {
            let mut op = operation(
                "The offline base map as its PMTiles file, for clients that read PMTiles (Range: one bytes range)",
                p,
                vec![param("Range", "header", false, json!({ "type": "string" }), "bytes=first-last")],
                ("200", "application/vnd.pmtiles", "the whole file"),
            );
            op["responses"]["206"] = json!({ "description": "the range asked for", "content": { "application/vnd.pmtiles": { "schema": {} } } });
            op["responses"]["416"] = exception("the range cannot be served; the description says why");
            Some(op)
        }
        _ => None,
    }
}
