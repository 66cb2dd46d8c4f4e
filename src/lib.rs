//! ANTQ Atlas: a PostGIS map service for security planning in a border province.
//!
//! `main.rs` only parses the command line; everything runs from here so that the integration
//! tests drive the same code. Dependencies point one way: `http -> db`.

pub mod admin;
pub mod analysis;
pub mod auth;
mod bench;
pub mod config;
pub mod db;
pub mod fixtures;
pub mod http;
pub mod imports;
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
    let command = match cli.command {
        Command::Cluster { action } => return cluster_command(&cli.db.data_dir, action).await,
        other => other,
    };
    // An operator's import is one transaction over the whole file by design (all or nothing):
    // the statement timeout that frees the service's connections would cut a large one short.
    let db_config = match &command {
        Command::Import { .. } => config::DbConfig { statement_timeout_secs: 0, ..cli.db.clone() },
        _ => cli.db.clone(),
    };
    let db = Database::open(&db_config).await?;
    // Every other command runs on an open database, which is closed (and the private cluster
    // left) whatever the outcome.
    let result = match command {
        Command::Serve(serve_config) => serve(&db, &serve_config).await,
        Command::Demo(demo) => run_demo(&db, &demo).await,
        Command::Load { dir } => load_and_report(&db, &dir).await,
        Command::User { action } => admin::user_command(&db.pool, action).await,
        Command::Token { action } => admin::token_command(&db.pool, action).await,
        Command::Import { what } => imports::cli::run(&db.pool, what).await,
        Command::Migrate => {
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Cluster { .. } => Ok(()),
        Command::BenchHotspots(bench) => bench::hotspots(&db.pool, &bench).await,
    };
    db.close().await;
    result
}

/// `antq demo`: the demo data (into an empty database), one user per role, then serve.
async fn run_demo(db: &Database, demo: &config::DemoConfig) -> anyhow::Result<()> {
    load_demo_if_empty(db, &demo.fixtures).await?;
    auth::accounts::create_demo_users(&db.pool).await?;
    print_summary(db).await?;
    print_demo_users();
    serve(db, &demo.serve).await
}

/// `antq demo` loads the demo data only into a database without administrative units, so that
/// it never mixes the demo with real data (loading is idempotent anyway).
async fn load_demo_if_empty(db: &Database, dir: &std::path::Path) -> anyhow::Result<()> {
    if db::load::is_empty(&db.pool).await? {
        load_and_report(db, dir).await
    } else {
        tracing::info!("the database holds data already: the demo data is not loaded");
        Ok(())
    }
}

async fn load_and_report(db: &Database, dir: &std::path::Path) -> anyhow::Result<()> {
    let loaded = fixtures::load_dir(&db.pool, dir).await?;
    let elapsed = loaded.elapsed.as_secs_f64();
    println!("loaded {}: {} new rows in {elapsed:.1} s", dir.display(), loaded.inserted());
    for step in &loaded.steps {
        tracing::info!(file = step.file, inserted = step.inserted, "loaded");
    }
    Ok(())
}

/// What the demo holds today: the districts by name and the province report's main figures.
async fn print_summary(db: &Database) -> anyhow::Result<()> {
    let report = db::reports::province(&db.pool, None).await?;
    let districts =
        db::admin_units::as_of(&db.pool, report.as_of, Some(db::admin_units::UnitLevel::District)).await?;
    let names: Vec<&str> = districts.iter().map(|d| d.name.as_str()).collect();
    println!("as of {}: {} district-level units ({})", report.as_of, report.districts, names.join(", "));
    println!(
        "  {} communes, wards and townships; {} villages; population {}; area {:.2} km²; border {:.3} km \
         (official), {:.3} km (drawn); {} key security communes; {} model sites",
        report.commune_level_units,
        report.villages,
        report.population,
        report.area_km2.unwrap_or_default(),
        report.border_length_km_official.unwrap_or_default(),
        report.border_length_km_measured.unwrap_or_default(),
        report.key_security_communes,
        report.model_sites,
    );
    Ok(())
}

/// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
async fn serve(db: &Database, config: &ServeConfig) -> anyhow::Result<()> {
    let settings = http::HttpSettings {
        web_dir: config.web_dir.clone(),
        request_timeout: Duration::from_secs(config.request_timeout_secs),
        session_idle: Duration::from_mins(config.session_idle_mins),
        public_layers: config.public_layers,
        cookie_security: config.secure_cookies,
        basemap_url: config.basemap_url.clone(),
        basemap_attribution: config.basemap_attribution.clone(),
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
            db::create_database(&cluster).await?;
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
