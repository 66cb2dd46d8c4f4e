//! Regression tests for what schemathesis (scripts/schemathesis.sh, bench/fuzz-api) found: each
//! replays the request it generated and checks the answer is no 5xx, has a status the OpenAPI
//! definition declares for that operation, and has the declared body (the JSON error shape
//! `{code, description}` for every 4xx).

use antq_atlas::auth::Role;
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use crate::support::{app, as_user, get_json, seed_small, test_db, token};

/// Sends `method uri` with an optional JSON body; returns the status, content type and body bytes.
async fn send(app: &Router, method: Method, uri: &str, body: Option<&str>) -> (StatusCode, String, Vec<u8>) {
    let mut request = Request::builder().method(method).uri(uri);
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    let request = request.body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned()))).expect("request");
    let response = app.clone().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().expect("ascii").to_owned())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.expect("body").to_bytes().to_vec();
    (status, content_type, bytes)
}

/// Checks the answer against the definition `doc` as schemathesis does: the status is declared for
/// `method path`, a declared body comes with its content type, and an error is `{code, description}`.
fn conforms(doc: &Value, method: &Method, path: &str, answer: &(StatusCode, String, Vec<u8>)) {
    let (status, content_type, bytes) = answer;
    assert!(!status.is_server_error(), "{method} {path}: {status}");
    let op = &doc["paths"][path][method.as_str().to_lowercase()];
    assert!(op.is_object(), "{method} {path} is not in the definition");
    let declared = &op["responses"][status.as_str()];
    assert!(declared.is_object(), "{method} {path}: {status} is not declared: {}", op["responses"]);
    match declared["content"].as_object() {
        None => assert!(bytes.is_empty(), "{method} {path}: {status} declares no body but has one"),
        Some(content) => {
            assert!(content.contains_key(content_type.as_str()), "{method} {path}: {content_type}");
            if status.is_client_error() {
                let body: Value = serde_json::from_slice(bytes).expect("a JSON error");
                assert!(body["code"].is_string() && body["description"].is_string(), "{body}");
            }
        }
    }
}

#[tokio::test]
async fn answers_schemathesis_found_outside_the_definition_are_declared() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let admin = as_user(app(db.pool.clone()), &token(&db.pool, Role::Admin, &[]).await);
    let (_, doc) = get_json(&admin, "/api/v1/openapi.json").await;

    // ST103 (undocumented status code): a new key point with an empty code broke the table's check
    // constraint and was answered 422, which POST did not declare.
    let body = r#"{"category": "", "code": "", "description": "", "lat": 0, "lon": 0, "observed_at": "2000-01-01T00:00:00Z", "severity": null}"#;
    let answer = send(&admin, Method::POST, "/api/v1/key-points", Some(body)).await;
    conforms(&doc, &Method::POST, "/api/v1/key-points", &answer);
    assert!(answer.0.is_client_error(), "{:?}", answer.0);

    // ST103: a status outside the enumeration is 422, which PATCH did not declare.
    let body = r#"{"description": "", "severity": 1, "status": "AAA"}"#;
    let answer = send(&admin, Method::PATCH, "/api/v1/key-points/0", Some(body)).await;
    conforms(&doc, &Method::PATCH, "/api/v1/key-points/{id}", &answer);
    assert_eq!(answer.0, StatusCode::UNPROCESSABLE_ENTITY);

    // ST104/ST109 (missing content type, not JSON): sign-out answers 204 with no body, which the
    // definition declared as a JSON answer.
    let answer = send(&admin, Method::POST, "/auth/logout", None).await;
    conforms(&doc, &Method::POST, "/auth/logout", &answer);
    assert_eq!(answer.0, StatusCode::NO_CONTENT);
}
