//! The HTTP edge: the router, shared state, and one module per resource, each declaring its
//! routes with the permission each needs (see `routes` and `gate`). Handlers call
//! `db`/`layers`/`analysis`; they never write SQL.
//!
//! Deny by default: the router is built only from [`routes()`], and every request to a route
//! passes the gate, which refuses what the route's permission does not allow.

mod analysis;
mod audit;
mod auth;
mod cache;
mod effort;
pub mod error;
mod export;
mod forms;
pub mod gate;
mod health;
mod imports;
mod key_points;
pub mod metrics;
mod model_sites;
mod ogc;
pub mod openapi;
mod patrols;
mod planning;
mod point_writes;
mod reports;
pub mod routes;
mod search;
mod tiles;
mod web_config;
pub mod writes;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::{ApiError, Result};
pub use gate::Principal;
pub use routes::Route;

use crate::config::CookieSecurity;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Database connections.
    pub pool: sqlx::PgPool,
    /// Whether the pool is on the private cluster (reported by `/health`).
    pub private_cluster: bool,
    /// Settings of the HTTP edge.
    pub http: Arc<HttpSettings>,
    /// Request and pool figures for `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
    /// Where reads that tolerate replication lag go (see [`AppState::read_pool`]).
    pub reads: Arc<crate::db::replicas::ReadPools>,
}

impl AppState {
    /// State over one database (reads and writes on `pool`), default metrics.
    #[must_use]
    pub fn new(pool: sqlx::PgPool, private_cluster: bool, http: HttpSettings) -> Self {
        let reads = Arc::new(crate::db::replicas::ReadPools::primary_only(pool.clone()));
        Self { pool, private_cluster, http: Arc::new(http), metrics: Arc::default(), reads }
    }

    /// The pool for reads of layers, tiles, exports, reports and search: a hot standby when one
    /// is configured and answers, else the primary. Writes, sessions and audit use `pool`.
    #[must_use]
    pub fn read_pool(&self) -> &sqlx::PgPool {
        self.reads.read()
    }

    /// The pool to read `layer` from: an analysis reads the run its request just prepared on the
    /// primary (a standby may not have replayed it yet); stored data reads from [`Self::read_pool`].
    #[must_use]
    pub fn layer_pool(&self, layer: &crate::layers::Layer) -> &sqlx::PgPool {
        if crate::layers::analysis::analysis_of(layer).is_some() { &self.pool } else { self.read_pool() }
    }
}

/// Settings of the HTTP edge.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Directory of the web map's static files.
    pub web_dir: PathBuf,
    /// How long a request may take.
    pub request_timeout: Duration,
    /// A session unused this long expires.
    pub session_idle: Duration,
    /// Whether anonymous callers may read the public layers.
    pub public_layers: bool,
    /// When the session cookie is marked `Secure`.
    pub cookie_security: CookieSecurity,
    /// The web map's online base map (tile URL template), if any; `None`: a plain background.
    pub basemap_url: Option<String>,
    /// The base map's attribution.
    pub basemap_attribution: String,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            web_dir: PathBuf::from("web"),
            request_timeout: Duration::from_secs(30),
            session_idle: Duration::from_hours(12),
            public_layers: false,
            cookie_security: CookieSecurity::Auto,
            basemap_url: None,
            basemap_attribution: String::new(),
        }
    }
}

/// Every route of the service, each with its permission: the router and the tests both read it.
#[must_use]
pub fn routes() -> Vec<Route> {
    [
        health::routes(),
        auth::routes(),
        audit::routes(),
        analysis::routes(),
        key_points::routes(),
        metrics::routes(),
        // Before patrols: the security walk uploads tracks to the patrol it then archives.
        imports::routes(),
        model_sites::routes(),
        patrols::routes(),
        ogc::routes(),
        tiles::routes(),
        export::routes(),
        forms::routes(),
        reports::routes(),
        effort::routes(),
        planning::routes(),
        openapi::routes(),
        search::routes(),
        web_config::routes(),
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
    api
        // Added last, so it wraps every route above (and only them: the static files are public).
        .layer(axum::middleware::from_fn_with_state(gate, gate::gate))
        // Outside the gate, so refusals are counted too.
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::measure))
        .fallback_service(web)
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
        // gzip when the client accepts it: GeoJSON shrinks about tenfold, which is what a commune
        // police officer on a slow mobile link waits for.
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
