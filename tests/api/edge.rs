//! Text checked at the edge: a NUL byte or another control character in any parameter, path
//! segment or JSON field is a 4xx naming where it is, never a 500 from PostgreSQL (which cannot
//! store a NUL). The first test sends each request issue #20 listed; the walks cover every
//! parameter of every route the OpenAPI definition declares (built from `http::routes()`, and a
//! test keeps every route described), so a new route is covered without anyone adding it here.

use antq_atlas::auth::Role;
use antq_atlas::http::{openapi, routes};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::{app, as_user, seed_small, test_db, token};

/// Sends `method uri` with an optional JSON body; returns the status and the body as JSON.
async fn send(app: &Router, method: &Method, uri: &str, body: Option<&str>) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method.clone()).uri(uri);
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    let request = request.body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned()))).expect("request");
    let response = app.clone().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The description of an error answer.
fn described(body: &Value) -> &str {
    body["description"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn each_request_of_the_issue_answers_a_4xx_naming_what_is_wrong() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let admin = as_user(app(db.pool.clone()), &token(&db.pool, Role::Admin, &[]).await);
    let get = Method::GET;
    for (method, uri, body, status, named) in [
        (
            &get,
            "/api/v1/collections/communes/items?district_name=a%00b",
            None,
            400,
            "district_name: contains a NUL",
        ),
        (&get, "/api/v1/search?q=ban%00vuoc", None, 400, "q: contains a NUL"),
        (
            &get,
            "/api/v1/collections/communes/items?filter=name%3D'a%00b'",
            None,
            400,
            "filter: contains a NUL",
        ),
        (&get, "/api/v1/collections/key_points/items?code=a%00", None, 400, "code: contains a NUL"),
        (&get, "/api/v1/reports/communes/02%000", None, 400, "path segment code: contains a NUL"),
        (&get, "/audit?user=a%00", None, 400, "user: contains a NUL"),
        (&get, "/audit?action=%3Ey%C2%B6%00", None, 400, "action: contains a NUL"),
        (
            &get,
            "/api/v1/collections/communes/items?name=%01",
            None,
            400,
            "name: contains a control character (U+0001)",
        ),
        (&get, "/api/v1/collections/commun%00es/items", None, 400, "path segment id: contains a NUL"),
        (
            &Method::PATCH,
            "/api/v1/key-points/1",
            Some(r#"{"description":"x\u0000y"}"#),
            422,
            "description: contains a NUL",
        ),
        (
            &Method::POST,
            "/api/v1/key-points",
            Some(
                r#"{"code":"KP-\u0001","category":"drugs","observed_at":"2026-01-02T03:04:05Z","lon":104.0,"lat":22.5}"#,
            ),
            422,
            "code: contains a control character (U+0001)",
        ),
        // The year check of `layers::values` was skipped by the PAI (500 from PostgreSQL).
        (
            &get,
            "/api/v1/analysis/pai?train=2020-01-01/2020-06-30&test=2020-07-01/2020-12-31&as_of=-5000-01-01",
            None,
            400,
            "as_of: '-5000-01-01' is not a date YYYY-MM-DD",
        ),
    ] {
        let (got, answer) = send(&admin, method, uri, body).await;
        assert_eq!(got.as_u16(), status, "{method} {uri}: {answer}");
        assert!(described(&answer).starts_with(named), "{method} {uri}: {answer}");
    }
}

#[tokio::test]
async fn a_name_holding_a_control_character_signs_in_like_a_wrong_password() {
    let db = test_db().await;
    let app = app(db.pool.clone());
    let (wrong, wrong_body) =
        send(&app, &Method::POST, "/auth/login", Some(r#"{"username":"nobody","password":"x"}"#)).await;
    let (status, body) =
        send(&app, &Method::POST, "/auth/login", Some(r#"{"username":"a\u0000b","password":"x"}"#)).await;
    assert_eq!((status, &body), (wrong, &wrong_body));
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let audited: Vec<(String, Option<String>)> =
        sqlx::query_as("select outcome, username from audit_log where action = 'auth.login' order by id")
            .fetch_all(&db.pool)
            .await
            .expect("audit rows");
    assert_eq!(audited.last(), Some(&("failed".to_owned(), Some("a\\u{0}b".to_owned()))), "{audited:?}");
}

/// `value` percent-encoded for a query string or a path segment.
fn encoded(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[tokio::test]
async fn every_parameter_of_every_route_refuses_control_characters_by_name() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let admin = as_user(app(db.pool.clone()), &token(&db.pool, Role::Admin, &[]).await);
    let doc = openapi::definition(&routes(), "http://localhost");
    let mut checked = 0;
    for (path, operations) in doc["paths"].as_object().expect("paths") {
        for (method, op) in operations.as_object().expect("operations") {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            // Every path parameter filled with a plain value, for the query walk.
            let plain = params.iter().filter(|p| p["in"] == "path").fold(path.clone(), |uri, p| {
                uri.replace(&format!("{{{}}}", p["name"].as_str().unwrap_or_default()), "1")
            });
            for p in params.iter().filter(|p| p["in"] == "query" || p["in"] == "path") {
                let name = p["name"].as_str().expect("a name");
                for bad in ["a\u{0}b", "a\u{1f}b"] {
                    let uri = if p["in"] == "path" {
                        path.replace(&format!("{{{name}}}"), &encoded(bad))
                            .split('/')
                            .map(|s| if s.starts_with('{') { "1" } else { s })
                            .collect::<Vec<_>>()
                            .join("/")
                    } else {
                        format!("{plain}?{}={}", encoded(name), encoded(bad))
                    };
                    let (status, answer) = send(&admin, &method, &uri, None).await;
                    let why = described(&answer);
                    assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {uri}: {answer}");
                    assert!(why.contains(name) && why.contains("U+00"), "{method} {uri}: {why}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} parameters were walked");
}

/// The string fields of a JSON body schema, flat (a Feature's `properties` are read flat too).
fn string_fields(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (name, field) in schema["properties"].as_object().into_iter().flatten() {
        match field["type"].as_str() {
            Some("string") if field.get("const").is_none() => out.push(name.clone()),
            Some("object") => out.extend(string_fields(field)),
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn every_text_field_of_every_json_body_refuses_control_characters_by_name() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let admin = as_user(app(db.pool.clone()), &token(&db.pool, Role::Admin, &[]).await);
    let doc = openapi::definition(&routes(), "http://localhost");
    let mut checked = Vec::new();
    for (path, operations) in doc["paths"].as_object().expect("paths") {
        for (method, op) in operations.as_object().expect("operations") {
            let Some(schema) = op["requestBody"]["content"]["application/json"].get("schema") else {
                continue;
            };
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
            let uri = path.replace("{id}", "1");
            for field in string_fields(schema) {
                let body = json!({ field.clone(): "x\u{0}y" }).to_string();
                let (status, answer) = send(&admin, &method, &uri, Some(&body)).await;
                if uri == "/auth/login" {
                    // As a wrong password (see above); the password is hashed, never stored.
                    assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{method} {uri} {field}: {answer}");
                    continue;
                }
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{method} {uri} {field}: {answer}");
                assert!(described(&answer).starts_with(&format!("{field}: contains a NUL")), "{answer}");
                checked.push(format!("{method} {uri} {field}"));
            }
        }
    }
    assert!(checked.iter().any(|c| c.ends_with("/api/v1/key-points description")), "{checked:?}");
    assert!(checked.len() > 20, "{checked:?}");
}

/// Log lines written while a test runs on its own thread (tokio's test runtime is one thread).
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Self;
    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

/// Makes every insert of a key point fail with SQLSTATE `code` (and `constraint`), as user input
/// would have before the edge checks (a NUL: 22021) or could through a path not yet thought of.
async fn fail_inserts_with(pool: &sqlx::PgPool, code: &str, constraint: &str) {
    let function = format!(
        "create or replace function edge_test_fail() returns trigger language plpgsql as $$
         begin raise exception 'forced by the test' using errcode = '{code}', constraint = '{constraint}'; end $$"
    );
    sqlx::query(sqlx::AssertSqlSafe(function)).execute(pool).await.expect("function");
    sqlx::query(
        "create or replace trigger edge_test_fail before insert on key_points
         for each row execute function edge_test_fail()",
    )
    .execute(pool)
    .await
    .expect("trigger");
}

#[tokio::test]
async fn database_errors_are_answered_by_their_class_and_only_the_internal_ones_are_500() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let admin = as_user(app(db.pool.clone()), &token(&db.pool, Role::Admin, &[]).await);
    let point = |code: &str, category: &str| {
        json!({ "code": code, "category": category, "observed_at": "2026-01-02T03:04:05Z", "lon": 104.0, "lat": 22.5 })
            .to_string()
    };
    let post = |body: String| {
        let admin = admin.clone();
        async move { send(&admin, &Method::POST, "/api/v1/key-points", Some(&body)).await }
    };
    // Caused by the request itself: a taken code (unique), a code too long (check), an unknown
    // category (foreign key).
    assert_eq!(post(point("KP-EDGE", "drugs")).await.0, StatusCode::CREATED);
    let cases = [
        (point("KP-EDGE", "drugs"), 409, "a key point with this code already exists"),
        (point(&"K".repeat(41), "drugs"), 422, "code: 1 to 40 characters"),
        (point("KP-EDGE-2", "no-such-category"), 422, "category: refers to something that does not exist"),
    ];
    for (body, status, words) in cases {
        let (got, answer) = post(body).await;
        assert_eq!((got.as_u16(), described(&answer)), (status, words), "{answer}");
    }
    // The classes the edge now keeps from the database, raised there by a trigger: each is still
    // answered by class, in words, never with PostgreSQL's text.
    for (code, constraint, status, words) in [
        ("22021", "", 400, "a text holds a character that cannot be stored (a NUL byte)"),
        ("22003", "", 400, "a number is out of range"),
        ("22008", "", 400, "a date or time is out of range"),
        (
            "23P01",
            "designations_no_overlap",
            409,
            "the unit already holds this designation over part of that period",
        ),
        ("23505", "no_such_constraint", 409, "conflicts with a stored record (no_such_constraint)"),
        ("23514", "key_points_severity_check", 422, "severity: 1 to 5"),
    ] {
        fail_inserts_with(&db.pool, code, constraint).await;
        let (got, answer) = post(point(&format!("KP-{code}"), "drugs")).await;
        assert_eq!((got.as_u16(), described(&answer)), (status, words), "{code}: {answer}");
    }
    // What no input causes stays a 500 with a generic text; its log line carries the request id
    // the answer names.
    fail_inserts_with(&db.pool, "XX000", "").await;
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt().with_writer(logs.clone()).with_ansi(false).finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let request = Request::post("/api/v1/key-points")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(point("KP-XX000", "drugs")))
        .expect("request");
    let response = admin.clone().oneshot(request).await.expect("the router answers");
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let id = response.headers()["x-request-id"].to_str().expect("ascii").to_owned();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(
        serde_json::from_slice::<Value>(&bytes).expect("json"),
        json!({ "code": "internal", "description": "internal error" })
    );
    let text = String::from_utf8(logs.0.lock().expect("lock").clone()).expect("utf-8");
    let line = text
        .lines()
        .find(|l| l.contains("internal error"))
        .unwrap_or_else(|| panic!("no error line: {text}"));
    assert!(line.contains(&format!("request_id={id}")), "{line}");
}
