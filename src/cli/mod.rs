//! The command line: what `antq` can be asked to do (clap definitions), and each command's
//! running and printing. Serving itself is `crate::serve`; the settings the commands share are in
//! `config`.

mod bench;
mod demo;
mod imports;
mod users;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use bench::BenchHotspots;
pub use imports::ImportAction;
pub use users::{TokenAction, UserAction};

use crate::config::{DbConfig, DemoConfig, LogFormat, ServeConfig};
use crate::db::{self, Database, cluster::Cluster};

/// `antq`: the ANTQ Atlas service and its administration commands.
#[derive(Debug, Parser)]
#[command(name = "antq", version, about)]
pub struct Cli {
    /// Where the data lives: a server, or the private cluster.
    #[command(flatten)]
    pub db: DbConfig,

    /// Log line format.
    #[arg(long, env = "ANTQ_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and the web map.
    Serve(ServeConfig),
    /// Serve, after loading the Lao Cai demo data into an empty database.
    Demo(DemoConfig),
    /// Load a data set (such as `fixtures/laocai`) in one transaction; loading it again changes nothing.
    Load {
        /// Directory of the data set's GeoJSON and CSV files.
        dir: PathBuf,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Manage users: add (password from standard input), list, disable.
    User {
        /// What to do.
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage API tokens: create (printed once), list, revoke.
    Token {
        /// What to do.
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Import a file: points into key points or model sites, a GPX into a patrol's tracks.
    Import {
        /// What to import.
        #[command(subcommand)]
        what: ImportAction,
    },
    /// Manage the private PostgreSQL cluster by hand (tests and operators).
    Cluster {
        /// What to do with the cluster.
        #[command(subcommand)]
        action: ClusterAction,
    },
    /// Print every route with the permission it needs, as README's Markdown table.
    Routes,
    /// Time the hot-spot analysis and write its inputs for `bench/hotspots.sh` (not for operators).
    #[command(hide = true)]
    BenchHotspots(BenchHotspots),
}

/// Actions on the private cluster.
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum ClusterAction {
    /// Create it if needed, start it, leave it running and print its `DATABASE_URL`.
    Start,
    /// Stop it (fast shutdown), whoever started it.
    Stop,
    /// Print whether it runs, and its `DATABASE_URL`.
    Status,
}

/// The database options the settings name.
fn db_options(config: &DbConfig) -> db::Options {
    db::Options {
        database_url: config.database_url.clone(),
        data_dir: config.data_dir.clone(),
        pool_size: config.pool_size,
        statement_timeout_secs: config.statement_timeout_secs,
    }
}

/// Runs one command of the command line.
///
/// # Errors
/// Whatever stopped the command, with a message meant for the person who typed it.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = match cli.command {
        Command::Cluster { action } => return cluster_command(&cli.db.data_dir, action).await,
        Command::Routes => {
            print!("{}", crate::http::routes::markdown_table(&crate::http::routes()));
            return Ok(());
        }
        other => other,
    };
    // An operator's import is one transaction over the whole file by design (all or nothing):
    // the statement timeout that frees the service's connections would cut a large one short.
    let mut options = db_options(&cli.db);
    if matches!(command, Command::Import { .. }) {
        options.statement_timeout_secs = 0;
    }
    let db = Database::open(&options).await?;
    // Every other command runs on an open database, which is closed (and the private cluster
    // left) whatever the outcome.
    let result = match command {
        Command::Serve(serve_config) => crate::serve(&db, &serve_config).await,
        Command::Demo(demo) => demo::run(&db, &demo).await,
        Command::Load { dir } => demo::load_and_report(&db, &dir).await,
        Command::User { action } => users::user_command(&db.pool, action).await,
        Command::Token { action } => users::token_command(&db.pool, action).await,
        Command::Import { what } => imports::run(&db.pool, what).await,
        Command::Migrate => {
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Cluster { .. } | Command::Routes => Ok(()),
        Command::BenchHotspots(bench) => bench::hotspots(&db.pool, &bench).await,
    };
    db.close().await;
    result
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
