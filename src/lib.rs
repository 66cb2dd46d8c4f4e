//! ANTQ Atlas: a PostGIS map service for security planning in a border province.
//!
//! `main.rs` only parses the command line; everything runs from here so that the integration
//! tests drive the same code. Dependencies point one way: `http -> db`.

pub mod admin;
pub mod auth;
pub mod config;
pub mod db;
pub mod http;
pub mod layers;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use config::{Cli, ClusterAction, Command, ServeConfig};
use db::Database;
use db::cluster::Cluster;

/// Runs one command of the command line.
///
/// # Errors
/// Whatever stopped the command, with a message meant for the person who typed it.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(serve_config) => {
            let db = Database::open(&cli.db).await?;
            let result = serve(&db, &serve_config).await;
            db.close().await;
            result
        }
        Command::Demo(serve_config) => {
            let db = Database::open(&cli.db).await?;
            let result = async {
                auth::accounts::create_demo_users(&db.pool).await?;
                print_demo_users();
                serve(&db, &serve_config).await
            }
            .await;
            db.close().await;
            result
        }
        Command::User { action } => {
            let db = Database::open(&cli.db).await?;
            let result = admin::user_command(&db.pool, action).await;
            db.close().await;
            result
        }
        Command::Token { action } => {
            let db = Database::open(&cli.db).await?;
            let result = admin::token_command(&db.pool, action).await;
            db.close().await;
            result
        }
        Command::Migrate => {
            let db = Database::open(&cli.db).await?;
            tracing::info!("migrations applied");
            db.close().await;
            Ok(())
        }
        Command::Cluster { action } => cluster_command(&cli.db.data_dir, action).await,
    }
}

/// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
async fn serve(db: &Database, config: &ServeConfig) -> anyhow::Result<()> {
    let state = http::AppState {
        pool: db.pool.clone(),
        private_cluster: db.is_private(),
        http: Arc::new(http::HttpSettings {
            web_dir: config.web_dir.clone(),
            request_timeout: Duration::from_secs(config.request_timeout_secs),
            session_idle: Duration::from_mins(config.session_idle_mins),
            public_layers: config.public_layers,
            cookie_security: config.secure_cookies,
        }),
    };
    let listener =
        TcpListener::bind(config.bind).await.with_context(|| format!("cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "serving");
    println!("ANTQ Atlas is serving at http://{addr}/ (Ctrl-C to stop)");
    // The peer address feeds the sign-in throttle and the audit log.
    let app = http::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.context("the server failed")
}

/// Tells the person who typed `antq demo` how to sign in.
fn print_demo_users() {
    let names: Vec<&str> = auth::accounts::DEMO_USERS.iter().map(|u| u.0).collect();
    println!(
        "Demo users (one per role): {}; password for all: {}",
        names.join(", "),
        auth::accounts::DEMO_PASSWORD
    );
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

async fn cluster_command(data_dir: &std::path::Path, action: ClusterAction) -> anyhow::Result<()> {
    let dir = data_dir.to_path_buf();
    let cluster = tokio::task::spawn_blocking(move || Cluster::new(&dir)).await??;
    match action {
        ClusterAction::Start => {
            let cluster =
                tokio::task::spawn_blocking(move || cluster.ensure_running().map(|()| cluster)).await??;
            println!("{}", cluster.url(db::DATABASE));
        }
        ClusterAction::Stop => tokio::task::spawn_blocking(move || cluster.stop()).await??,
        ClusterAction::Status => {
            let state = if cluster.is_running() { "running" } else { "stopped" };
            println!("{state} {}", cluster.url(db::DATABASE));
        }
    }
    Ok(())
}
