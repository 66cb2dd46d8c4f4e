//! Settings: where the data lives, how the service serves, how it logs. Every flag is also an
//! environment variable, so the same binary is configured the same way by a person, a systemd
//! unit or CI. The commands that take these settings are in `cli`; this file imports nothing
//! of the layers below (they take plain options, see `db::Options`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

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
    /// the page makes no request outside this service (air-gapped networks). Its origin is the
    /// one other place the page's Content-Security-Policy lets images come from.
    #[arg(long, env = "ANTQ_BASEMAP_URL", value_parser = basemap_template)]
    pub basemap_url: Option<String>,

    /// An offline base map served by antq itself: an MBTiles or PMTiles file, raster or vector
    /// (`GET /basemap/{z}/{x}/{y}`; a PMTiles file also whole, with Range, as
    /// `/basemap.pmtiles`). The page then asks no other server for its background.
    #[arg(long, env = "ANTQ_BASEMAP_FILE", conflicts_with = "basemap_url")]
    pub basemap_file: Option<PathBuf>,

    /// The attribution shown under the base map (its licence usually requires one).
    #[arg(long, env = "ANTQ_BASEMAP_ATTRIBUTION", default_value = "")]
    pub basemap_attribution: String,

    /// MiB of vector tiles kept in memory (0: no tile cache). A cached tile is keyed by the data
    /// version of the tables its layer reads, so a write or import is visible in the next read.
    #[arg(long, env = "ANTQ_TILE_CACHE_MIB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(0..=65_536))]
    pub tile_cache_mib: u64,
}

/// The base map's origin for a Content-Security-Policy source list: `scheme://host[:port]`, with
/// a `{s}` (subdomain) label first in the host as the wildcard `*`. `None` for anything else (not
/// http(s), no host, a placeholder elsewhere in the host, a character a source list cannot hold).
#[must_use]
pub fn basemap_origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.strip_prefix("{s}.").map_or_else(|| host.to_owned(), |h| format!("*.{h}"));
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    let bare = host.strip_prefix("*.").unwrap_or(&host);
    (!bare.is_empty() && bare.chars().all(allowed) && !bare.starts_with(['.', '-', ':']))
        .then(|| format!("{scheme}://{host}"))
}

/// `--basemap-url`, refused at start when its origin cannot be told (see [`basemap_origin`]).
fn basemap_template(url: &str) -> Result<String, String> {
    basemap_origin(url).map(|_| url.to_owned()).ok_or_else(|| {
        format!("'{url}' is not an http(s) tile URL template (https://{{s}}.host/{{z}}/{{x}}/{{y}}.png)")
    })
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
