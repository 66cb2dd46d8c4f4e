//! The write API: versions (`ETag`/`If-Match`), the key point workflow, archive and history,
//! jurisdiction on create and move, model sites and patrols. Every refusal asserts its status,
//! its message, and that the tables did not change (a checksum of the rows before and after).
//!
//! Fixture: `seed_small` (a box-shaped province, communes 02635 west of lon 104.0 and 02644 east
//! of it); the editor's jurisdiction is commune 02644.

use antq_atlas::auth::Role;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sqlx::PgPool;
use tower::ServiceExt;

use crate::support::{app, as_user, seed_small, test_db, token};

/// Sends `method uri` with a JSON body and optional `If-Match`; returns status, headers, JSON.
pub async fn call(
    app: &Router,
    method: Method,
    uri: &str,
    body: Option<&Value>,
    if_match: Option<&str>,
) -> (StatusCode, HeaderMap, Value) {
    let mut builder = Request::builder().method(method).uri(uri);
    if body.is_some() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    if let Some(tag) = if_match {
        builder = builder.header(header::IF_MATCH, tag);
    }
    let request =
        builder.body(body.map_or_else(Body::empty, |b| Body::from(b.to_string()))).expect("request");
    let response = app.clone().oneshot(request).await.expect("the router answers");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    (parts.status, parts.headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// A fingerprint of everything a write can touch: the rows of the written tables, their history
/// and the audit log's writes. Equal before and after means the database did not change.
pub async fn fingerprint(pool: &PgPool) -> String {
    sqlx::query_scalar(
        "select concat_ws('|',
            (select md5(coalesce(string_agg(t::text, ',' order by id), '')) from key_points t),
            (select md5(coalesce(string_agg(t::text, ',' order by id), '')) from model_sites t),
            (select md5(coalesce(string_agg(t::text, ',' order by id), '')) from patrols t),
            (select md5(coalesce(string_agg(t::text, ',' order by id), '')) from patrol_tracks t),
            (select md5(coalesce(string_agg(t::text, ',' order by id), '')) from admin_units t),
            (select count(*) from key_point_history),
            (select count(*) from audit_log where outcome = 'ok'))",
    )
    .fetch_one(pool)
    .await
    .expect("fingerprint")
}

fn etag(headers: &HeaderMap) -> String {
    headers.get(header::ETAG).expect("an ETag").to_str().expect("ascii").to_owned()
}

fn key_point(code: &str, lon: f64, lat: f64) -> Value {
    json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [lon, lat] },
        "properties": { "code": code, "category": "drugs", "observed_at": "2026-03-01T08:00:00+07:00" } })
}

async fn editor_app(pool: &PgPool) -> Router {
    seed_small(pool).await;
    let token = token(pool, Role::Editor, &["02644"]).await;
    as_user(app(pool.clone()), &token)
}

