//! The `Idempotency-Key` header on creates and edits (`http/idempotency.rs`,
//! `db/idempotency.rs`): a replay gets the first answer and writes nothing; the same key with
//! another request is a 422 naming the header; a refused write keeps no key; two users' keys
//! never meet; an edit's replay is not taken for a stale version.
//!
//! Fixture: `seed_small`; the editor's jurisdiction is commune 02644 (east of lon 104.0).

use antq_atlas::auth::Role;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sqlx::PgPool;
use tower::ServiceExt;

use crate::support::{app, as_user, seed_small, test_db, token};
use crate::writes::fingerprint;

/// Sends `method uri` with a JSON body, an `Idempotency-Key` and an optional `If-Match`.
async fn send(
    app: &Router,
    method: Method,
    uri: &str,
    body: &Value,
    key: &str,
    if_match: Option<&str>,
) -> (StatusCode, HeaderMap, Value) {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header("Idempotency-Key", key);
    if let Some(tag) = if_match {
        builder = builder.header(header::IF_MATCH, tag);
    }
    let response = app
        .clone()
        .oneshot(builder.body(Body::from(body.to_string())).expect("request"))
        .await
        .expect("answer");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    (parts.status, parts.headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn key_point(code: &str, lon: f64) -> Value {
    json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [lon, 22.5] },
        "properties": { "code": code, "category": "drugs", "observed_at": "2026-03-01T08:00:00+07:00" } })
}

async fn editor(pool: &PgPool) -> Router {
    seed_small(pool).await;
    as_user(app(pool.clone()), &token(pool, Role::Editor, &["02644"]).await)
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.expect(sql)
}

/// A model type to create sites of (the migrations leave the list empty; the demo loads it).
async fn model_type(pool: &PgPool) -> String {
    sqlx::query("insert into model_types (code, name_vi, name_en) values ('watch', 'Tổ an ninh', 'Watch group') on conflict do nothing")
        .execute(pool)
        .await
        .expect("a type");
    "watch".to_owned()
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).map(|v| v.to_str().expect("ascii"))
}

#[tokio::test]
async fn a_replayed_create_gets_the_first_answer_and_writes_no_second_record() {
    let db = test_db().await;
    let app = editor(&db.pool).await;
    let body = key_point("KP-I1", 104.05);
    let key = "\"6f1c7a7e-3f2b-4c55-9d0e-0a1b2c3d4e5f\"";

    let (status, first_headers, first) =
        send(&app, Method::POST, "/api/v1/key-points", &body, key, None).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(header(&first_headers, "idempotent-replayed"), None);
    let before = fingerprint(&db.pool).await;
    let (status, headers, again) = send(&app, Method::POST, "/api/v1/key-points", &body, key, None).await;

    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again, first);
    assert_eq!(header(&headers, "location"), header(&first_headers, "location"));
    assert_eq!(header(&headers, "etag"), Some("\"1\""));
    assert_eq!(header(&headers, "idempotent-replayed"), Some("true"));
    assert_eq!(fingerprint(&db.pool).await, before, "the replay wrote nothing, audit included");
    assert_eq!(count(&db.pool, "select count(*) from key_points where code = 'KP-I1'").await, 1);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_422_naming_the_header_and_writes_nothing() {
    let db = test_db().await;
    let app = editor(&db.pool).await;
    let (status, ..) =
        send(&app, Method::POST, "/api/v1/key-points", &key_point("KP-I2", 104.05), "k-2", None).await;
    assert_eq!(status, StatusCode::CREATED);
    let before = fingerprint(&db.pool).await;

    let other = key_point("KP-I3", 104.06);
    let (status, _, refusal) = send(&app, Method::POST, "/api/v1/key-points", &other, "k-2", None).await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refusal}");
    assert!(refusal["description"].as_str().expect("text").starts_with("Idempotency-Key: "), "{refusal}");
    assert_eq!(fingerprint(&db.pool).await, before);
    // The same key on another route is another request too.
    let site = json!({ "code": "MS-I2", "type_code": model_type(&db.pool).await, "name": "Tổ tự quản",
        "host_kind": "village", "lon": 104.05, "lat": 22.5 });
    let (status, _, refusal) = send(&app, Method::POST, "/api/v1/model-sites", &site, "k-2", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refusal}");
    assert!(refusal["description"].as_str().expect("text").starts_with("Idempotency-Key: "), "{refusal}");
}

