//! Exports of any layer as a file download, streamed from the database.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use tokio_stream::wrappers::ReceiverStream;

use super::access::readable;
use super::extract::{Params, Path};
use super::gate::Principal;
use super::links::query_string;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::audit::{self, Outcome};
use crate::layers::params;
use crate::layers::values::today;
use crate::layers::writers::{self, Format};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![Route::get("/api/v1/collections/{id}/export", Permission::Export, export)]
}

/// `GET /api/v1/collections/{id}/export?f=geojson|csv|kml` with the same filters as items.
pub async fn export(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Params(pairs): Params,
) -> Result<Response> {
    let (layer, scope) = readable(&who, &state, &id, &pairs).await?;
    let mut parsed = params::parse_filters(layer, &pairs, &["f"]).map_err(|e| ApiError::BadRequest(e.0))?;
    let format = match parsed.rest.first() {
        Some(&(_, f)) => Format::parse(f).ok_or_else(|| {
            ApiError::BadRequest(format!("f: '{f}' is not an export format; use geojson, csv or kml"))
        })?,
        None => return Err(ApiError::BadRequest("f: required; use geojson, csv or kml".into())),
    };
    crate::layers::analysis_runs::prepare_filters(&state.pool, layer, &mut parsed.filters).await?;
    let date = parsed.filters.as_of.unwrap_or_else(today);
    let filename = format!("{}_{}.{}", layer.id, date.format("%Y%m%d"), format.extension());
    // Audited before the first byte leaves: a download cut short was still an export.
    let entry = who.audit("export", Outcome::Ok).with_target(format!("collection:{id}")).with_details(
        serde_json::json!({ "format": format.extension(), "query": query_string(&pairs).trim_start_matches('?') }),
    );
    audit::record(&state.pool, &entry).await?;
    let chunks = writers::export(state.layer_pool(layer).clone(), layer, parsed.filters, scope, format);
    let mut response = Response::new(Body::from_stream(ReceiverStream::new(chunks)));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}
