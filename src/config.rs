//! Command line and configuration. Every flag is also an environment variable, so the same
//! binary is configured the same way by a person, a systemd unit or CI.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::db::users::Role;

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
    /// Time the hot-spot analysis and write its inputs for `bench/hotspots.sh` (not for operators).
    #[command(hide = true)]
    BenchHotspots(BenchHotspots),
}

/// `antq bench-hotspots`: see `bench/hotspots.sh`.
#[derive(Debug, Clone, Args)]
pub struct BenchHotspots {
    /// Hexagon edge, m.
    #[arg(long, env = "ANTQ_BENCH_CELL")]
    pub cell: f64,
    /// The province boundary's date (YYYY-MM-DD).
    #[arg(long, env = "ANTQ_BENCH_AS_OF", default_value = "2020-06-30")]
    pub as_of: chrono::NaiveDate,
    /// Repetitions of each timing; the median is reported.
    #[arg(long, env = "ANTQ_BENCH_REPEAT", default_value_t = 5)]
    pub repeat: usize,
    /// Directory for the counts, weights and z-scores compared with esda.
    #[arg(long, env = "ANTQ_BENCH_OUT")]
    pub out: PathBuf,
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

/// `antq import ...`: all or nothing; a refused file lists every bad record and writes nothing.
#[derive(Debug, Clone, Subcommand)]
pub enum ImportAction {
    /// Points from CSV (`code,category,observed_at,lon,lat,description,...`) or GeoJSON.
    Points {
        /// The file (`.csv`, `.geojson` or `.json`).
        file: PathBuf,
        /// The layer the points go to.
        #[arg(long, value_enum)]
        layer: crate::imports::points::PointLayer,
    },
    /// A GPX file's tracks (each segment one track) into a patrol.
    Gpx {
        /// The `.gpx` file.
        file: PathBuf,
        /// The patrol's id.
        #[arg(long)]
        patrol: i64,
    },
    /// Administrative boundaries (GeoJSON) as new versions of the units of one level.
    Boundaries {
        /// The `.geojson` file.
        file: PathBuf,
        /// The level of every unit in the file.
        #[arg(long, value_parser = ["district", "commune", "village"])]
        level: String,
        /// The first day of the new versions (YYYY-MM-DD).
        #[arg(long)]
        valid_from: chrono::NaiveDate,
        /// The file's EPSG code (4326, 4756, 3405, 9208); default: its `crs` member, else 4326.
        #[arg(long)]
        srid: Option<i32>,
        /// Repair invalid geometry (the area change is reported) instead of refusing it.
        #[arg(long)]
        make_valid: bool,
        /// Report only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Overlaps, gaps and parts outside the parent smaller than this (km²) are not reported.
        #[arg(long, default_value_t = 0.01)]
        threshold_km2: f64,
    },
}

/// `antq user ...`
#[derive(Debug, Clone, Subcommand)]
pub enum UserAction {
    /// Create a user; the password is read from standard input (one line), never an argument.
    Add {
        /// Sign-in name: 2-64 of A-Z a-z 0-9 . _ -
        name: String,
        /// Role.
        #[arg(long, value_enum)]
        role: Role,
        /// Admin unit codes (province, district, commune) the user's restricted reads and
        /// writes are limited to (editor, patrol).
        #[arg(long, value_delimiter = ',')]
        jurisdiction: Vec<String>,
        /// A patrol user's own unit (border-guard post or police unit code).
        #[arg(long)]
        unit: Option<String>,
    },
    /// List users with role, jurisdiction and state.
    List,
    /// Disable a user: sessions end, tokens stop working, sign-in is refused.
    Disable {
        /// Sign-in name.
        name: String,
    },
}

/// `antq token ...`
#[derive(Debug, Clone, Subcommand)]
pub enum TokenAction {
    /// Create an API token for a user and print it (only now: it is stored hashed).
    Create {
        /// The user the token acts as.
        name: String,
        /// How long it works: e.g. 12h, 90d, 2w, or never.
        #[arg(long, default_value = "90d", value_parser = crate::auth::accounts::parse_validity)]
        expires_in: crate::auth::accounts::Validity,
        /// A label to recognise it by (the client or script using it).
        #[arg(long, default_value = "api")]
        label: String,
    },
    /// List tokens (ids, users, labels, expiry; never the secrets).
    List,
    /// Revoke a token by id.
    Revoke {
        /// The token's id (from `create` or `list`).
        id: i64,
    },
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

    /// Seconds a database statement may run before the server cancels it (0: no limit). Keep it
    /// under the request timeout, so a slow query frees its connection when its request gives up.
    /// `antq import` runs without one (an import is one transaction over the whole file).
    #[arg(long, env = "ANTQ_STATEMENT_TIMEOUT", default_value_t = 25, global = true)]
    pub statement_timeout_secs: u64,
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

    /// Hot standbys (streaming replicas) for reads of layers, tiles, exports, reports and
    /// search; comma-separated in the environment. Writes and sessions stay on the primary.
    #[arg(
        long = "read-database-url",
        env = "ANTQ_READ_DATABASE_URLS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub read_database_urls: Vec<String>,

    /// Seconds in-flight requests get to finish after SIGTERM or Ctrl-C; new connections are
    /// refused meanwhile.
    #[arg(long, env = "ANTQ_SHUTDOWN_GRACE", default_value_t = 10)]
    pub shutdown_grace_secs: u64,

    /// Minutes of inactivity after which a session expires.
    #[arg(long, env = "ANTQ_SESSION_IDLE_MINS", default_value_t = 720, value_parser = clap::value_parser!(u64).range(1..=43_200))]
    pub session_idle_mins: u64,

    /// Let anonymous callers read the public layers (boundaries, border).
    #[arg(long, env = "ANTQ_PUBLIC_LAYERS")]
    pub public_layers: bool,

    /// When the session cookie is marked Secure: auto (when the request came over HTTPS, per
    /// X-Forwarded-Proto), always or never.
    #[arg(long, env = "ANTQ_SECURE_COOKIES", value_enum, default_value_t = CookieSecurity::Auto)]
    pub secure_cookies: CookieSecurity,

    /// An online base map under the web map, as a tile URL template
    /// (`https://tile.example.org/{z}/{x}/{y}.png`). Without it the map has a plain background and
    /// the page makes no request outside this service (air-gapped networks).
    #[arg(long, env = "ANTQ_BASEMAP_URL")]
    pub basemap_url: Option<String>,

    /// The attribution shown under the base map (its licence usually requires one).
    #[arg(long, env = "ANTQ_BASEMAP_ATTRIBUTION", default_value = "")]
    pub basemap_attribution: String,
}

/// When the session cookie is marked `Secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CookieSecurity {
    /// When the request came over HTTPS (`X-Forwarded-Proto: https` from the TLS proxy).
    Auto,
    /// Always (the service is only reached over HTTPS).
    Always,
    /// Never (plain HTTP on a closed network).
    Never,
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
