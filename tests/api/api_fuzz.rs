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
    // Writes now need If-Match, so an unconditional PATCH is 428 before its body is read; what
    // matters here is that the answer is one the definition declares, with its error body.
    assert!(
        matches!(answer.0, StatusCode::UNPROCESSABLE_ENTITY | StatusCode::PRECONDITION_REQUIRED),
        "{:?}",
        answer.0
    );

    // ST104/ST109 (missing content type, not JSON): sign-out answers 204 with no body, which the
    // definition declared as a JSON answer.
    let answer = send(&admin, Method::POST, "/auth/logout", None).await;
    conforms(&doc, &Method::POST, "/auth/logout", &answer);
    assert_eq!(answer.0, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn parameters_postgresql_cannot_hold_are_400_not_500() {
    // Found while writing the fuzz targets, by replaying their inputs against the demo: dates
    // before year 1 and a non-finite BBOX corner reached PostgreSQL and were answered 500; a bare
    // BBOX and a geometry cut inside a character panicked (the connection dropped).
    let db = test_db().await;
    seed_small(&db.pool).await;
    let admin = as_user(app(db.pool.clone()), &token(&db.pool, Role::Admin, &[]).await);
    let (_, doc) = get_json(&admin, "/api/v1/openapi.json").await;
    let items = "/api/v1/collections/key_points/items";
    let communes = "/api/v1/collections/communes/items";
    for (path, query) in [
        (items, "datetime=-5000-01-01%2F2020-01-01"),
        (items, "observed_at=-10000-01-01"),
        (items, "filter=observed_at%3EDATE('-9999-01-01')"),
        (items, "filter=S_INTERSECTS(geometry%2CBBOX(0%2C0%2C1e400%2C1))"),
        (items, "filter=S_INTERSECTS(geometry%2CBBOX)"),
        (items, "filter=S_INTERSECTS(geometry%2CPOINT%20%C3%A9)"),
        (communes, "as_of=-10000-01-01"),
        ("/api/v1/reports/province", "as_of=-10000-01-01"),
        ("/api/v1/search", "q=a&as_of=-10000-01-01"),
    ] {
        let answer = send(&admin, Method::GET, &format!("{path}?{query}"), None).await;
        conforms(&doc, &Method::GET, path, &answer);
        assert_eq!(
            answer.0,
            StatusCode::BAD_REQUEST,
            "{path}?{query}: {}",
            String::from_utf8_lossy(&answer.2)
        );
    }
}

/// The links schemathesis' stateful phase follows: each names an operation of the definition and
/// only parameters that operation has, and the create → change → archive chain works when
/// followed by hand (the `ETag` of each answer is the `If-Match` of the next).
#[tokio::test]
async fn the_links_lead_to_declared_operations_and_work_when_followed() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let admin = as_user(app(db.pool.clone()), &token(&db.pool, Role::Admin, &[]).await);
    let (_, doc) = get_json(&admin, "/api/v1/openapi.json").await;
    let mut followed = 0;
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("operations") {
            for (status, answer) in op["responses"].as_object().expect("responses") {
                for (name, link) in answer["links"].as_object().into_iter().flatten() {
                    let what = format!("{method} {path} {status} link {name}");
                    let reference = link["operationRef"].as_str().expect("operationRef");
                    let pointer = reference.strip_prefix('#').expect("a local reference");
                    let target =
                        doc.pointer(pointer).unwrap_or_else(|| panic!("{what}: {reference} is not there"));
                    let declared: Vec<String> = target["parameters"]
                        .as_array()
                        .expect("parameters")
                        .iter()
                        .map(|p| {
                            format!("{}.{}", p["in"].as_str().unwrap_or(""), p["name"].as_str().unwrap_or(""))
                        })
                        .collect();
                    for parameter in link["parameters"].as_object().expect("parameters").keys() {
                        let qualified = if parameter.contains('.') {
                            parameter.clone()
                        } else {
                            format!("path.{parameter}")
                        };
                        assert!(declared.contains(&qualified), "{what}: {parameter} not among {declared:?}");
                    }
                    followed += 1;
                }
            }
        }
    }
    assert!(followed >= 20, "only {followed} links");
    let create = &doc["paths"]["/api/v1/key-points"]["post"]["responses"]["201"]["links"];
    assert_eq!(create["change"]["parameters"]["header.If-Match"], "$response.header.ETag");

    // Followed by hand: create, read through the link's id, change with its ETag, archive with the next.
    let body = r#"{"code":"KP-LINK-1","category":"crime","observed_at":"2020-06-01T03:00:00Z","lon":103.97,"lat":22.49}"#;
    let request = |method: Method, uri: String, etag: Option<&str>, body: Option<&str>| {
        let mut r =
            Request::builder().method(method).uri(uri).header(header::CONTENT_TYPE, "application/json");
        if let Some(e) = etag {
            r = r.header(header::IF_MATCH, e);
        }
        r.body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned()))).expect("request")
    };
    let created = admin
        .clone()
        .oneshot(request(Method::POST, "/api/v1/key-points".into(), None, Some(body)))
        .await
        .expect("answer");
    assert_eq!(created.status(), StatusCode::CREATED);
    let etag = created.headers()[header::ETAG].to_str().expect("ascii").to_owned();
    let feature: Value =
        serde_json::from_slice(&created.into_body().collect().await.expect("body").to_bytes()).expect("json");
    let id = feature["id"].as_i64().expect("the link's $response.body#/id");
    let one = format!("/api/v1/key-points/{id}");
    let changed = admin
        .clone()
        .oneshot(request(Method::PATCH, one.clone(), Some(&etag), Some(r#"{"severity":4}"#)))
        .await
        .expect("answer");
    assert_eq!(changed.status(), StatusCode::OK);
    let etag = changed.headers()[header::ETAG].to_str().expect("ascii").to_owned();
    let archived =
        admin.clone().oneshot(request(Method::DELETE, one, Some(&etag), None)).await.expect("answer");
    assert_eq!(archived.status(), StatusCode::OK);
}
