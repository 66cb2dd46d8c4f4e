//! The HTTP edge: the router, shared state, and one module per resource, each owning its
//! `router()`. Handlers call `db`/`layers`/`analysis`; they never write SQL.

mod cache;
pub mod error;
mod export;
mod health;
mod ogc;
mod tiles;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::get;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::{ApiError, Result};

use crate::layers::ReadScope;

/// What the caller may read of the layers.
// Placeholder until the security core lands: reads everything.
#[derive(Debug, Clone)]
pub struct Scope(pub ReadScope);

impl<S: Send + Sync> FromRequestParts<S> for Scope {
    type Rejection = ApiError;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self> {
        Ok(Self(ReadScope::everything()))
    }
}

/// The OGC API – Features endpoints, tiles and exports, all served from the layer registry.
fn api_router() -> Router<AppState> {
    Router::new()
        .route("/api/v1", get(ogc::landing))
        .route("/api/v1/conformance", get(ogc::conformance))
        .route("/api/v1/collections", get(ogc::collections))
        .route("/api/v1/collections/{id}", get(ogc::collection))
        .route("/api/v1/collections/{id}/queryables", get(ogc::queryables))
        .route("/api/v1/collections/{id}/items", get(ogc::items))
        .route("/api/v1/collections/{id}/items/{fid}", get(ogc::item))
        .route("/api/v1/collections/{id}/tiles/WebMercatorQuad/tilejson.json", get(tiles::tilejson))
        .route("/api/v1/collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}", get(tiles::tile))
        .route("/api/v1/collections/{id}/export", get(export::export))
}

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
        .merge(api_router())
        .fallback_service(web)
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
