//! Package expiry (`http/settings.rs`, `db/settings.rs`, migration 0080): the admin sets how
//! many days a package may be used; the estimate, the MBTiles file (metadata `created` and
//! `expires`) and the web map's JSON package say when it expires. Over `seed_small`.

use antq_atlas::auth::Role;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, Duration, Utc};
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;

use crate::support::{app, as_user, get_json, get_raw, seed_small, test_db, token};

const SETTINGS: &str = "/api/v1/admin/settings/packages";

async fn put(app: &Router, body: &str) -> (StatusCode, Value) {
    let request = Request::put(SETTINGS)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn time(v: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v).unwrap_or_else(|e| panic!("{v}: {e}")).with_timezone(&Utc)
}

/// Whether `at` is `days` from now, give or take a minute (the test's own run).
fn days_from_now(at: DateTime<Utc>, days: i64) -> bool {
    (at - (Utc::now() + Duration::days(days))).num_seconds().abs() < 60
}

#[tokio::test]
async fn the_admin_sets_the_expiry_and_every_form_of_a_package_carries_it() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let admin = as_user(app(db.pool.clone()), &token(&db.pool, Role::Admin, &[]).await);
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);

    let (status, body) = get_json(&admin, SETTINGS).await;
    assert_eq!((status, body["max_age_days"].as_i64()), (StatusCode::OK, Some(30)), "the default: {body}");
    let (status, body) = get_json(&analyst, "/api/v1/packages/estimate?communes=02644&maxzoom=12").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(days_from_now(time(body["expires_at"].as_str().expect("expires_at")), 30), "{body}");

    for (bad, status, says) in [
        (r#"{"max_age_days":0}"#, StatusCode::UNPROCESSABLE_ENTITY, "max_age_days: 0 is not 1 to 365"),
        (r#"{"max_age_days":366}"#, StatusCode::UNPROCESSABLE_ENTITY, "max_age_days: 366"),
        (r#"{"max_age_days":"7"}"#, StatusCode::BAD_REQUEST, "max_age_days"),
        (r#"{"max_age_days":7,"x":1}"#, StatusCode::BAD_REQUEST, "x"),
        ("{}", StatusCode::BAD_REQUEST, "max_age_days"),
    ] {
        let (got, body) = put(&admin, bad).await;
        assert_eq!(got, status, "{bad}: {body}");
        assert!(body["description"].as_str().is_some_and(|d| d.contains(says)), "{bad}: {body}");
    }
    let (status, _) = put(&analyst, r#"{"max_age_days":7}"#).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only an admin sets it");

    let (status, body) = put(&admin, r#"{"max_age_days":7}"#).await;
    assert_eq!((status, body["max_age_days"].as_i64()), (StatusCode::OK, Some(7)), "{body}");
    let audited: (i64, i64) = sqlx::query_as(
        "select (details->'before'->>'max_age_days')::bigint, (details->'after'->>'max_age_days')::bigint
         from audit_log where action = 'settings.update' and target = 'settings/packages'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("audited");
    assert_eq!(audited, (30, 7));

    let (_, body) = get_json(&analyst, "/api/v1/packages/estimate?communes=02644&maxzoom=12").await;
    assert!(days_from_now(time(body["expires_at"].as_str().expect("expires_at")), 7), "{body}");
    assert_eq!(body["max_age_days"], 7);

    let (status, _, bytes) =
        get_raw(&analyst, "/api/v1/packages/area.mbtiles?communes=02644&maxzoom=11", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.mbtiles");
    std::fs::write(&path, &bytes).expect("write");
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    let meta = |name: &str| -> String {
        conn.query_row("select value from metadata where name = ?1", [name], |r| r.get(0)).expect(name)
    };
    let (created, expires) = (time(&meta("created")), time(&meta("expires")));
    assert!(days_from_now(created, 0) && expires - created == Duration::days(7), "{created} {expires}");

    let (status, package) = get_json(&analyst, "/api/v1/packages/area.json?communes=02644").await;
    assert_eq!(status, StatusCode::OK);
    let (generated, expires) = (
        time(package["generated_at"].as_str().expect("generated_at")),
        time(package["expires_at"].as_str().expect("expires_at")),
    );
    assert_eq!(expires - generated, Duration::days(7));
}