#[tokio::test]
async fn create_answers_201_with_location_and_etag_and_the_feature_reads_back_the_same() {
    let db = test_db().await;
    let app = editor_app(&db.pool).await;

    let (status, headers, created) =
        call(&app, Method::POST, "/api/v1/key-points", Some(&key_point("KP-N1", 104.05, 22.5)), None).await;

    assert_eq!(status, StatusCode::CREATED, "{created}");
    let location = headers.get(header::LOCATION).expect("Location").to_str().expect("ascii");
    assert_eq!(location, format!("/api/v1/key-points/{}", created["id"]));
    assert_eq!(etag(&headers), "\"1\"");
    assert_eq!(created["type"], "Feature");
    assert_eq!(created["geometry"]["coordinates"], json!([104.05, 22.5]));
    assert_eq!(created["properties"]["status"], "reported");
    let (status, headers, read) = call(&app, Method::GET, location, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(etag(&headers), "\"1\"");
    assert_eq!(read, created);
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'key_point.create' and outcome = 'ok'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("audit");
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn two_editors_on_one_point_the_second_gets_412_and_both_versions_are_in_the_history() {
    let db = test_db().await;
    let app = editor_app(&db.pool).await;
    let (_, headers, created) =
        call(&app, Method::POST, "/api/v1/key-points", Some(&key_point("KP-N2", 104.05, 22.5)), None).await;
    let uri = format!("/api/v1/key-points/{}", created["id"]);
    let read_by_both = etag(&headers);

    let first = json!({ "description": "Lan: thêm nhân chứng" });
    let (status, headers, _) = call(&app, Method::PATCH, &uri, Some(&first), Some(&read_by_both)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(etag(&headers), "\"2\"");
    let before = fingerprint(&db.pool).await;
    let second = json!({ "description": "Minh: đã xác minh" });
    let (status, _, refusal) = call(&app, Method::PATCH, &uri, Some(&second), Some(&read_by_both)).await;

    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{refusal}");
    assert_eq!(refusal["code"], "precondition_failed");
    assert_eq!((refusal["sent_version"].clone(), refusal["current_version"].clone()), (json!(1), json!(2)));
    assert!(refusal["description"].as_str().expect("text").contains("version 1 was sent"), "{refusal}");
    assert_eq!(refusal["current"]["properties"]["description"], "Lan: thêm nhân chứng");
    assert_eq!(fingerprint(&db.pool).await, before, "a refused edit changes nothing");
    let (status, _, history) = call(&app, Method::GET, &format!("{uri}/history"), None, None).await;
    assert_eq!(status, StatusCode::OK);
    let versions: Vec<(i64, String)> = history["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| {
            (v["version"].as_i64().expect("n"), v["data"]["description"].as_str().expect("s").to_owned())
        })
        .collect();
    assert_eq!(versions, [(1, String::new()), (2, "Lan: thêm nhân chứng".to_owned())]);
    assert_eq!(history["versions"][1]["changed_by_name"], "editor");
}

#[tokio::test]
async fn writes_without_if_match_are_428_and_a_malformed_one_is_400_changing_nothing() {
    let db = test_db().await;
    let app = editor_app(&db.pool).await;
    let (_, _, created) =
        call(&app, Method::POST, "/api/v1/key-points", Some(&key_point("KP-N3", 104.05, 22.5)), None).await;
    let uri = format!("/api/v1/key-points/{}", created["id"]);
    let before = fingerprint(&db.pool).await;

    let patch = json!({ "severity": 4 });
    let (status, _, missing) = call(&app, Method::PATCH, &uri, Some(&patch), None).await;
    let (deleted, _, _) = call(&app, Method::DELETE, &uri, None, None).await;
    let (star, _, any) = call(&app, Method::PATCH, &uri, Some(&patch), Some("*")).await;

    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{missing}");
    assert!(missing["description"].as_str().expect("text").contains("If-Match"), "{missing}");
    assert_eq!(deleted, StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(star, StatusCode::BAD_REQUEST, "{any}");
    assert!(any["description"].as_str().expect("text").contains("If-Match"), "{any}");
    assert_eq!(fingerprint(&db.pool).await, before);
}

#[tokio::test]
async fn the_status_moves_one_step_at_a_time_and_an_archived_point_keeps_its_history() {
    let db = test_db().await;
    let app = editor_app(&db.pool).await;
    let (_, _, created) =
        call(&app, Method::POST, "/api/v1/key-points", Some(&key_point("KP-N4", 104.05, 22.5)), None).await;
    let uri = format!("/api/v1/key-points/{}", created["id"]);
    let before = fingerprint(&db.pool).await;

    let (skip, _, why) =
        call(&app, Method::PATCH, &uri, Some(&json!({ "status": "active" })), Some("\"1\"")).await;
    assert_eq!(skip, StatusCode::CONFLICT, "{why}");
    assert!(why["description"].as_str().expect("text").contains("the next step is verified"), "{why}");
    let (unknown, _, why) =
        call(&app, Method::PATCH, &uri, Some(&json!({ "status": "closed" })), Some("\"1\"")).await;
    assert_eq!(unknown, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
    let (typo, _, why) = call(&app, Method::PATCH, &uri, Some(&json!({ "severty": 3 })), Some("\"1\"")).await;
    assert_eq!(typo, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
    assert!(why["description"].as_str().expect("text").contains("severty"), "{why}");
    assert_eq!(fingerprint(&db.pool).await, before);
    for (i, status) in ["verified", "active", "resolved"].iter().enumerate() {
        let tag = format!("\"{}\"", i + 1);
        let (ok, _, body) =
            call(&app, Method::PATCH, &uri, Some(&json!({ "status": status })), Some(&tag)).await;
        assert_eq!(ok, StatusCode::OK, "{body}");
    }
    let (archived, headers, body) = call(&app, Method::DELETE, &uri, None, Some("\"4\"")).await;
    assert_eq!(archived, StatusCode::OK, "{body}");
    assert_eq!(etag(&headers), "\"5\"");
    assert!(body["properties"]["archived_at"].is_string());
    let (again, _, why) =
        call(&app, Method::PATCH, &uri, Some(&json!({ "severity": 1 })), Some("\"5\"")).await;
    assert_eq!(again, StatusCode::CONFLICT, "{why}");
    let (_, _, history) = call(&app, Method::GET, &format!("{uri}/history"), None, None).await;
    let statuses: Vec<&str> = history["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["data"]["status"].as_str().expect("s"))
        .collect();
    assert_eq!(statuses, ["reported", "verified", "active", "resolved", "resolved"]);
    let in_layer: i64 =
        sqlx::query_scalar("select count(*) from key_points where code = 'KP-N4' and archived_at is null")
            .fetch_one(&db.pool)
            .await
            .expect("count");
    assert_eq!(in_layer, 0);
}

#[tokio::test]
async fn an_editor_cannot_create_or_move_a_point_outside_its_jurisdiction() {
    let db = test_db().await;
    let app = editor_app(&db.pool).await;
    let (_, _, created) =
        call(&app, Method::POST, "/api/v1/key-points", Some(&key_point("KP-N5", 104.05, 22.5)), None).await;
    let uri = format!("/api/v1/key-points/{}", created["id"]);
    let before = fingerprint(&db.pool).await;

    // 103.95 is in commune 02635, next door.
    let (outside, _, why) =
        call(&app, Method::POST, "/api/v1/key-points", Some(&key_point("KP-OUT", 103.95, 22.5)), None).await;
    let moved = json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [103.95, 22.5] }, "properties": {} });
    let (moving, _, why_move) = call(&app, Method::PATCH, &uri, Some(&moved), Some("\"1\"")).await;
    let (half, _, why_half) =
        call(&app, Method::PATCH, &uri, Some(&json!({ "lon": 104.06 })), Some("\"1\"")).await;

    assert_eq!(outside, StatusCode::FORBIDDEN, "{why}");
    assert!(why["description"].as_str().expect("text").contains("outside your jurisdiction"), "{why}");
    assert_eq!(moving, StatusCode::FORBIDDEN, "{why_move}");
    assert_eq!(half, StatusCode::UNPROCESSABLE_ENTITY, "{why_half}");
    assert_eq!(fingerprint(&db.pool).await, before);
    let inside = json!({ "lon": 104.07, "lat": 22.45 });
    let (ok, _, body) = call(&app, Method::PATCH, &uri, Some(&inside), Some("\"1\"")).await;
    assert_eq!(ok, StatusCode::OK, "{body}");
    assert_eq!(body["geometry"]["coordinates"], json!([104.07, 22.45]));
}

#[tokio::test]
async fn model_sites_and_patrols_follow_the_same_rules() {
    let db = test_db().await;
    let app = editor_app(&db.pool).await;
    sqlx::query(
        "insert into model_types (code, name_vi, name_en) values ('watch', 'Tổ an ninh', 'Watch group')",
    )
    .execute(&db.pool)
    .await
    .expect("model type");
    let site = json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [104.05, 22.5] },
        "properties": { "code": "MS-1", "type_code": "watch", "name": "Tổ an ninh thôn", "host_kind": "village" } });
    let (status, headers, created) = call(&app, Method::POST, "/api/v1/model-sites", Some(&site), None).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["properties"]["effectiveness"], "unrated");
    let site_uri = headers.get(header::LOCATION).expect("Location").to_str().expect("ascii").to_owned();
    let route = |lon: f64| json!({ "type": "LineString", "coordinates": [[104.02, 22.45], [lon, 22.55]] });
    let patrol = json!({ "type": "Feature", "geometry": route(104.08),
        "properties": { "code": "TT-9", "kind": "commune", "units": ["CA phường Cốc Lếu"],
                        "planned_start": "2026-04-01T07:00:00+07:00", "planned_end": "2026-04-01T11:00:00+07:00" } });
    let (status, headers, planned) = call(&app, Method::POST, "/api/v1/patrols", Some(&patrol), None).await;
    assert_eq!(status, StatusCode::CREATED, "{planned}");
    let patrol_uri = headers.get(header::LOCATION).expect("Location").to_str().expect("ascii").to_owned();
    let before = fingerprint(&db.pool).await;

    let (stale, _, _) =
        call(&app, Method::PATCH, &site_uri, Some(&json!({ "name": "x" })), Some("\"7\"")).await;
    let leaving = json!({ "geometry": route(103.95) });
    let (outside, _, why) = call(&app, Method::PATCH, &patrol_uri, Some(&leaving), Some("\"1\"")).await;
    let point = json!({ "geometry": { "type": "Point", "coordinates": [104.05, 22.5] } });
    let (not_line, _, why_line) = call(&app, Method::PATCH, &patrol_uri, Some(&point), Some("\"1\"")).await;
    let reversed =
        json!({ "started_at": "2026-04-01T09:00:00+07:00", "ended_at": "2026-04-01T08:00:00+07:00" });
    let (order, _, why_order) = call(&app, Method::PATCH, &patrol_uri, Some(&reversed), Some("\"1\"")).await;

    assert_eq!(stale, StatusCode::PRECONDITION_FAILED);
    assert_eq!(outside, StatusCode::FORBIDDEN, "{why}");
    assert_eq!(not_line, StatusCode::UNPROCESSABLE_ENTITY, "{why_line}");
    assert!(why_line["description"].as_str().expect("text").contains("LineString"), "{why_line}");
    assert_eq!(order, StatusCode::UNPROCESSABLE_ENTITY, "{why_order}");
    assert!(
        why_order["description"]
            .as_str()
            .expect("text")
            .starts_with("ended_at: must not be before started_at"),
        "{why_order}"
    );
    assert_eq!(fingerprint(&db.pool).await, before);
    let actual = json!({ "started_at": "2026-04-01T07:10:00+07:00", "ended_at": "2026-04-01T10:40:00+07:00",
        "members": ["Nguyễn Văn A", "Lò Văn B"] });
    let (ok, headers, recorded) = call(&app, Method::PATCH, &patrol_uri, Some(&actual), Some("\"1\"")).await;
    assert_eq!(ok, StatusCode::OK, "{recorded}");
    assert_eq!(etag(&headers), "\"2\"");
    assert_eq!(recorded["properties"]["members"], json!(["Nguyễn Văn A", "Lò Văn B"]));
    let (archived, _, _) = call(&app, Method::DELETE, &site_uri, None, Some("\"1\"")).await;
    assert_eq!(archived, StatusCode::OK);
    let actions: Vec<String> =
        sqlx::query_scalar("select action from audit_log where outcome = 'ok' and target is not null and action not like 'user.%' and action not like 'token.%' order by id")
            .fetch_all(&db.pool)
            .await
            .expect("audit");
    assert_eq!(actions, ["model_site.create", "patrol.create", "patrol.update", "model_site.archive"]);
}

