//! `GET /api/v1/packages/area.json`: an offline area package for the web map, which draws GeoJSON
//! items rather than vector tiles. Same area parameters, refusals and jurisdiction rules as
//! `area.mbtiles` (`packages::parse`, `packages::area_scope`): one streamed JSON document with
//! the area's outline and, for each layer the caller's role may read (not the analyses), the
//! features the items route gives for it at the package's date. Restricted records lie within
//! the chosen communes or stretch of border (and the caller's jurisdiction); the other layers
//! cover the area's box, the context around it. Audited as an export before the first byte
//! leaves.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde_json::json;
use tokio_stream::wrappers::ReceiverStream;

use super::extract::Params;
use super::gate::Principal;
use super::packages::{Choice, Life, area_scope, parse};
use super::routes::Route;
use super::{AppState, Result};
use crate::auth::Permission;
use crate::db::audit::{self, Outcome};
use crate::db::packages as areas;
use crate::layers::package_json::{self, Document};
use crate::layers::packages::layers_for;
use crate::layers::params::Filters;
use crate::spatial::BBox;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![Route::get("/api/v1/packages/area.json", Permission::SignedIn, area_json)]
}

/// The version of the document's layout, for the page that keeps it.
const VERSION: u32 = 1;

/// `GET /api/v1/packages/area.json?communes=…&as_of=…` (or `segments=…&width=…`).
async fn area_json(State(state): State<AppState>, who: Principal, Params(pairs): Params) -> Result<Response> {
    let request = parse(&pairs)?;
    let (area, scope) = area_scope(&who, &state, &request).await?;
    let outline = areas::geojson(state.read_pool(), &area.ewkb).await?;
    let [west, south, east, north] = area.bbox;
    let filters = Filters {
        as_of: Some(request.date),
        bbox: Some(BBox { min_x: west, min_y: south, max_x: east, max_y: north, srid: 4326 }),
        ..Filters::default()
    };
    let layers = layers_for(&scope);
    let ids: Vec<&str> = layers.iter().map(|l| l.id).collect();
    let life = Life::now(&state).await?;
    let generated = life.created_text();
    let mut about = json!({
        "type": "antq-package",
        "version": VERSION,
        "communes": area.communes,
        "as_of": request.date,
        "bbox": area.bbox,
        "generated_at": generated,
        "expires_at": life.expires_text(),
        "layer_ids": ids,
    });
    let mut details =
        json!({ "format": "json", "communes": area.communes, "as_of": request.date, "layers": ids });
    // A stretch of border: its segments and width (the communes are those its area reaches).
    if let Choice::Segments { width, .. } = request.choice {
        for value in [&mut about, &mut details] {
            value["segments"] = json!(area.segments);
            value["width"] = json!(width);
        }
    }
    let mut head = about.to_string();
    // The outline is already GeoJSON text from PostGIS: spliced in, not parsed again.
    head.pop();
    head.push_str(",\"area\":");
    head.push_str(&outline);

    // Audited before the first byte leaves: a download cut short was still an export.
    audit::record(
        &state.pool,
        &who.audit("export", Outcome::Ok).with_target("package").with_details(details),
    )
    .await?;
    let document =
        Document { head, layers: layers.into_iter().map(|l| (l, filters.clone())).collect(), scope };
    let chunks = package_json::stream(state.read_pool().clone(), document);
    let mut response = Response::new(Body::from_stream(ReceiverStream::new(chunks)));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    let name = format!("antq_{}_{}.json", request.codes().join("-"), request.date.format("%Y%m%d"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
