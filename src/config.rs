//! Command line and configuration. Every flag is also an environment variable, so the same
//! binary is configured the same way by a person, a systemd unit or CI.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    /// Manage the private PostgreSQL cluster by hand (tests and operators).
    Cluster {
        /// What to do with the cluster.
        #[command(subcommand)]
        action: ClusterAction,
    },
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

/// Database settings shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct DbConfig {
    /// A PostgreSQL server to use instead of the private cluster.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Directory of the private PostgreSQL cluster (used when no database URL is given).
    #[arg(long, env = "ANTQ_DATA_DIR", default_value = "var/pg", global = true)]
    pub data_dir: PathBuf,

    /// Largest number of pooled database connections.
    #[arg(long, env = "ANTQ_DB_POOL_SIZE", default_value_t = 16, global = true)]
    pub pool_size: u32,
}

/// Settings of `serve` and `demo`.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address and port to listen on.
    #[arg(long, env = "ANTQ_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Directory of the web map's static files.
    #[arg(long, env = "ANTQ_WEB_DIR", default_value = "web")]
    pub web_dir: PathBuf,

    /// Seconds a request may take before it is answered 503.
    #[arg(long, env = "ANTQ_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout_secs: u64,
}

/// Settings of `demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoConfig {
    /// Serving settings.
    #[command(flatten)]
    pub serve: ServeConfig,

    /// The demo data set, loaded when the database has no administrative units.
    #[arg(long, env = "ANTQ_DEMO_FIXTURES", default_value = "fixtures/laocai")]
    pub fixtures: PathBuf,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}
