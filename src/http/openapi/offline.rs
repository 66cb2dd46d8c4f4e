//! The operations of the offline routes: the base map file and the area packages.

use axum::http::Method;
use serde_json::{Value, json};

use super::parts::{JSON_OK, body, exception, operation, param, query};
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
        (Method::GET, "/api/v1/packages/area.json") => {
            let mut op = operation(
                "An offline area package for the web map, streamed as one JSON document: the area's outline \
                 (`area`), its communes (and segments and width for a stretch of border), date and box, then \
                 `layers`, one GeoJSON FeatureCollection per layer the role reads (named by its id; not the \
                 analyses) with the features the items route gives at that date: restricted records within the \
                 area, other layers within the area's box. Audited as an export",
                p,
                area_params(),
                ("200", "application/json", "the package"),
            );
            op["responses"]["403"] =
                exception("a commune or segment lies outside the caller's jurisdiction; named");
            op["responses"]["422"] =
                exception("an unknown commune or segment, or too many; the description says which");
            Some(op)
        }
        (
            Method::GET,
            "/api/v1/packages/estimate"
            | "/api/v1/packages/area.mbtiles"
            | "/api/v1/packages/basemap.mbtiles",
        ) => {
            let estimate = route.path.ends_with("estimate");
            let zoom = |name: &str, default: u8| {
                query(
                    name,
                    json!({ "type": "integer", "minimum": 0, "maximum": 18, "default": default }),
                    "zoom",
                )
            };
            let mut params = area_params();
            params.extend([zoom("minzoom", 10), zoom("maxzoom", 16)]);
            let mut op = if estimate {
                operation(
                    "An offline area package's communes, layers, tile count and estimated size, nothing built; \
                     with a base map, its tiles and bytes in the area (basemap)",
                    p,
                    params,
                    JSON_OK,
                )
            } else if route.path.ends_with("basemap.mbtiles") {
                let mut op = operation(
                    "The base map (--basemap-file) cut to an offline package's area and zooms, as an MBTiles file \
                     of its own tiles (raster or vector); audited as an export",
                    p,
                    params,
                    ("200", "application/vnd.sqlite3", "the MBTiles file"),
                );
                op["responses"]["404"] = exception("no base map is configured");
                op
            } else {
                operation(
                    "An offline area package as an MBTiles file of vector tiles (one layer per layer the role reads; \
                     restricted records within the area); audited as an export",
                    p,
                    params,
                    ("200", "application/vnd.sqlite3", "the MBTiles file"),
                )
            };
            op["responses"]["403"] =
                exception("a commune or segment lies outside the caller's jurisdiction; named");
            op["responses"]["422"] = exception(
                "an unknown commune or segment, too many of them, zooms out of order, or too many tiles; \
                 the description says which",
            );
            Some(op)
        }
        (_, "/api/v1/admin/settings/packages") => Some(settings_operation(route)),
        _ => None,
    }
}

/// The parameters naming a package's area and date, the same for every form of a package.
fn area_params() -> Vec<Value> {
    vec![
        query(
            "communes",
            json!({ "type": "string" }),
            "commune codes, comma-separated (at most 50); this or segments",
        ),
        query(
            "segments",
            json!({ "type": "string" }),
            "border segment codes (as BG-01), comma-separated (at most 50); this or communes",
        ),
        query(
            "width",
            json!({ "type": "number", "minimum": 100, "maximum": 10000, "default": 2000 }),
            "with segments: metres either side of the line (clipped to the province)",
        ),
        query("as_of", json!({ "type": "string", "format": "date" }), "the date read as of (default today)"),
    ]
}

/// `GET`/`PUT /api/v1/admin/settings/packages`: the admin's expiry of offline packages.
fn settings_operation(route: &Route) -> Value {
    let p = route.permission;
    if route.method == Method::GET {
        operation(
            "The settings of offline area packages: max_age_days, the days a package may be used after it was built",
            p,
            vec![],
            ("200", "application/json", "the settings"),
        )
    } else {
        let mut op = operation(
            "Set the days an offline area package may be used after it was built (1 to 365; audited); \
                 packages built from now on carry the new expiry",
            p,
            vec![],
            ("200", "application/json", "the settings stored"),
        );
        body(
            &mut op,
            json!({ "type": "object", "required": ["max_age_days"], "additionalProperties": false,
                    "properties": { "max_age_days": { "type": "integer", "minimum": 1, "maximum": 365 } } }),
        );
        op["responses"]["422"] = exception("max_age_days out of 1..365; named");
        op
    }
}
