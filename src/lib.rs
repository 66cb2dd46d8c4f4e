//! ANTQ Atlas: a PostGIS map service for security planning in a border province.
//!
//! `main.rs` only parses the command line; everything runs from here so that the integration
//! tests drive the same code. Dependencies point one way: `cli -> http -> layers / analysis /
//! imports -> db -> spatial` (see `docs/architecture.md`).

pub mod analysis;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod fixtures;
pub mod http;
pub mod imports;
pub mod layers;
pub mod spatial;
pub mod text;
pub mod tilesets;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use config::ServeConfig;
use db::Database;

pub use cli::run;

/// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
///
/// # Errors
/// The address cannot be bound, a standby cannot be reached, or the server fails.
pub async fn serve(db: &Database, config: &ServeConfig) -> anyhow::Result<()> {
    // A base map that cannot be served is refused now, not at the first tile.
    let basemap_file = match &config.basemap_file {
        Some(path) => Some(Arc::new(
            tilesets::Basemap::open(path).with_context(|| format!("--basemap-file {}", path.display()))?,
        )),
        None => None,
    };
    let settings = http::HttpSettings {
        web_dir: config.web_dir.clone(),
        request_timeout: Duration::from_secs(config.request_timeout_secs),
        session_idle: Duration::from_mins(config.session_idle_mins),
        public_layers: config.public_layers,
        cookie_security: config.secure_cookies,
        basemap_url: config.basemap_url.clone(),
        basemap_file,
        basemap_attribution: config.basemap_attribution.clone(),
        tile_cache_bytes: usize::try_from(config.tile_cache_mib)
            .unwrap_or(usize::MAX)
            .saturating_mul(1 << 20),
    };
    let mut state = http::AppState::new(db.pool.clone(), db.is_private(), settings);
    let reads = Arc::new(
        db::replicas::ReadPools::connect(
            db.pool.clone(),
            &config.read_database_urls,
            db.pool.options().get_max_connections(),
        )
        .await?,
    );
    let watcher = reads.watch();
    state.reads = Arc::clone(&reads);
    let listener =
        TcpListener::bind(config.bind).await.with_context(|| format!("cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "serving");
    println!("ANTQ Atlas is serving at http://{addr}/ (Ctrl-C to stop)");
    // The peer address feeds the sign-in throttle and the audit log.
    let app = http::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let (stopping, mut stop) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stopping.send(true);
    });
    let grace = Duration::from_secs(config.shutdown_grace_secs);
    let outcome = tokio::select! {
        done = server => done.context("the server failed"),
        () = async {
            let _ = stop.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(grace_secs = grace.as_secs(), "requests still running after the grace period were cut off");
            Ok(())
        }
    };
    watcher.abort();
    reads.close().await;
    outcome
}

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let terminate = async {
        match term.as_mut() {
            Some(term) => {
                term.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
