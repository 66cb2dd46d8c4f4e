//! `GET /health` tells whether the database answers, and recovers by itself.

use std::time::{Duration, Instant};

use antq_atlas::db::Database;
use antq_atlas::db::Options as DbOptions;
use antq_atlas::db::cluster::Cluster;
use axum::http::StatusCode;

use crate::support::{app, get_json, test_db};

#[tokio::test]
async fn health_reports_postgres_and_postgis_versions() {
    let db = test_db().await;
    let (status, body) = get_json(&app(db.pool), "/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert!(body["postgres"].as_str().is_some_and(|v| v.split('.').count() == 2), "{body}");
    assert!(body["postgis"].as_str().is_some_and(|v| v.starts_with("3.")), "{body}");
}

#[tokio::test]
async fn health_is_503_while_the_cluster_is_stopped_and_200_after_it_restarts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("pg");
    let config =
        DbOptions { database_url: None, data_dir: dir.clone(), pool_size: 2, statement_timeout_secs: 25 };
    let database = Database::open(&config).await.expect("open the private cluster");
    let app = app(database.pool.clone());
    assert_eq!(get_json(&app, "/health").await.0, StatusCode::OK);

    let outside = Cluster::new(&dir).expect("cluster handle");
    outside.stop().expect("stop the cluster");
    let (status, body) = get_json(&app, "/health").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["status"], "unavailable");
    assert!(body["reason"].as_str().is_some_and(|r| !r.is_empty()));

    outside.ensure_running().expect("start it again");
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    while Instant::now() < deadline && status != StatusCode::OK {
        status = get_json(&app, "/health").await.0;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status, StatusCode::OK, "health did not recover within 15 s");

    database.close().await;
    assert!(!outside.is_running(), "the last user stops the cluster");
}

#[tokio::test]
async fn web_config_offers_no_base_map_unless_one_is_configured() {
    let db = test_db().await;
    let (status, plain) = get_json(&app(db.pool.clone()), "/config.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(plain["basemap"].is_null(), "{plain}");

    let settings = antq_atlas::http::HttpSettings {
        basemap_url: Some("https://tiles.example.org/{z}/{x}/{y}.png".into()),
        basemap_attribution: "© example".into(),
        ..antq_atlas::http::HttpSettings::default()
    };
    let (_, online) = get_json(&crate::support::app_with(db.pool, settings), "/config.json").await;
    assert_eq!(online["basemap"]["url"], "https://tiles.example.org/{z}/{x}/{y}.png");
    assert_eq!(online["basemap"]["attribution"], "© example");
}

#[tokio::test]
async fn responses_are_gzipped_for_clients_that_accept_it() {
    use axum::body::Body;
    use axum::http::{Request, header};
    use tower::ServiceExt;

    let db = test_db().await;
    let request =
        Request::get("/health").header(header::ACCEPT_ENCODING, "gzip").body(Body::empty()).expect("request");
    let response = app(db.pool).oneshot(request).await.expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get(header::CONTENT_ENCODING).map(axum::http::HeaderValue::as_bytes),
        Some(&b"gzip"[..])
    );
}

#[tokio::test]
async fn metrics_count_requests_by_declared_route_and_are_for_admins_only() {
    use antq_atlas::auth::Role;

    use crate::support::{as_user, get_raw, token};

    let db = test_db().await;
    let app = app(db.pool.clone());
    let admin = as_user(app.clone(), &token(&db.pool, Role::Admin, &[]).await);
    let viewer = as_user(app.clone(), &token(&db.pool, Role::Viewer, &[]).await);
    for _ in 0..3 {
        assert_eq!(get_json(&app, "/health").await.0, StatusCode::OK);
    }
    // Labelled by the declared path, not the URL sent: the series stay bounded.
    assert_eq!(get_json(&viewer, "/api/v1/collections/no-such-layer").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get_json(&viewer, "/metrics").await.0, StatusCode::FORBIDDEN);
    assert_eq!(get_json(&app, "/metrics").await.0, StatusCode::UNAUTHORIZED);

    let (status, headers, body) = get_raw(&admin, "/metrics", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[axum::http::header::CONTENT_TYPE].to_str().is_ok_and(|t| t.starts_with("text/plain")));
    let text = String::from_utf8(body).expect("text");
    let lines: Vec<&str> = text.lines().collect();
    for expected in [
        r#"antq_http_requests_total{method="GET",route="/health",status="200"} 3"#,
        r#"antq_http_requests_total{method="GET",route="/api/v1/collections/{id}",status="404"} 1"#,
        r#"antq_http_requests_total{method="GET",route="/metrics",status="403"} 1"#,
        r#"antq_http_requests_total{method="GET",route="/metrics",status="401"} 1"#,
        r#"antq_http_request_duration_seconds_count{method="GET",route="/health"} 3"#,
        r#"antq_http_request_duration_seconds_bucket{method="GET",route="/health",le="+Inf"} 3"#,
        "antq_db_pool_max_connections 4",
    ] {
        assert!(lines.contains(&expected), "missing '{expected}' in:\n{text}");
    }
    assert!(!text.contains("no-such-layer"), "a client's URL leaked into a label");
    assert!(lines.iter().any(|l| l.starts_with("antq_db_pool_connections{state=\"idle\"}")));
}

#[tokio::test]
async fn a_statement_past_the_timeout_is_cancelled_and_frees_its_connection() {
    let db = test_db().await;
    let config = DbOptions {
        database_url: Some(db.url.clone()),
        data_dir: "unused".into(),
        pool_size: 1,
        statement_timeout_secs: 1,
    };
    let database = Database::open(&config).await.expect("open");
    let started = Instant::now();
    let slow = sqlx::query("select pg_sleep(5)").execute(&database.pool).await;
    let code = slow
        .expect_err("cancelled")
        .as_database_error()
        .and_then(|e| e.code().map(std::borrow::Cow::into_owned));
    assert_eq!(code.as_deref(), Some("57014"), "query_canceled");
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    // The only connection of the pool is usable again at once.
    let one: i32 = sqlx::query_scalar("select 1").fetch_one(&database.pool).await.expect("pool recovers");
    assert_eq!(one, 1);
    database.close().await;
}
