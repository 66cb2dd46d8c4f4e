//! The database: a connection pool over the private cluster or a server given by URL, the
//! migrations, and (in submodules) one module of queries per aggregate.
//!
//! Queries are built at run time (`sqlx::query`, not `query!`) so that building the crate never
//! needs a live database; every value is bound, and SQL text lives only under this module and the
//! layer registry.

pub mod admin_units;
pub mod analysis;
pub mod audit;
pub mod boundaries;
pub mod cluster;
pub mod commune_reports;
pub mod coverage;
pub mod credentials;
pub mod data_versions;
pub mod designations;
pub mod forms;
pub mod health;
pub mod idempotency;
pub mod jurisdiction;
pub mod key_points;
pub mod lineage;
pub mod load;
pub mod model_sites;
pub mod packages;
pub mod patrols;
pub mod planning;
pub mod point_imports;
pub mod refusals;
pub mod reorganise;
pub mod replicas;
pub mod reports;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod tracks;
pub mod users;

use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

use cluster::Cluster;

/// The name of the service's database in the private cluster.
pub const DATABASE: &str = "antq";

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Where the data lives and how to reach it: a plain options struct, so the database layer knows
/// nothing of the command line that fills it.
#[derive(Debug, Clone)]
pub struct Options {
    /// A PostgreSQL server; `None`: the private cluster under `data_dir`.
    pub database_url: Option<String>,
    /// Directory of the private cluster.
    pub data_dir: std::path::PathBuf,
    /// Largest number of pooled connections.
    pub pool_size: u32,
    /// Seconds a statement may run before the server cancels it (0: no limit).
    pub statement_timeout_secs: u64,
}

/// An open database: the pool, and the private cluster when we use one.
#[derive(Debug)]
pub struct Database {
    /// Connections for request handlers.
    pub pool: PgPool,
    cluster: Option<Cluster>,
}

impl Database {
    /// Connects (starting the private cluster first when no URL is configured), creates the
    /// database if it is missing, checks PostGIS is installed and applies the migrations.
    ///
    /// # Errors
    /// The cluster cannot start, the server cannot be reached, PostGIS is missing, or a
    /// migration fails.
    pub async fn open(config: &Options) -> anyhow::Result<Self> {
        let db = if let Some(url) = &config.database_url {
            let options =
                url.parse::<PgConnectOptions>().context("DATABASE_URL is not a valid PostgreSQL URL")?;
            let options = statement_timeout(options, config.statement_timeout_secs);
            let pool = pool(options, config.pool_size).await.context("cannot connect to the database")?;
            Self { pool, cluster: None }
        } else {
            let dir = config.data_dir.clone();
            let cluster = tokio::task::spawn_blocking(move || {
                let mut cluster = Cluster::new(&dir)?;
                cluster.acquire()?;
                Ok::<_, cluster::ClusterError>(cluster)
            })
            .await??;
            match connect_private(&cluster, config).await {
                Ok(pool) => Self { pool, cluster: Some(cluster) },
                Err(e) => {
                    leave(cluster).await;
                    return Err(e);
                }
            }
        };
        // From here on, a failure must still release the cluster.
        if let Err(e) = db.prepare().await {
            db.close().await;
            return Err(e);
        }
        Ok(db)
    }

    async fn prepare(&self) -> anyhow::Result<()> {
        require_postgis(&self.pool).await?;
        // A migration may build indexes over big tables: no statement timeout for it. The
        // session setting ends with this connection (detached, so the pool never reuses it).
        let mut conn = self.pool.acquire().await?.detach();
        sqlx::query("set statement_timeout = 0").execute(&mut conn).await?;
        MIGRATOR.run(&mut conn).await.context("applying the migrations failed")?;
        conn.close().await?;
        Ok(())
    }

    /// Closes the pool and leaves the private cluster (stopping it if we were its last user).
    pub async fn close(mut self) {
        self.pool.close().await;
        if let Some(cluster) = self.cluster.take() {
            leave(cluster).await;
        }
    }

    /// Whether the service runs on its private cluster (rather than a server given by URL).
    #[must_use]
    pub fn is_private(&self) -> bool {
        self.cluster.is_some()
    }
}

/// A pool that notices a restarted server by itself: each connection is checked before use, and
/// waiting for one is bounded so a dead server yields a quick 503, not a hang.
///
/// # Errors
/// The first connection cannot be made.
pub async fn pool(options: PgConnectOptions, size: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(size)
        .acquire_timeout(Duration::from_secs(3))
        .idle_timeout(Duration::from_mins(5))
        .test_before_acquire(true)
        // UTC sessions: every timestamp leaves the database in one zone, whatever the server's
        // default. No JIT: on our PostGIS queries compiling costs more than it saves (a year of
        // border coverage: 10.5 s with it, 3.6 s without; docs/performance.md).
        .connect_with(options.application_name("antq").options([("timezone", "UTC"), ("jit", "off")]))
        .await
}

/// Stops using the private cluster, stopping it if we were its last user.
async fn leave(mut cluster: Cluster) {
    match tokio::task::spawn_blocking(move || cluster.release()).await {
        Ok(Ok(true)) => tracing::info!("private PostgreSQL cluster stopped"),
        Ok(Ok(false)) => tracing::info!("private PostgreSQL cluster left running for its other users"),
        Ok(Err(e)) => tracing::error!(error = %e, "stopping the private PostgreSQL cluster failed"),
        Err(e) => tracing::error!(error = %e, "stopping the private PostgreSQL cluster panicked"),
    }
}

/// Creates the service database in the private cluster on first use, then connects to it.
async fn connect_private(cluster: &Cluster, config: &Options) -> anyhow::Result<PgPool> {
    create_database(cluster).await?;
    let options = statement_timeout(cluster.connect_options(DATABASE), config.statement_timeout_secs);
    pool(options, config.pool_size).await.context("cannot connect to the database")
}

/// Bounds every statement of the pool's sessions (0: no bound), so a runaway query frees its
/// connection instead of holding it past the request that wanted it.
fn statement_timeout(options: PgConnectOptions, secs: u64) -> PgConnectOptions {
    options.options([("statement_timeout", format!("{}", secs * 1000))])
}

/// Creates the service database in the private cluster unless it exists.
///
/// # Errors
/// The cluster does not answer.
pub async fn create_database(cluster: &Cluster) -> anyhow::Result<()> {
    let mut conn = cluster
        .connect_options("postgres")
        .connect()
        .await
        .context("cannot connect to the private cluster")?;
    let exists: bool = sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
        .bind(DATABASE)
        .fetch_one(&mut conn)
        .await?;
    if !exists {
        // The name is our constant, never user text; CREATE DATABASE takes no bind parameters.
        match sqlx::query("create database antq").execute(&mut conn).await {
            // Another antq starting at the same moment created it first.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            other => {
                other.context("cannot create the database")?;
            }
        }
    }
    conn.close().await?;
    Ok(())
}

/// PostGIS must be installed on the server before the migrations can create the extension; say
/// which Debian package brings it rather than failing inside a migration.
async fn require_postgis(pool: &PgPool) -> anyhow::Result<()> {
    let (available, major): (bool, i32) = sqlx::query_as(
        "select exists (select 1 from pg_available_extensions where name = 'postgis'),
                current_setting('server_version_num')::int / 10000",
    )
    .fetch_one(pool)
    .await?;
    if !available {
        bail!(
            "PostGIS is not installed for PostgreSQL {major}. Install it with \
             `apt-get install -y postgresql-{major}-postgis-3` (as root) and start antq again"
        );
    }
    Ok(())
}
