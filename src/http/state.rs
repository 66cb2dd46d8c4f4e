//! What every handler can reach: the pools, the edge's settings and the metrics.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::metrics;
use crate::config::CookieSecurity;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Database connections.
    pub pool: sqlx::PgPool,
    /// Whether the pool is on the private cluster (reported by `/health`).
    pub private_cluster: bool,
    /// Settings of the HTTP edge.
    pub http: Arc<HttpSettings>,
    /// Request and pool figures for `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
    /// Where reads that tolerate replication lag go (see [`AppState::read_pool`]).
    pub reads: Arc<crate::db::replicas::ReadPools>,
    /// Tiles in memory, keyed by their data version (never stale).
    pub tiles: Arc<crate::layers::tile_cache::TileCache>,
}

impl AppState {
    /// State over one database (reads and writes on `pool`), default metrics.
    #[must_use]
    pub fn new(pool: sqlx::PgPool, private_cluster: bool, http: HttpSettings) -> Self {
        let reads = Arc::new(crate::db::replicas::ReadPools::primary_only(pool.clone()));
        let tiles = Arc::new(crate::layers::tile_cache::TileCache::new(http.tile_cache_bytes));
        Self { pool, private_cluster, http: Arc::new(http), metrics: Arc::default(), reads, tiles }
    }

    /// The pool for reads of layers, tiles, exports, reports and search: a hot standby when one
    /// is configured and answers, else the primary. Writes, sessions and audit use `pool`.
    #[must_use]
    pub fn read_pool(&self) -> &sqlx::PgPool {
        self.reads.read()
    }

    /// The pool to read `layer` from: an analysis reads the run its request just prepared on the
    /// primary (a standby may not have replayed it yet); stored data reads from [`Self::read_pool`].
    #[must_use]
    pub fn layer_pool(&self, layer: &crate::layers::Layer) -> &sqlx::PgPool {
        if crate::layers::analysis_runs::analysis_of(layer).is_some() { &self.pool } else { self.read_pool() }
    }
}

/// Settings of the HTTP edge.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Directory of the web map's static files.
    pub web_dir: PathBuf,
    /// How long a request may take.
    pub request_timeout: Duration,
    /// A session unused this long expires.
    pub session_idle: Duration,
    /// Whether anonymous callers may read the public layers.
    pub public_layers: bool,
    /// When the session cookie is marked `Secure`.
    pub cookie_security: CookieSecurity,
    /// The web map's online base map (tile URL template), if any; `None`: a plain background.
    pub basemap_url: Option<String>,
    /// The base map served from a file (`--basemap-file`), opened at start.
    pub basemap_file: Option<Arc<crate::tilesets::Basemap>>,
    /// The base map's attribution.
    pub basemap_attribution: String,
    /// The tile cache's budget in bytes (0: off).
    pub tile_cache_bytes: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            web_dir: PathBuf::from("web"),
            request_timeout: Duration::from_secs(30),
            session_idle: Duration::from_hours(12),
            public_layers: false,
            cookie_security: CookieSecurity::Auto,
            basemap_url: None,
            basemap_file: None,
            basemap_attribution: String::new(),
            tile_cache_bytes: 64 << 20,
        }
    }
}
