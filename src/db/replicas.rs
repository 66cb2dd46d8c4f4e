//! Read replicas: PostgreSQL's own streaming replication, nothing home-made.
//!
//! Writes, sessions and the audit log always go to the primary. Reads that tolerate a moment of
//! replication lag (layers, tiles, exports, reports, search) go to a hot standby that answers,
//! round-robin; a standby that stops answering is skipped until it answers again, and with none
//! left reads fall back to the primary. A watcher checks each standby every second, so a failed
//! standby costs at most about a second of 503s on the reads that were sent to it.

use std::ffi::OsStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::cluster::{Cluster, ClusterError, PORT, Result, SUPERUSER};

impl Cluster {
    /// Makes `standby` a streaming replica of this running cluster (`pg_basebackup -R`: a copy
    /// of the data directory with `standby.signal` and the primary's socket as
    /// `primary_conninfo`), then starts it. The standby listens on its own directory's socket.
    ///
    /// # Errors
    /// `standby` already holds a cluster, or `pg_basebackup` or the start fails.
    pub fn replicate_to(&self, standby: &Cluster) -> Result<()> {
        let target = standby.pgdata();
        if target.join("PG_VERSION").exists() {
            return Err(ClusterError::Program {
                program: "pg_basebackup".into(),
                status: "not run".into(),
                output: format!("{} already holds a cluster", target.display()),
                log: target.clone(),
            });
        }
        let port = PORT.to_string();
        let args: [&OsStr; 13] = [
            "-D".as_ref(),
            target.as_os_str(),
            "-R".as_ref(),
            "-X".as_ref(),
            "stream".as_ref(),
            "-c".as_ref(),
            "fast".as_ref(),
            "-h".as_ref(),
            self.dir().as_os_str(),
            "-p".as_ref(),
            port.as_ref(),
            "-U".as_ref(),
            SUPERUSER.as_ref(),
        ];
        self.run("pg_basebackup", &args)?;
        standby.ensure_running()
    }
}

struct Replica {
    pool: PgPool,
    up: AtomicBool,
}

/// Where reads go: the standbys that answer, else the primary.
pub struct ReadPools {
    primary: PgPool,
    replicas: Vec<Replica>,
    next: AtomicUsize,
}

impl std::fmt::Debug for ReadPools {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadPools").field("replicas", &self.replicas.len()).finish_non_exhaustive()
    }
}

impl ReadPools {
    /// Reads on the primary only (no standby configured).
    #[must_use]
    pub fn primary_only(primary: PgPool) -> Self {
        Self { primary, replicas: Vec::new(), next: AtomicUsize::new(0) }
    }

    /// Pools on the standbys at `urls` (connected lazily, so a standby that is down does not
    /// stop the service from starting), each checked once before this returns.
    ///
    /// # Errors
    /// A URL is not a PostgreSQL URL.
    pub async fn connect(primary: PgPool, urls: &[String], size: u32) -> anyhow::Result<Self> {
        let mut replicas = Vec::new();
        for url in urls {
            let options: PgConnectOptions =
                url.parse().with_context(|| "a read database URL is not a valid PostgreSQL URL")?;
            let pool = PgPoolOptions::new()
                .max_connections(size)
                // A standby that is gone must fail fast: the watcher then takes it out.
                .acquire_timeout(Duration::from_secs(1))
                .test_before_acquire(true)
                .connect_lazy_with(
                    options.application_name("antq-read").options([("timezone", "UTC"), ("jit", "off")]),
                );
            replicas.push(Replica { pool, up: AtomicBool::new(false) });
        }
        let pools = Self { primary, replicas, next: AtomicUsize::new(0) };
        pools.check().await;
        Ok(pools)
    }

    /// The pool for a read: the next standby that answers, else the primary.
    #[must_use]
    pub fn read(&self) -> &PgPool {
        let n = self.replicas.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..n)
            .map(|i| &self.replicas[(start + i) % n])
            .find(|r| r.up.load(Ordering::Relaxed))
            .map_or(&self.primary, |r| &r.pool)
    }

    /// How many standbys answer now.
    #[must_use]
    pub fn standbys_up(&self) -> usize {
        self.replicas.iter().filter(|r| r.up.load(Ordering::Relaxed)).count()
    }

    /// Checks every standby once: it must answer within a second and be in recovery (a standby
    /// promoted to primary is not a read replica of ours any more).
    pub async fn check(&self) {
        for replica in &self.replicas {
            let probe = sqlx::query_scalar::<_, bool>("select pg_is_in_recovery()").fetch_one(&replica.pool);
            let up = matches!(tokio::time::timeout(Duration::from_secs(1), probe).await, Ok(Ok(true)));
            if replica.up.swap(up, Ordering::Relaxed) != up {
                if up {
                    tracing::info!("a read replica answers again; reads go to it");
                } else {
                    tracing::warn!("a read replica does not answer; its reads go elsewhere");
                }
            }
        }
    }

    /// Checks the standbys every second for as long as the returned task runs.
    #[must_use]
    pub fn watch(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let pools = Arc::clone(self);
        tokio::spawn(async move {
            if pools.replicas.is_empty() {
                return;
            }
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                pools.check().await;
            }
        })
    }

    /// Closes the standbys' pools (the primary's is closed by its owner).
    pub async fn close(&self) {
        for replica in &self.replicas {
            replica.pool.close().await;
        }
    }
}
