//! `GET /health`: whether the service can reach its database, and which versions it runs.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;
use super::routes::Route;
use crate::auth::Permission;
use crate::db;

/// Routes of this module: load balancers and monitors probe `/health` without credentials;
/// `/metrics` is for admins only: a scraper signs in with an admin's API token
/// (`Authorization: Bearer ...`), so the figures never reach an anonymous caller.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/health", Permission::Public, health),
        Route::get("/metrics", Permission::Admin, metrics),
    ]
}

/// 200 with the versions while the database answers; 503 with a reason while it does not. The
/// pool reconnects by itself, so the answer returns to 200 when the database does.
async fn health(State(state): State<AppState>) -> Response {
    let versions = tokio::time::timeout(Duration::from_secs(5), db::health::versions(&state.pool)).await;
    match versions {
        Ok(Ok(v)) => Json(json!({
            "status": "ok",
            "service": env!("CARGO_PKG_VERSION"),
            "postgres": v.postgres,
            "postgis": v.postgis,
            "database": if state.private_cluster { "private cluster" } else { "server" },
        }))
        .into_response(),
        failed => {
            if let Ok(Err(e)) = failed {
                tracing::warn!(error = %e, "health check: database error");
            }
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "reason": "the database does not answer" })),
            )
                .into_response()
        }
    }
}

/// `GET /metrics`.
async fn metrics(State(state): State<AppState>) -> Response {
    let mut out = String::new();
    state.metrics.render_requests(&mut out);
    let (size, idle, max) =
        (state.pool.size(), state.pool.num_idle(), state.pool.options().get_max_connections());
    super::metrics::render_database(&mut out, size, idle, max, super::error::database_errors());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}
