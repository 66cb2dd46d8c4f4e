//! The operations of the collection routes, one per layer, each listing that layer's own
//! queryables and parameters.

use serde_json::{Value, json};

use super::parts::{filters, operation, page_params, param, query};
use crate::http::routes::Route;
use crate::layers::Layer;
use crate::spatial::MAX_ZOOM;

/// The operation of a collection route for one layer.
pub(super) fn of_layer(route: &Route, l: &Layer) -> Option<Value> {
    let p = route.permission;
    let json_ok = ("200", "application/json", "success");
    let geojson_ok = ("200", "application/geo+json", "features");
    Some(match route.path {
        "/api/v1/collections/{id}" => {
            // The layer's own parameters and as_of: with them, parametersUsed states the values a
            // request of the layer uses, defaults resolved (layers/used.rs).
            let own = |q: &Value| q["name"].as_str().is_some_and(|n| n == "as_of" || l.param(n).is_some());
            let params = filters(l, false).into_iter().filter(own).collect();
            operation(&format!("Collection {}", l.title_en), p, params, json_ok)
        }
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