#[tokio::test]
async fn the_same_record_with_its_fields_in_another_order_is_the_same_request() {
    let db = test_db().await;
    let app = editor(&db.pool).await;
    let a = json!({ "code": "KP-I4", "category": "drugs", "observed_at": "2026-03-01T08:00:00Z", "lon": 104.05, "lat": 22.5 });
    let b = json!({ "lat": 22.5, "lon": 104.05, "observed_at": "2026-03-01T08:00:00Z", "category": "drugs", "code": "KP-I4" });
    let (first, ..) = send(&app, Method::POST, "/api/v1/key-points", &a, "k-4", None).await;
    let (second, headers, _) = send(&app, Method::POST, "/api/v1/key-points", &b, "k-4", None).await;
    assert_eq!((first, second), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(header(&headers, "idempotent-replayed"), Some("true"));
}

#[tokio::test]
async fn a_refused_write_keeps_no_key_so_the_fixed_record_goes_in_under_it() {
    let db = test_db().await;
    let app = editor(&db.pool).await;
    let mut bad = key_point("KP-I5", 104.05);
    bad["properties"]["category"] = json!("no-such-category");

    let (status, _, refusal) = send(&app, Method::POST, "/api/v1/key-points", &bad, "k-5", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refusal}");
    assert_eq!(count(&db.pool, "select count(*) from idempotency_keys").await, 0);
    let (status, _, created) =
        send(&app, Method::POST, "/api/v1/key-points", &key_point("KP-I5", 104.05), "k-5", None).await;

    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(count(&db.pool, "select count(*) from key_points where code = 'KP-I5'").await, 1);
}

#[tokio::test]
async fn two_users_keys_never_meet() {
    let db = test_db().await;
    let app = editor(&db.pool).await;
    antq_atlas::auth::accounts::add_user(
        &db.pool,
        "editor2",
        Role::Editor,
        &["02644".into()],
        None,
        "pw pw pw pw",
    )
    .await
    .expect("user");
    let (_, other) =
        antq_atlas::auth::accounts::create_token(&db.pool, "editor2", "t", None).await.expect("token");
    let other = as_user(crate::support::app(db.pool.clone()), &other);

    let (a, ..) =
        send(&app, Method::POST, "/api/v1/key-points", &key_point("KP-I6", 104.05), "same", None).await;
    let (b, _, created) =
        send(&other, Method::POST, "/api/v1/key-points", &key_point("KP-I7", 104.06), "same", None).await;

    assert_eq!((a, b), (StatusCode::CREATED, StatusCode::CREATED), "{created}");
    assert_eq!(created["properties"]["code"], "KP-I7");
}

#[tokio::test]
async fn concurrent_requests_with_one_key_make_one_record_and_both_get_it() {
    let db = test_db().await;
    let app = editor(&db.pool).await;
    let body = key_point("KP-I8", 104.05);

    let (one, two) = tokio::join!(
        send(&app, Method::POST, "/api/v1/key-points", &body, "k-8", None),
        send(&app, Method::POST, "/api/v1/key-points", &body, "k-8", None)
    );

    assert_eq!((one.0, two.0), (StatusCode::CREATED, StatusCode::CREATED), "{} {}", one.2, two.2);
    assert_eq!(one.2["id"], two.2["id"]);
    assert_eq!(count(&db.pool, "select count(*) from key_points where code = 'KP-I8'").await, 1);
}

#[tokio::test]
async fn a_replayed_edit_gets_its_first_answer_not_a_412_and_a_stale_edit_still_gets_412() {
    let db = test_db().await;
    let app = editor(&db.pool).await;
    let (_, _, created) =
        send(&app, Method::POST, "/api/v1/key-points", &key_point("KP-I9", 104.05), "c", None).await;
    let uri = format!("/api/v1/key-points/{}", created["id"]);
    let change = json!({ "description": "đã xác minh tại chỗ" });

    let (status, headers, first) = send(&app, Method::PATCH, &uri, &change, "e-1", Some("\"1\"")).await;
    assert_eq!((status, header(&headers, "etag")), (StatusCode::OK, Some("\"2\"")), "{first}");
    let (status, headers, again) = send(&app, Method::PATCH, &uri, &change, "e-1", Some("\"1\"")).await;

    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again, first);
    assert_eq!(header(&headers, "idempotent-replayed"), Some("true"));
    assert_eq!(count(&db.pool, "select max(version)::bigint from key_points where code = 'KP-I9'").await, 2);
    let (status, _, refusal) = send(&app, Method::PATCH, &uri, &change, "e-2", Some("\"1\"")).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{refusal}");
}

