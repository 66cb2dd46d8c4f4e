//! The database goes away under load and comes back: requests are answered 503 with a JSON reason
//! within the request timeout while it is gone, every request succeeds again soon after it
//! returns, and a write caught by the outage is either wholly there or wholly absent.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use antq_atlas::auth::Role;
use antq_atlas::db::Database;
use antq_atlas::db::Options as DbOptions;
use antq_atlas::db::cluster::Cluster;
use antq_atlas::http::HttpSettings;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::support::{app_with, as_user, seed_small, token};

/// Concurrent clients, as the issue's load (`oha -c 32`).
const CLIENTS: usize = 32;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const OUTAGE: Duration = Duration::from_secs(10);
/// How soon after the database returns every request must succeed again.
const RECOVERY: Duration = Duration::from_secs(5);

#[derive(Debug)]
struct Answer {
    sent: Instant,
    took: Duration,
    status: StatusCode,
    json_reason: bool,
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let sent = Instant::now();
    let response = app.clone().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let json_reason = body["code"].is_string() && body["description"].is_string();
    Answer { sent, took: sent.elapsed(), status, json_reason }
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

fn post_key_point(n: usize) -> Request<Body> {
    let body = format!(
        r#"{{"code":"KP-F-{n}","category":"drugs","observed_at":"2026-01-02T03:04:05Z","lon":103.95,"lat":22.45}}"#
    );
    Request::post("/api/v1/key-points")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .expect("request")
}

#[tokio::test]
async fn an_outage_under_load_gives_quick_503s_then_full_recovery_and_no_half_writes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("pg");
    let config =
        DbOptions { database_url: None, data_dir: dir.clone(), pool_size: 8, statement_timeout_secs: 4 };
    let database = Database::open(&config).await.expect("open the private cluster");
    seed_small(&database.pool).await;
    let settings = HttpSettings { request_timeout: REQUEST_TIMEOUT, ..HttpSettings::default() };
    let app =
        as_user(app_with(database.pool.clone(), settings), &token(&database.pool, Role::Admin, &[]).await);

    let running = Arc::new(AtomicBool::new(true));
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (app, running) = (app.clone(), running.clone());
        clients.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            let mut writes = Vec::new();
            let mut n = 0;
            while running.load(Ordering::Relaxed) {
                // One client in eight writes; the others read a layer and the key points.
                if c % 8 == 0 {
                    let code = c * 10_000 + n;
                    let answer = send(&app, post_key_point(code)).await;
                    writes.push((code, answer.status));
                    answers.push(answer);
                } else {
                    let uri = if n % 2 == 0 {
                        "/api/v1/collections/communes/items?limit=2"
                    } else {
                        "/api/v1/collections/key_points/items?limit=5"
                    };
                    answers.push(send(&app, get(uri)).await);
                }
                n += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (answers, writes)
        }));
    }

    tokio::time::sleep(Duration::from_secs(2)).await;
    let outside = Cluster::new(&dir).expect("cluster handle");
    let stopped_at = Instant::now();
    tokio::task::spawn_blocking({
        let outside = Cluster::new(&dir).expect("cluster handle");
        move || outside.stop()
    })
    .await
    .expect("join")
    .expect("stop the cluster");
    let stop_took = stopped_at.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let health = send(&app, get("/health")).await;
    tokio::time::sleep(OUTAGE.saturating_sub(Duration::from_secs(1))).await;
    let restarted_at = Instant::now();
    tokio::task::spawn_blocking(move || outside.ensure_running()).await.expect("join").expect("restart");
    tokio::time::sleep(RECOVERY + Duration::from_secs(3)).await;
    running.store(false, Ordering::Relaxed);

    let mut answers = Vec::new();
    let mut writes = Vec::new();
    for client in clients {
        let (a, w) = client.await.expect("client task");
        answers.extend(a);
        writes.extend(w);
    }

    let last_failure = answers
        .iter()
        .filter(|a| a.sent > restarted_at && !a.status.is_success())
        .map(|a| a.sent + a.took - restarted_at)
        .max()
        .unwrap_or_default();
    let slowest = answers.iter().map(|a| a.took).max().unwrap_or_default();
    eprintln!(
        "outage test: {} requests ({} answered 503), slowest answer {slowest:?}; last failure {last_failure:?} \
         after the database was back",
        answers.len(),
        answers.iter().filter(|a| a.status == StatusCode::SERVICE_UNAVAILABLE).count(),
    );
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE, "/health during the outage");
    let unexpected: Vec<&Answer> =
        answers.iter().filter(|a| !matches!(a.status.as_u16(), 200 | 201 | 503)).collect();
    assert!(unexpected.is_empty(), "only 200/201/503 expected: {unexpected:?}");
    let slow: Vec<&Answer> =
        answers.iter().filter(|a| a.took > REQUEST_TIMEOUT + Duration::from_secs(1)).collect();
    assert!(slow.is_empty(), "answers slower than the request timeout: {slow:?}");
    let during = |a: &&Answer| a.sent > stopped_at + stop_took && a.sent < restarted_at;
    let refused: Vec<&Answer> =
        answers.iter().filter(during).filter(|a| a.status == StatusCode::SERVICE_UNAVAILABLE).collect();
    assert!(!refused.is_empty(), "no request met the outage");
    assert!(refused.iter().all(|a| a.json_reason), "a 503 without a JSON reason");
    let late_failures: Vec<&Answer> =
        answers.iter().filter(|a| a.sent > restarted_at + RECOVERY && !a.status.is_success()).collect();
    assert!(
        late_failures.is_empty(),
        "still failing {RECOVERY:?} after the database returned: {late_failures:?}"
    );
    let after_recovery = answers.iter().filter(|a| a.sent > restarted_at + RECOVERY).count();
    assert!(after_recovery > CLIENTS, "too few requests after recovery to judge: {after_recovery}");

    assert_writes_whole_or_absent(&database.pool, &writes).await;
    database.close().await;
}

/// Every write is whole or absent: a key point is never without its audit record (they share a
/// transaction), and every write answered 201 is there.
async fn assert_writes_whole_or_absent(pool: &sqlx::PgPool, writes: &[(usize, StatusCode)]) {
    let orphans: i64 = sqlx::query_scalar(
        "select count(*) from key_points k where k.code like 'KP-F-%'
           and not exists (select 1 from audit_log a where a.action = 'key_point.create'
                                                     and a.target = 'key_point:' || k.id)",
    )
    .fetch_one(pool)
    .await
    .expect("count");
    assert_eq!(orphans, 0, "key points written without their audit record");
    for (code, status) in writes.iter().filter(|(_, s)| *s == StatusCode::CREATED) {
        let there: bool = sqlx::query_scalar("select exists (select 1 from key_points where code = $1)")
            .bind(format!("KP-F-{code}"))
            .fetch_one(pool)
            .await
            .expect("lookup");
        assert!(there, "KP-F-{code} was answered {status} but is missing");
    }
}
