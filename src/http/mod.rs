//! The HTTP edge: the router, shared state, and one module per resource, each owning its
//! `router()`. Handlers call `db`/`layers`/`analysis`; they never write SQL.

pub mod error;
mod health;
mod reports;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::{ApiError, Result};

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Database connections.
    pub pool: sqlx::PgPool,
    /// Whether the pool is on the private cluster (reported by `/health`).
    pub private_cluster: bool,
    /// Settings of the HTTP edge.
    pub http: Arc<HttpSettings>,
}

/// Settings of the HTTP edge.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Directory of the web map's static files.
    pub web_dir: PathBuf,
    /// How long a request may take.
    pub request_timeout: Duration,
}

/// The whole application: API, health, and the web map's static files.
pub fn router(state: AppState) -> Router {
    let web = ServeDir::new(&state.http.web_dir);
    let timeout = state.http.request_timeout;
    Router::new()
        .merge(health::router())
        .merge(reports::router())
        .fallback_service(web)
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