#[tokio::test]
async fn an_expired_key_is_fresh_again() {
    let db = test_db().await;
    let app = editor(&db.pool).await;
    send(&app, Method::POST, "/api/v1/key-points", &key_point("KP-I10", 104.05), "old", None).await;
    sqlx::query("update idempotency_keys set expires_at = now() - interval '1 second'")
        .execute(&db.pool)
        .await
        .expect("expire");

    let (status, _, created) =
        send(&app, Method::POST, "/api/v1/key-points", &key_point("KP-I11", 104.06), "old", None).await;

    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(count(&db.pool, "select count(*) from idempotency_keys").await, 1);
}

#[tokio::test]
async fn a_malformed_key_is_400_naming_the_header() {
    let db = test_db().await;
    let app = editor(&db.pool).await;
    for bad in ["\"\"", "\"open", "has space", &"k".repeat(256)] {
        let (status, _, refusal) =
            send(&app, Method::POST, "/api/v1/key-points", &key_point("KP-I12", 104.05), bad, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {refusal}");
        assert!(refusal["description"].as_str().expect("text").starts_with("Idempotency-Key: "), "{refusal}");
    }
    assert_eq!(count(&db.pool, "select count(*) from key_points where code = 'KP-I12'").await, 0);
}

#[tokio::test]
async fn model_sites_and_patrols_replay_too() {
    let db = test_db().await;
    let app = editor(&db.pool).await;
    let site = json!({ "code": "MS-I1", "type_code": model_type(&db.pool).await, "name": "Tổ tự quản", "host_kind": "village",
        "lon": 104.05, "lat": 22.5 });
    let patrol = json!({ "type": "Feature", "geometry": { "type": "LineString", "coordinates": [[104.01, 22.5], [104.05, 22.52]] },
        "properties": { "code": "TT-I1", "kind": "commune", "planned_start": "2026-03-01T07:00:00+07:00",
            "planned_end": "2026-03-01T17:00:00+07:00" } });

    for (uri, body) in [("/api/v1/model-sites", &site), ("/api/v1/patrols", &patrol)] {
        let (first, _, created) = send(&app, Method::POST, uri, body, "k-site-or-patrol", None).await;
        assert_eq!(first, StatusCode::CREATED, "{uri}: {created}");
        let (again, headers, replayed) = send(&app, Method::POST, uri, body, "k-site-or-patrol", None).await;
        assert_eq!(
            (again, header(&headers, "idempotent-replayed")),
            (StatusCode::CREATED, Some("true")),
            "{uri}"
        );
        assert_eq!(replayed, created);
        sqlx::query("delete from idempotency_keys").execute(&db.pool).await.expect("next uri, same key");
    }
    assert_eq!(count(&db.pool, "select count(*) from model_sites where code = 'MS-I1'").await, 1);
    assert_eq!(count(&db.pool, "select count(*) from patrols where code = 'TT-I1'").await, 1);
}