#[tokio::test]
async fn an_ogc_read_of_a_key_point_carries_its_version_for_if_match_and_answers_304() {
    let db = test_db().await;
    let app = editor_app(&db.pool).await;
    let (_, _, created) =
        call(&app, Method::POST, "/api/v1/key-points", Some(&key_point("KP-O1", 104.05, 22.5)), None).await;
    let ogc = format!("/api/v1/collections/key_points/items/{}", created["id"]);

    let (status, headers, _) = call(&app, Method::GET, &ogc, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(etag(&headers), "\"1\"", "the write API's version, not a hash of the body");
    let cached = Request::builder().uri(&ogc).header(header::IF_NONE_MATCH, "\"1\"").body(Body::empty());
    let response = app.clone().oneshot(cached.expect("request")).await.expect("answer");
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    // Read through OGC, then edit with that tag: accepted, and the OGC tag follows the version.
    let uri = format!("/api/v1/key-points/{}", created["id"]);
    let (status, _, _) =
        call(&app, Method::PATCH, &uri, Some(&json!({ "severity": 4 })), Some(&etag(&headers))).await;
    assert_eq!(status, StatusCode::OK);
    let stale = Request::builder().uri(&ogc).header(header::IF_NONE_MATCH, "\"1\"").body(Body::empty());
    let response = app.clone().oneshot(stale.expect("request")).await.expect("answer");
    assert_eq!(response.status(), StatusCode::OK, "a stale tag gets the new body");
    assert_eq!(etag(response.headers()), "\"2\"");
}
