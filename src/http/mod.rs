//! The HTTP edge: the router, shared state, and one module per resource, each declaring its
//! routes with the permission each needs (see `routes` and `gate`). Handlers call
//! `db`/`layers`/`analysis`; they never write SQL.
//!
//! Deny by default: the router is built only from [`routes()`], and every request to a route
//! passes the gate, which refuses what the route's permission does not allow.

mod access;
mod analysis;
mod audit;
mod auth;
mod basemap;
mod cache;
mod designations;
mod effort;
pub mod error;
mod export;
pub mod extract;
mod forms;
pub mod gate;
pub mod headers;
mod health;
pub mod idempotency;
mod imports;
mod items;
mod key_points;
mod lineage;
mod links;
pub mod metrics;
mod model_sites;
mod offline;
mod ogc;
pub mod openapi;
mod package_basemap;
mod package_json;
mod packages;
mod patrols;
mod planning;
mod point_writes;
mod reports;
pub mod routes;
mod search;
mod segments;
mod settings;
mod state;
mod streamed;
mod tiles;
mod users;
mod web_config;
pub mod writes;

use axum::Router;
use axum::http::StatusCode;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::{ApiError, Result};
pub use gate::Principal;
pub use routes::Route;
pub use state::{AppState, HttpSettings};

/// Every route of the service, each with its permission: the router and the tests both read it.
#[must_use]
pub fn routes() -> Vec<Route> {
    [
        health::routes(),
        auth::routes(),
        audit::routes(),
        analysis::routes(),
        key_points::routes(),
        // Before patrols: the security walk uploads tracks to the patrol it then archives.
        imports::routes(),
        designations::routes(),
        users::routes(),
        settings::routes(),
        model_sites::routes(),
        patrols::routes(),
        ogc::routes(),
        items::routes(),
        tiles::routes(),
        export::routes(),
        forms::routes(),
        reports::routes(),
        effort::routes(),
        planning::routes(),
        segments::routes(),
        openapi::routes(),
        search::routes(),
        lineage::routes(),
        web_config::routes(),
        offline::routes(),
        basemap::routes(),
        packages::routes(),
        package_json::routes(),
        package_basemap::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The whole application: the declared routes behind the gate, and the web map's static files.
pub fn router(state: AppState) -> Router {
    let web = ServeDir::new(&state.http.web_dir);
    let timeout = state.http.request_timeout;
    let (api, permissions) = routes::assemble(routes());
    let gate = gate::Gate { state: state.clone(), permissions };
    let security = headers::SecurityHeaders::new(&state.http);
    api
        // Added last, so it wraps every route above (and only them: the static files are public).
        .layer(axum::middleware::from_fn_with_state(gate, gate::gate))
        // Outside the gate, so refusals are counted too.
        .layer(axum::middleware::from_fn_with_state(state.metrics.clone(), metrics::measure))
        .fallback_service(web)
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
        // gzip when the client accepts it: GeoJSON shrinks about tenfold, which is what a commune
        // police officer on a slow mobile link waits for.
        .layer(CompressionLayer::new())
        // Every log line of a request, a 500's included, carries its id, and so does the answer:
        // a user's report ("it failed, X-Request-Id 3f2…") leads to the line. A proxy's own id
        // (nginx's $request_id) is kept.
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        // Outermost: every answer carries the security headers, refusals and timeouts included.
        .layer(axum::middleware::from_fn_with_state(security, headers::secure))
        .with_state(state)
}

/// The span of one request: method, path and the request id.
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let id =
        request.extensions().get::<RequestId>().and_then(|id| id.header_value().to_str().ok()).unwrap_or("-");
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
}
