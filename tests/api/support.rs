//! Test support: a fresh, migrated database per test, cloned from a template that is migrated once
//! per set of migrations, on `ANTQ_TEST_DATABASE_URL` or on a private cluster under `target/`.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

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
    /// A `DATABASE_URL` for this database, for running the `antq` binary on it.
    pub url: String,
}

fn test_data_dir() -> PathBuf {
    std::env::var_os("ANTQ_TEST_DATA_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-pg"), PathBuf::from)
}

/// A URL for the database `name` on the test server.
fn database_url(name: &str) -> String {
    if let Ok(url) = std::env::var("ANTQ_TEST_DATABASE_URL") {
        let (base, query) = url.split_once('?').map_or((url.as_str(), None), |(b, q)| (b, Some(q)));
        let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
        return format!("{prefix}/{name}{}", query.map(|q| format!("?{q}")).unwrap_or_default());
    }
    Cluster::new(&test_data_dir()).expect("private test cluster").url(name)
}

/// The server every test database lives on.
fn server() -> PgConnectOptions {
    if let Ok(url) = std::env::var("ANTQ_TEST_DATABASE_URL") {
        return url.parse().expect("ANTQ_TEST_DATABASE_URL is not a PostgreSQL URL");
    }
    let cluster = Cluster::new(&test_data_dir()).expect("private test cluster");
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
    TestDb { pool, url: database_url(&name) }
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

/// The application router over `pool`, as `antq serve` builds it with the default settings.
pub fn app(pool: PgPool) -> Router {
    app_with(pool, HttpSettings::default())
}

/// The application router over `pool` with `settings` (the web directory is the repository's).
pub fn app_with(pool: PgPool, mut settings: HttpSettings) -> Router {
    settings.web_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web");
    antq_atlas::http::router(AppState::new(pool, false, settings))
}

/// A user of `role` (named after it, with jurisdiction `codes`) and an API token for it.
pub async fn token(pool: &PgPool, role: antq_atlas::auth::Role, codes: &[&str]) -> String {
    let name = format!("{role:?}").to_lowercase();
    let codes: Vec<String> = codes.iter().map(|c| (*c).to_owned()).collect();
    antq_atlas::auth::accounts::add_user(pool, &name, role, &codes, None, "correct horse battery")
        .await
        .expect("add user");
    antq_atlas::auth::accounts::create_token(pool, &name, "test", Some(chrono::TimeDelta::days(1)))
        .await
        .expect("token")
        .1
}

/// `router` with every request carrying `Authorization: Bearer <token>`.
pub fn as_user(router: Router, token: &str) -> Router {
    let value = axum::http::HeaderValue::from_str(&format!("Bearer {token}")).expect("header value");
    router.layer(tower_http::set_header::SetRequestHeaderLayer::overriding(
        axum::http::header::AUTHORIZATION,
        value,
    ))
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

/// Sends a GET with `headers` and returns the whole response: status, headers, body bytes.
pub async fn get_raw(
    app: &Router,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut request = Request::get(uri);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response =
        app.clone().oneshot(request.body(Body::empty()).expect("request")).await.expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("body").to_bytes().to_vec();
    (status, headers, bytes)
}

/// A tiny hand-made Lào Cai: the province as a box, one district, two communes splitting it (the
/// western one drawn clockwise, to check output rings are turned), 40 key points on a grid with
/// one a week from 2020-01-06, a border segment with a marker and a post, and a patrol with a
/// track. Coordinates are round numbers near Lào Cai city so expected answers can be worked out.
pub async fn seed_small(pool: &sqlx::PgPool) {
    let statements = [
        "insert into admin_units (code, level, kind, name, valid_from, population, geom) values
         ('10', 'province', 'tỉnh', 'Tỉnh Lào Cai', '2004-01-01', 705000,
          ST_GeomFromText('MULTIPOLYGON(((103.5 21.8,104.7 21.8,104.7 22.9,103.5 22.9,103.5 21.8)))', 4326))",
        "insert into admin_units (code, level, kind, name, parent_id, valid_from, geom) values
         ('080', 'district', 'thành phố', 'Thành phố Lào Cai', (select id from admin_units where code = '10'), '2004-01-01',
          ST_GeomFromText('MULTIPOLYGON(((103.9 22.4,104.1 22.4,104.1 22.6,103.9 22.6,103.9 22.4)))', 4326))",
        "insert into admin_units (code, level, kind, name, parent_id, valid_from, population, geom) values
         ('02635', 'commune', 'phường', 'Phường Duyên Hải', (select id from admin_units where code = '080'), '2004-01-01', 12000,
          ST_GeomFromText('MULTIPOLYGON(((103.9 22.4,103.9 22.6,104.0 22.6,104.0 22.4,103.9 22.4)))', 4326)),
         ('02644', 'commune', 'phường', 'Phường Cốc Lếu', (select id from admin_units where code = '080'), '2004-01-01', 15000,
          ST_GeomFromText('MULTIPOLYGON(((104.0 22.4,104.1 22.4,104.1 22.6,104.0 22.6,104.0 22.4)))', 4326))",
        "insert into designations (unit_id, kind, decision, decided_on, valid_from)
         select id, 'key_security', '1579/QĐ-BCA-V28', '2011-05-11', '2011-05-11' from admin_units where code = '02644'",
        "insert into key_points (code, category, severity, observed_at, location, description)
         select 'KP-' || g, case when g % 2 = 0 then 'smuggling' else 'drugs' end, 1 + g % 5,
                timestamptz '2020-01-06 09:00:00+07' + (g - 1) * interval '7 days',
                ST_SetSRID(ST_Point(103.905 + ((g - 1) % 8) * 0.025, 22.41 + ((g - 1) / 8) * 0.04), 4326),
                case when g = 1 then '<img src=x onerror=alert(1)>' else 'điểm ' || g end
         from generate_series(1, 40) g",
        "insert into border_posts (code, name, geom) values ('DBP-1', 'Đồn Biên phòng Cửa khẩu Quốc tế Lào Cai',
          ST_SetSRID(ST_Point(103.97, 22.5), 4326))",
        "insert into border_segments (code, name, post_id, official_length_m, geom) values
         ('BS-1', 'Đoạn Lào Cai', (select id from border_posts), 15000,
          ST_GeomFromText('LINESTRING(103.9 22.55,104.0 22.52,104.1 22.58)', 4326))",
        "insert into border_markers (number, segment_id, geom) values ('92', (select id from border_segments),
          ST_SetSRID(ST_Point(104.0, 22.52), 4326))",
        "insert into patrols (code, kind, units, planned_route, planned_start, planned_end) values
         ('TT-1', 'joint', '{DBP-1,CA phường Cốc Lếu}', ST_GeomFromText('LINESTRING(103.9 22.55,104.0 22.52)', 4326),
          '2020-03-01 07:00:00+07', '2020-03-01 17:00:00+07')",
        "insert into patrol_tracks (patrol_id, geom, point_times, started_at, ended_at)
         select id, ST_GeomFromText('LINESTRING(103.9 22.55,103.95 22.54,104.0 22.52)', 4326),
                array[timestamptz '2020-03-01 07:05:00+07', '2020-03-01 08:00:00+07', '2020-03-01 09:10:00+07'],
                '2020-03-01 07:05:00+07', '2020-03-01 09:10:00+07'
         from patrols",
    ];
    for statement in statements {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(pool)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

/// Serves `router` on a free loopback port (for clients that need real HTTP, such as GDAL) and
/// returns its address; the server lives as long as the test's runtime.
pub async fn serve(router: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    addr
}
