//! A real streaming replica of the private cluster (`pg_basebackup -R`, a second cluster on its
//! own socket): reads are served by the standby, writes by the primary, and reads fall back to
//! the primary when the standby stops.

use std::sync::Arc;
use std::time::{Duration, Instant};

use antq_atlas::auth::Role;
use antq_atlas::db::Database;
use antq_atlas::db::Options as DbOptions;
use antq_atlas::db::cluster::Cluster;
use antq_atlas::db::replicas::ReadPools;
use antq_atlas::http::{AppState, HttpSettings};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;

use crate::support::{as_user, get_json, seed_small, token};

/// Key points the API reads (`numberMatched`), or `None` while it answers an error.
async fn key_points_read(app: &Router) -> Option<i64> {
    let (status, body) = get_json(app, "/api/v1/collections/key_points/items?limit=1").await;
    (status == StatusCode::OK).then(|| body["numberMatched"].as_i64()).flatten()
}

/// Polls until the API reads `expected` key points, within `within`.
async fn until_read(app: &Router, expected: i64, within: Duration, what: &str) {
    let deadline = Instant::now() + within;
    let mut seen = None;
    while Instant::now() < deadline {
        seen = key_points_read(app).await;
        if seen == Some(expected) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: expected {expected} key points read, last saw {seen:?}");
}

async fn write_key_point(app: &Router, code: &str) {
    let body = format!(
        r#"{{"code":"{code}","category":"drugs","observed_at":"2026-01-02T03:04:05Z","lon":103.95,"lat":22.45}}"#
    );
    let request = Request::post("/api/v1/key-points")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("answer");
    assert_eq!(response.status(), StatusCode::CREATED, "the write goes to the primary");
}

async fn on_standby(standby: &Cluster, sql: &'static str) {
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect_with(&standby.connect_options("antq"))
        .await
        .expect("standby");
    sqlx::query(sql).execute(&mut conn).await.expect(sql);
}

#[tokio::test]
async fn reads_go_to_a_streaming_standby_writes_to_the_primary_and_reads_fall_back_when_it_stops() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = DbOptions {
        database_url: None,
        data_dir: tmp.path().join("primary"),
        pool_size: 4,
        statement_timeout_secs: 25,
    };
    let database = Database::open(&config).await.expect("the primary");
    seed_small(&database.pool).await;
    let admin = token(&database.pool, Role::Admin, &[]).await;

    let primary = Cluster::new(&tmp.path().join("primary")).expect("primary handle");
    let standby = Cluster::new(&tmp.path().join("standby")).expect("standby handle");
    let replicate = {
        let standby = Cluster::new(&tmp.path().join("standby")).expect("standby handle");
        tokio::task::spawn_blocking(move || primary.replicate_to(&standby))
    };
    replicate.await.expect("join").expect("pg_basebackup -R and start the standby");

    let reads = Arc::new(
        ReadPools::connect(database.pool.clone(), &[standby.url("antq")], 2).await.expect("read pools"),
    );
    assert_eq!(reads.standbys_up(), 1, "the standby answers and is in recovery");
    let watcher = reads.watch();
    let mut state = AppState::new(database.pool.clone(), true, HttpSettings::default());
    state.reads = Arc::clone(&reads);
    let app = as_user(antq_atlas::http::router(state), &admin);
    until_read(&app, 40, Duration::from_secs(10), "the standby has the seeded key points").await;

    // With replay paused, the standby cannot know a new write: if reads still see 40 after the
    // primary has 41, they are the standby's.
    on_standby(&standby, "select pg_wal_replay_pause()").await;
    write_key_point(&app, "KP-R-1").await;
    let on_primary: i64 =
        sqlx::query_scalar("select count(*) from key_points").fetch_one(&database.pool).await.expect("count");
    assert_eq!(on_primary, 41);
    for _ in 0..5 {
        assert_eq!(key_points_read(&app).await, Some(40), "reads are served by the (paused) standby");
    }
    on_standby(&standby, "select pg_wal_replay_resume()").await;
    until_read(&app, 41, Duration::from_secs(10), "replay resumed").await;

    // The standby stops: reads fall back to the primary within the watcher's second or two.
    tokio::task::spawn_blocking(move || standby.stop()).await.expect("join").expect("stop the standby");
    write_key_point(&app, "KP-R-2").await;
    until_read(&app, 42, Duration::from_secs(5), "reads fell back to the primary").await;
    assert_eq!(reads.standbys_up(), 0);

    watcher.abort();
    reads.close().await;
    database.close().await;
}
