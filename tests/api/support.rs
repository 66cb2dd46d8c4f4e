//! Test support: a fresh, migrated database per test, cloned from a template that is migrated once
//! per set of migrations, on `ANTQ_TEST_DATABASE_URL` or on a private cluster under `target/`.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use antq_atlas::db::{self, MIGRATOR, cluster::Cluster};
use antq_atlas::http::{AppState, HttpSettings};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::{ConnectOptions, Connection, PgConnection};
use tower::ServiceExt;

/// A database of its own for one test.
pub struct TestDb {
    pub pool: PgPool,
}

/// The server every test database lives on.
fn server() -> PgConnectOptions {
    if let Ok(url) = std::env::var("ANTQ_TEST_DATABASE_URL") {
        return url.parse().expect("ANTQ_TEST_DATABASE_URL is not a PostgreSQL URL");
    }
    let dir = std::env::var_os("ANTQ_TEST_DATA_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-pg"), PathBuf::from);
    let cluster = Cluster::new(&dir).expect("private test cluster");
    // Left running for the other test processes; scripts/test.sh stops it at the end.
    cluster.ensure_running().expect("start the private test cluster");
    cluster.connect_options("postgres")
}

/// Names are made here from the migrations' checksums and our pid, never from input, so
/// splicing them into CREATE/DROP DATABASE (which take no bind parameters) is safe.
fn template_name() -> String {
    let mut hasher = DefaultHasher::new();
    for m in MIGRATOR.iter() {
        m.version.hash(&mut hasher);
        m.checksum.hash(&mut hasher);
    }
    format!("atlas_tmpl_{:016x}", hasher.finish())
}

async fn exec(conn: &mut PgConnection, sql: String) {
    sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A fresh database with every migration applied.
pub async fn test_db() -> TestDb {
    fresh_db(false).await
}

/// A fresh database with every migration applied and the Lao Cai demo (`fixtures/laocai`) loaded,
/// cloned from a second template that is loaded once per set of migrations and fixture files.
pub async fn loaded_db() -> TestDb {
    fresh_db(true).await
}

/// The demo data set's directory.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/laocai")
}

/// The loaded template's name: the migrations' template name and a hash of the fixture files.
fn demo_template_name(template: &str) -> String {
    let mut hasher = DefaultHasher::new();
    let mut files: Vec<_> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/laocai")
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    for f in files {
        f.file_name().hash(&mut hasher);
        std::fs::read(&f).expect("fixture file").hash(&mut hasher);
    }
    format!("{template}_demo_{:08x}", hasher.finish() & 0xffff_ffff)
}

async fn fresh_db(loaded: bool) -> TestDb {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let server = server();
    let mut admin = server.clone().database("postgres").connect().await.expect("connect to the test server");
    // One process at a time creates templates and clones them (a template being cloned must
    // have no other session).
    sqlx::query("select pg_advisory_lock(727274)").execute(&mut admin).await.expect("lock");
    let template = template_name();
    let demo = demo_template_name(&template);
    drop_leftovers(&mut admin, &[&template, &demo]).await;
    if !database_exists(&mut admin, &template).await {
        let building = format!("{template}_building");
        exec(&mut admin, format!("drop database if exists {building} with (force)")).await;
        exec(&mut admin, format!("create database {building}")).await;
        let mut conn = server.clone().database(&building).connect().await.expect("connect to template");
        MIGRATOR.run(&mut conn).await.expect("migrations apply to an empty database");
        conn.close().await.expect("close");
        exec(&mut admin, format!("alter database {building} rename to {template}")).await;
    }
    if loaded && !database_exists(&mut admin, &demo).await {
        let building = format!("{demo}_building");
        exec(&mut admin, format!("drop database if exists {building} with (force)")).await;
        exec(&mut admin, format!("create database {building} template {template}")).await;
        let pool = db::pool(server.clone().database(&building), 2).await.expect("connect to demo template");
        antq_atlas::fixtures::load_dir(&pool, &fixtures_dir()).await.expect("the demo data loads");
        pool.close().await;
        exec(&mut admin, format!("alter database {building} rename to {demo}")).await;
    }
    let source = if loaded { &demo } else { &template };
    let name = format!("atlas_t_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    exec(&mut admin, format!("create database {name} template {source}")).await;
    sqlx::query("select pg_advisory_unlock(727274)").execute(&mut admin).await.expect("unlock");
    admin.close().await.expect("close");
    let pool = db::pool(server.database(&name), 4).await.expect("connect to the test database");
    TestDb { pool }
}

async fn database_exists(admin: &mut PgConnection, name: &str) -> bool {
    sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
        .bind(name)
        .fetch_one(admin)
        .await
        .expect("look up database")
}

/// Drops templates of older migrations, and test databases whose process has ended.
async fn drop_leftovers(admin: &mut PgConnection, keep: &[&str]) {
    let names: Vec<String> =
        sqlx::query_scalar("select datname from pg_database where datname like 'atlas\\_t%'")
            .fetch_all(&mut *admin)
            .await
            .expect("list databases");
    for name in names {
        let stale = if let Some(rest) = name.strip_prefix("atlas_t_") {
            let pid = rest.split('_').next().unwrap_or_default();
            !std::path::Path::new(&format!("/proc/{pid}")).exists()
        } else {
            !keep.contains(&name.as_str())
        };
        if stale {
            exec(admin, format!("drop database if exists {name} with (force)")).await;
        }
    }
}

/// The application router over `pool`, as `antq serve` builds it.
pub fn app(pool: PgPool) -> Router {
    antq_atlas::http::router(AppState {
        pool,
        private_cluster: false,
        http: Arc::new(HttpSettings {
            web_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web"),
            request_timeout: Duration::from_secs(30),
        }),
    })
}

/// Sends a GET and returns the status and the body parsed as JSON (`Null` when it is not JSON).
pub async fn get_json(app: &Router, uri: &str) -> (StatusCode, serde_json::Value) {
    let response = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("the router answers");
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}
