//! Deny by default, sign-in, tokens, CSRF and the audit log, through the real router.
//!
//! Fixtures: two provinces, hand-made squares: "10" (lon 103.9-104.1, lat 22.4-22.6, around Lào
//! Cai city) and "11" (lon 104.2-104.4, same latitudes). The editor's jurisdiction is "10", the
//! "outside" editor's is "11"; the key point of the walk lies in "10".

use std::collections::HashMap;
use std::net::SocketAddr;

use antq_atlas::auth::accounts;
use antq_atlas::auth::{Permission, Role};
use antq_atlas::http::gate::{CSRF_HEADER, Gate, SESSION_COOKIE, gate};
use antq_atlas::http::{AppState, HttpSettings, routes};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::TimeDelta;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sqlx::PgPool;
use tower::ServiceExt;

use crate::support::{app, app_with, test_db};

const PASSWORD: &str = "correct horse battery";

/// Sends a request; returns the status, the headers and the body as JSON (`Null` if it is not).
async fn send(app: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, Value) {
    let response = app.clone().oneshot(req).await.expect("the router answers");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    (parts.status, parts.headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn request(method: &Method, uri: &str, body: Option<&Value>) -> axum::http::request::Builder {
    let builder = Request::builder().method(method.clone()).uri(uri);
    if body.is_some() { builder.header(header::CONTENT_TYPE, "application/json") } else { builder }
}

fn build(builder: axum::http::request::Builder, body: Option<&Value>) -> Request<Body> {
    builder.body(body.map_or_else(Body::empty, |b| Body::from(b.to_string()))).expect("request")
}

async fn login(app: &Router, username: &str, password: &str) -> (StatusCode, HeaderMap, Value) {
    let body = json!({ "username": username, "password": password });
    send(app, build(request(&Method::POST, "/auth/login", Some(&body)), Some(&body))).await
}

/// The `name=value` of the session cookie set by a sign-in.
fn session_cookie(headers: &HeaderMap) -> String {
    let set = headers.get(header::SET_COOKIE).expect("a cookie is set").to_str().expect("ascii");
    set.split(';').next().expect("name=value").to_owned()
}

async fn add_user(pool: &PgPool, name: &str, role: Role, jurisdiction: &[&str]) -> i64 {
    let codes: Vec<String> = jurisdiction.iter().map(|c| (*c).to_owned()).collect();
    accounts::add_user(pool, name, role, &codes, None, PASSWORD).await.expect("add user")
}

async fn token_for(pool: &PgPool, name: &str) -> (i64, String) {
    accounts::create_token(pool, name, "test", Some(TimeDelta::days(1))).await.expect("token")
}

async fn insert_province(pool: &PgPool, code: &str, west: f64) {
    let square =
        format!("MULTIPOLYGON((({w} 22.4,{e} 22.4,{e} 22.6,{w} 22.6,{w} 22.4)))", w = west, e = west + 0.2);
    sqlx::query(
        "insert into admin_units (code, level, kind, name, valid_from, geom)
         values ($1, 'province', 'tỉnh', $1, '2000-01-01', ST_GeomFromText($2, 4326))",
    )
    .bind(code)
    .bind(square)
    .execute(pool)
    .await
    .expect("insert province");
}

async fn insert_key_point(pool: &PgPool, code: &str, lon: f64, lat: f64) -> i64 {
    sqlx::query_scalar(
        "insert into key_points (code, category, observed_at, location)
         values ($1, 'smuggling', now(), ST_SetSRID(ST_MakePoint($2, $3), 4326)) returning id",
    )
    .bind(code)
    .bind(lon)
    .bind(lat)
    .fetch_one(pool)
    .await
    .expect("insert key point")
}

/// A model site and a patrol (its route) inside province "10"; returns their ids.
async fn insert_site_and_patrol(pool: &PgPool) -> (i64, i64) {
    sqlx::query(
        "insert into model_types (code, name_vi, name_en) values ('watch', 'Tổ an ninh', 'Watch group')",
    )
    .execute(pool)
    .await
    .expect("model type");
    let site = sqlx::query_scalar(
        "insert into model_sites (code, type_code, name, host_kind, geom)
         values ('MS-WALK', 'watch', 'Tổ an ninh thôn', 'village', ST_SetSRID(ST_MakePoint(104.0, 22.5), 4326))
         returning id",
    )
    .fetch_one(pool)
    .await
    .expect("model site");
    let patrol = sqlx::query_scalar(
        "insert into patrols (code, kind, planned_route)
         values ('TT-WALK', 'commune', ST_GeomFromText('LINESTRING(103.95 22.45,104.05 22.55)', 4326)) returning id",
    )
    .fetch_one(pool)
    .await
    .expect("patrol");
    (site, patrol)
}

async fn audit_rows(pool: &PgPool, action: &str) -> Vec<(String, Option<String>, Value)> {
    sqlx::query_as(
        "select outcome, username, coalesce(details, 'null') from audit_log where action = $1 order by id",
    )
    .bind(action)
    .fetch_all(pool)
    .await
    .expect("audit rows")
}

/// Who walks the routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// Anonymous, on a service started with `--public-layers`.
    AnonymousPublicLayers,
    Role(Role),
    /// An editor whose jurisdiction does not contain the walk's key point.
    EditorOutside,
}

/// The specification, written independently of `Role::allows`: who holds each permission.
fn holds(who: Who, permission: Permission) -> bool {
    use Permission as P;
    let role = match who {
        Who::Anonymous => return permission == P::Public,
        Who::AnonymousPublicLayers => return matches!(permission, P::Public | P::ReadPublic),
        Who::EditorOutside => Role::Editor,
        Who::Role(r) => r,
    };
    let roles: &[Role] = match permission {
        P::Public | P::SignedIn | P::ReadPublic => &Role::ALL,
        P::ReadInternal => &[Role::Viewer, Role::Analyst, Role::Editor, Role::Admin],
        P::ReadRestricted | P::Analyse | P::Export => &[Role::Analyst, Role::Editor, Role::Admin],
        P::ReadPatrols => &[Role::Analyst, Role::Editor, Role::Patrol, Role::Admin],
        P::Write => &[Role::Editor, Role::Admin],
        P::UploadTracks => &[Role::Patrol, Role::Admin],
        P::Admin => &[Role::Admin],
    };
    roles.contains(&role)
}

/// How to call one route in the walk: the URI (`$KP`: the key point's id), the body (`$WHO`:
/// the caller, so writes do not collide), the status when allowed, and whether the route acts
/// at the key point's location (then an editor outside gets 403).
struct Example {
    uri: &'static str,
    body: Option<&'static str>,
    allowed: StatusCode,
    located: bool,
    /// For `PATCH`/`DELETE`: the table whose row's current version goes in `If-Match`.
    versioned: Option<&'static str>,
    /// What an editor outside gets when not 403: imports list points outside the
    /// jurisdiction among their bad records (422).
    outside: Option<StatusCode>,
    /// When the body is not JSON.
    content_type: Option<&'static str>,
}

/// One example per declared route. A route added to `http::routes()` without one here makes the
/// walk fail: every new route enters the matrix.
// One table read top to bottom; split, it would hide which routes lack an example.
#[allow(clippy::too_many_lines)]
fn examples() -> HashMap<(Method, &'static str), Example> {
    let ex = |uri, body, allowed, located| Example {
        uri,
        body,
        allowed,
        located,
        versioned: None,
        outside: None,
        content_type: None,
    };
    let vx = |uri, body, table| Example { versioned: Some(table), ..ex(uri, body, StatusCode::OK, true) };
    let import = |uri, body| Example {
        outside: Some(StatusCode::UNPROCESSABLE_ENTITY),
        ..ex(uri, Some(body), StatusCode::CREATED, true)
    };
    HashMap::from([
        ((Method::GET, "/health"), ex("/health", None, StatusCode::OK, false)),
        ((Method::GET, "/config.json"), ex("/config.json", None, StatusCode::OK, false)),
        ((Method::GET, "/metrics"), ex("/metrics", None, StatusCode::OK, false)),
        (
            (Method::POST, "/auth/login"),
            ex(
                "/auth/login",
                Some(r#"{"username":"$WHO-nobody","password":"x"}"#),
                StatusCode::UNAUTHORIZED,
                false,
            ),
        ),
        ((Method::POST, "/auth/logout"), ex("/auth/logout", None, StatusCode::NO_CONTENT, false)),
        ((Method::GET, "/auth/me"), ex("/auth/me", None, StatusCode::OK, false)),
        ((Method::GET, "/audit"), ex("/audit?action=auth.login", None, StatusCode::OK, false)),
        (
            (Method::POST, "/api/v1/key-points"),
            ex(
                "/api/v1/key-points",
                Some(
                    r#"{"code":"KP-$WHO","category":"drugs","observed_at":"2026-01-02T03:04:05Z","lon":104.0,"lat":22.5}"#,
                ),
                StatusCode::CREATED,
                true,
            ),
        ),
        (
            (Method::POST, "/api/v1/key-points/import"),
            import(
                "/api/v1/key-points/import",
                r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[104.0,22.5]},"properties":{"code":"KPI-$WHO","category":"drugs","observed_at":"2026-01-02"}}]}"#,
            ),
        ),
        (
            (Method::GET, "/api/v1/analysis/pai"),
            ex(
                "/api/v1/analysis/pai?train=2019-01-01/2020-01-01&test=2020-01-01/2021-01-01&as_of=2020-06-30",
                None,
                StatusCode::OK,
                false,
            ),
        ),
        (
            (Method::POST, "/api/v1/model-sites/import"),
            import(
                "/api/v1/model-sites/import",
                r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[104.0,22.5]},"properties":{"code":"MSI-$WHO","type_code":"watch","name":"Tổ","host_kind":"village"}}]}"#,
            ),
        ),
        (
            (Method::POST, "/api/v1/patrols/{id}/tracks"),
            Example {
                content_type: Some("application/gpx+xml"),
                ..ex(
                    "/api/v1/patrols/$PT/tracks",
                    Some(
                        r#"<gpx><trk><trkseg><trkpt lat="22.45" lon="103.95"/><trkpt lat="22.5" lon="104.0"/></trkseg></trk></gpx>"#,
                    ),
                    StatusCode::CREATED,
                    true,
                )
            },
        ),
        (
            (Method::POST, "/api/v1/admin/boundaries/import"),
            ex(
                "/api/v1/admin/boundaries/import?level=commune&valid_from=2026-01-01&dry_run=true",
                Some(r#"{"type":"FeatureCollection","features":[]}"#),
                StatusCode::OK,
                false,
            ),
        ),
        ((Method::GET, "/api/v1/forms/{kind}"), ex("/api/v1/forms/key-points", None, StatusCode::OK, false)),
        ((Method::GET, "/api/v1/key-points/{id}"), ex("/api/v1/key-points/$KP", None, StatusCode::OK, true)),
        (
            (Method::PATCH, "/api/v1/key-points/{id}"),
            vx("/api/v1/key-points/$KP", Some(r#"{"status":"verified"}"#), "key_points"),
        ),
        ((Method::DELETE, "/api/v1/key-points/{id}"), vx("/api/v1/key-points/$KP", None, "key_points")),
        (
            (Method::GET, "/api/v1/key-points/{id}/history"),
            ex("/api/v1/key-points/$KP/history", None, StatusCode::OK, true),
        ),
        (
            (Method::POST, "/api/v1/model-sites"),
            ex(
                "/api/v1/model-sites",
                Some(
                    r#"{"code":"MS-$WHO","type_code":"watch","name":"Tổ tự quản","host_kind":"village","lon":104.0,"lat":22.5}"#,
                ),
                StatusCode::CREATED,
                true,
            ),
        ),
        (
            (Method::GET, "/api/v1/model-sites/{id}"),
            ex("/api/v1/model-sites/$MS", None, StatusCode::OK, false),
        ),
        (
            (Method::PATCH, "/api/v1/model-sites/{id}"),
            vx("/api/v1/model-sites/$MS", Some(r#"{"effectiveness":"fair"}"#), "model_sites"),
        ),
        ((Method::DELETE, "/api/v1/model-sites/{id}"), vx("/api/v1/model-sites/$MS", None, "model_sites")),
        (
            (Method::POST, "/api/v1/patrols"),
            ex(
                "/api/v1/patrols",
                Some(
                    r#"{"type":"Feature","geometry":{"type":"LineString","coordinates":[[103.95,22.45],[104.05,22.55]]},"properties":{"code":"TT-$WHO","kind":"commune"}}"#,
                ),
                StatusCode::CREATED,
                true,
            ),
        ),
        ((Method::GET, "/api/v1/patrols/{id}"), ex("/api/v1/patrols/$PT", None, StatusCode::OK, true)),
        (
            (Method::PATCH, "/api/v1/patrols/{id}"),
            vx("/api/v1/patrols/$PT", Some(r#"{"members":["Nguyễn Văn A"]}"#), "patrols"),
        ),
        ((Method::DELETE, "/api/v1/patrols/{id}"), vx("/api/v1/patrols/$PT", None, "patrols")),
        (
            (Method::GET, "/api/v1/reports/province"),
            ex("/api/v1/reports/province?as_of=2020-04-15", None, StatusCode::OK, false),
        ),
        (
            (Method::GET, "/api/v1/reports/communes"),
            ex("/api/v1/reports/communes?as_of=2020-04-15", None, StatusCode::OK, false),
        ),
        // The walk's fixtures have provinces only: any commune is unknown.
        (
            (Method::GET, "/api/v1/reports/communes/{code}"),
            ex("/api/v1/reports/communes/02809", None, StatusCode::NOT_FOUND, false),
        ),
        (
            (Method::GET, "/api/v1/analysis/effort"),
            ex("/api/v1/analysis/effort?by=unit", None, StatusCode::OK, false),
        ),
        (
            (Method::GET, "/api/v1/analysis/plan-coverage"),
            ex("/api/v1/analysis/plan-coverage?from=2020-06-01&weeks=2", None, StatusCode::OK, false),
        ),
        ((Method::GET, "/api/v1/openapi.json"), ex("/api/v1/openapi.json", None, StatusCode::OK, false)),
        ((Method::GET, "/api/v1/api.html"), ex("/api/v1/api.html", None, StatusCode::OK, false)),
        ((Method::GET, "/api/v1/search"), ex("/api/v1/search?q=ban", None, StatusCode::OK, false)),
        // The layer routes, on a public layer (restricted layers are checked in `layers`).
        ((Method::GET, "/api/v1"), ex("/api/v1", None, StatusCode::OK, false)),
        ((Method::GET, "/api/v1/conformance"), ex("/api/v1/conformance", None, StatusCode::OK, false)),
        ((Method::GET, "/api/v1/collections"), ex("/api/v1/collections", None, StatusCode::OK, false)),
        (
            (Method::GET, "/api/v1/collections/{id}"),
            ex("/api/v1/collections/provinces", None, StatusCode::OK, false),
        ),
        (
            (Method::GET, "/api/v1/collections/{id}/queryables"),
            ex("/api/v1/collections/provinces/queryables", None, StatusCode::OK, false),
        ),
        (
            (Method::GET, "/api/v1/collections/{id}/items"),
            ex("/api/v1/collections/provinces/items", None, StatusCode::OK, false),
        ),
        (
            (Method::GET, "/api/v1/collections/{id}/items/{fid}"),
            ex("/api/v1/collections/provinces/items/999999", None, StatusCode::NOT_FOUND, false),
        ),
        (
            (Method::GET, "/api/v1/collections/{id}/tiles/WebMercatorQuad/tilejson.json"),
            ex(
                "/api/v1/collections/provinces/tiles/WebMercatorQuad/tilejson.json",
                None,
                StatusCode::OK,
                false,
            ),
        ),
        (
            (Method::GET, "/api/v1/collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}"),
            ex("/api/v1/collections/provinces/tiles/WebMercatorQuad/0/0/0", None, StatusCode::OK, false),
        ),
        (
            (Method::GET, "/api/v1/collections/{id}/export"),
            ex("/api/v1/collections/provinces/export?f=csv", None, StatusCode::OK, false),
        ),
    ])
}

#[tokio::test]
async fn every_route_answers_each_caller_exactly_as_its_permission_says() {
    // Arrange
    let db = test_db().await;
    let pool = &db.pool;
    insert_province(pool, "10", 103.9).await;
    insert_province(pool, "11", 104.2).await;
    let kp = insert_key_point(pool, "KP-WALK", 104.0, 22.5).await;
    let (ms, pt) = insert_site_and_patrol(pool).await;
    let mut callers: Vec<(Who, String, Option<String>)> = vec![
        (Who::Anonymous, "anonymous".into(), None),
        (Who::AnonymousPublicLayers, "anonymous-public".into(), None),
    ];
    for role in Role::ALL {
        let name = format!("{role:?}").to_lowercase();
        add_user(pool, &name, role, &["10"]).await;
        callers.push((Who::Role(role), name.clone(), Some(token_for(pool, &name).await.1)));
    }
    add_user(pool, "outsider", Role::Editor, &["11"]).await;
    callers.push((Who::EditorOutside, "outsider".into(), Some(token_for(pool, "outsider").await.1)));
    let app = app(pool.clone());
    let public_app = app_with(pool.clone(), HttpSettings { public_layers: true, ..HttpSettings::default() });
    let examples = examples();
    let table = routes();
    assert!(table.len() >= examples.len(), "examples name routes that no longer exist");

    // Act and assert
    let mut failures = Vec::new();
    let mut refusals = 0;
    for route in &table {
        let example = examples
            .get(&(route.method.clone(), route.path))
            .unwrap_or_else(|| panic!("no example for {route:?}: add one to the walk"));
        for (who, name, token) in &callers {
            let expected = if !holds(*who, route.permission) {
                refusals += 1;
                if token.is_none() { StatusCode::UNAUTHORIZED } else { StatusCode::FORBIDDEN }
            } else if example.located && *who == Who::EditorOutside {
                if example.outside.is_none() {
                    refusals += 1;
                }
                example.outside.unwrap_or(StatusCode::FORBIDDEN)
            } else {
                example.allowed
            };
            let uri = example
                .uri
                .replace("$KP", &kp.to_string())
                .replace("$MS", &ms.to_string())
                .replace("$PT", &pt.to_string());
            let text = example.body.map(|b| b.replace("$WHO", name));
            let body: Option<Value> = match (&text, example.content_type) {
                (Some(t), None) => Some(serde_json::from_str(t).expect("example body")),
                _ => None,
            };
            let mut builder = request(&route.method, &uri, body.as_ref());
            if let Some(kind) = example.content_type {
                builder = builder.header(header::CONTENT_TYPE, kind);
            }
            if let Some(table) = example.versioned {
                let id = if table == "key_points" {
                    kp
                } else if table == "model_sites" {
                    ms
                } else {
                    pt
                };
                let sql = format!("select version from {table} where id = $1");
                let version: i32 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_one(pool)
                    .await
                    .expect("version");
                builder = builder.header(header::IF_MATCH, format!("\"{version}\""));
            }
            if let Some(token) = token {
                builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
            let app = if *who == Who::AnonymousPublicLayers { &public_app } else { &app };
            let request = match (example.content_type, text) {
                (Some(_), Some(raw)) => builder.body(Body::from(raw)).expect("request"),
                _ => build(builder, body.as_ref()),
            };
            let (status, _, answer) = send(app, request).await;
            if status != expected {
                failures.push(format!("{route:?} as {name}: {status}, expected {expected}: {answer}"));
            }
            if status.is_client_error() {
                assert!(
                    answer["code"].is_string() && answer["description"].is_string(),
                    "{route:?}: {answer}"
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every refusal (401 to anonymous, 403) left an audit row.
    let denied: i64 = sqlx::query_scalar("select count(*) from audit_log where outcome = 'denied'")
        .fetch_one(pool)
        .await
        .expect("count");
    assert_eq!(denied, refusals);
}

#[tokio::test]
async fn a_route_added_outside_the_table_is_refused_not_opened() {
    let db = test_db().await;
    let state = AppState::new(db.pool.clone(), false, HttpSettings::default());
    let (declared, permissions) = antq_atlas::http::routes::assemble(routes());
    let sneaky = declared.route("/sneaky", axum::routing::get(|| async { "open" }));
    let app =
        sneaky.layer(axum::middleware::from_fn_with_state(Gate { state: state.clone(), permissions }, gate));
    let app = app.with_state(state);

    let (status, _, body) = send(&app, build(request(&Method::GET, "/sneaky", None), None)).await;

    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_ne!(body, Value::String("open".into()));
}

#[tokio::test]
async fn an_undeclared_method_on_a_declared_path_is_405() {
    let db = test_db().await;
    let app = app(db.pool.clone());

    let (status, _, body) = send(&app, build(request(&Method::DELETE, "/auth/me", None), None)).await;

    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert_eq!(body["code"], "method_not_allowed");
}

#[tokio::test]
async fn sign_in_sets_a_strict_httponly_cookie_and_me_tells_role_and_jurisdiction() {
    let db = test_db().await;
    add_user(&db.pool, "lan", Role::Editor, &["10", "11"]).await;
    let app = app(db.pool.clone());

    let started = std::time::Instant::now();
    let (status, headers, body) = login(&app, "Lan", PASSWORD).await;
    let took = started.elapsed();

    assert_eq!(status, StatusCode::OK, "{body}");
    eprintln!("sign-in took {took:?} (debug build)");
    let set = headers.get(header::SET_COOKIE).expect("cookie").to_str().expect("ascii");
    assert!(set.starts_with(&format!("{SESSION_COOKIE}=")), "{set}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attribute), "{set} lacks {attribute}");
    }
    assert!(!set.contains("Secure"), "plain HTTP without a proxy: {set}");
    let cookie = session_cookie(&headers);
    let me = build(request(&Method::GET, "/auth/me", None).header(header::COOKIE, &cookie), None);
    let (status, _, me) = send(&app, me).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "lan");
    assert_eq!(me["role"], "editor");
    assert_eq!(me["jurisdiction"], json!(["10", "11"]));
    assert_eq!(me["csrf_token"], body["csrf_token"]);
    // Only the hash of the session id is stored.
    let stored: Vec<u8> =
        sqlx::query_scalar("select id_hash from sessions").fetch_one(&db.pool).await.expect("row");
    let id = cookie.split_once('=').expect("=").1;
    assert_ne!(stored, id.as_bytes());
    assert_eq!(stored, antq_atlas::auth::secret::digest(id));
    assert_eq!(audit_rows(&db.pool, "auth.login").await[0].0, "ok");
}

#[tokio::test]
async fn the_cookie_is_secure_behind_an_https_proxy() {
    let db = test_db().await;
    add_user(&db.pool, "lan", Role::Viewer, &[]).await;
    let app = app(db.pool.clone());
    let body = json!({ "username": "lan", "password": PASSWORD });
    let req = request(&Method::POST, "/auth/login", Some(&body)).header("x-forwarded-proto", "https");

    let (status, headers, _) = send(&app, build(req, Some(&body))).await;

    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::SET_COOKIE].to_str().expect("ascii").contains("; Secure"));
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_401_and_both_are_audited() {
    let db = test_db().await;
    add_user(&db.pool, "lan", Role::Viewer, &[]).await;
    let app = app(db.pool.clone());

    let (wrong, _, wrong_body) = login(&app, "lan", "not the password").await;
    let (unknown, _, unknown_body) = login(&app, "nobody", PASSWORD).await;

    assert_eq!(wrong, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_body, unknown_body);
    assert_eq!(wrong_body["description"], "wrong username or password");
    let rows = audit_rows(&db.pool, "auth.login").await;
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].0.as_str(), rows[0].1.as_deref()), ("failed", Some("lan")));
    assert_eq!(rows[0].2["reason"], "wrong password");
    assert_eq!((rows[1].0.as_str(), rows[1].1.as_deref()), ("failed", Some("nobody")));
    assert_eq!(rows[1].2["reason"], "unknown user");
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_and_its_session_and_token_stop_working() {
    let db = test_db().await;
    add_user(&db.pool, "lan", Role::Analyst, &[]).await;
    let app = app(db.pool.clone());
    let (_, headers, _) = login(&app, "lan", PASSWORD).await;
    let cookie = session_cookie(&headers);
    let (_, token) = token_for(&db.pool, "lan").await;

    accounts::disable_user(&db.pool, "lan").await.expect("disable");

    let (status, _, body) = login(&app, "lan", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["description"], "wrong username or password");
    let by_cookie = build(request(&Method::GET, "/auth/me", None).header(header::COOKIE, &cookie), None);
    assert_eq!(send(&app, by_cookie).await.0, StatusCode::UNAUTHORIZED);
    let by_token = build(
        request(&Method::GET, "/auth/me", None).header(header::AUTHORIZATION, format!("Bearer {token}")),
        None,
    );
    assert_eq!(send(&app, by_token).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(audit_rows(&db.pool, "auth.login").await[1].2["reason"], "user disabled");
    assert_eq!(audit_rows(&db.pool, "auth.session").await.len(), 1);
    assert_eq!(audit_rows(&db.pool, "auth.token").await[0].2["reason"], "user disabled");
}

async fn me_with_token(app: &Router, token: &str) -> (StatusCode, Value) {
    let req = build(
        request(&Method::GET, "/auth/me", None).header(header::AUTHORIZATION, format!("Bearer {token}")),
        None,
    );
    let (status, _, body) = send(app, req).await;
    (status, body)
}

#[tokio::test]
async fn expired_and_revoked_tokens_are_401_and_audited_with_the_reason() {
    let db = test_db().await;
    add_user(&db.pool, "lan", Role::Analyst, &[]).await;
    let app = app(db.pool.clone());
    let (expiring, expiring_token) = token_for(&db.pool, "lan").await;
    let (revoked, revoked_token) = token_for(&db.pool, "lan").await;
    assert_eq!(me_with_token(&app, &expiring_token).await.0, StatusCode::OK);
    assert_eq!(me_with_token(&app, &revoked_token).await.0, StatusCode::OK);

    sqlx::query("update api_tokens set expires_at = now() - interval '1 second' where id = $1")
        .bind(expiring)
        .execute(&db.pool)
        .await
        .expect("expire");
    accounts::revoke_token(&db.pool, revoked).await.expect("revoke");

    let (status, body) = me_with_token(&app, &expiring_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "unauthorized");
    assert_eq!(me_with_token(&app, &revoked_token).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(me_with_token(&app, "antq_not-a-real-token").await.0, StatusCode::UNAUTHORIZED);
    let reasons: Vec<Value> =
        audit_rows(&db.pool, "auth.token").await.into_iter().map(|r| r.2["reason"].clone()).collect();
    assert_eq!(reasons, [json!("expired"), json!("revoked"), json!("malformed Authorization header")]);
    assert!(accounts::revoke_token(&db.pool, revoked).await.is_err(), "revoking twice is an error");
}

#[tokio::test]
async fn a_tampered_or_expired_session_cookie_is_401_and_audited() {
    let db = test_db().await;
    add_user(&db.pool, "lan", Role::Viewer, &[]).await;
    let app = app(db.pool.clone());
    let (_, headers, _) = login(&app, "lan", PASSWORD).await;
    let cookie = session_cookie(&headers);
    // Flip the last character of the id: same shape, another (unknown) session.
    let last = cookie.chars().last().expect("non-empty");
    let tampered = format!("{}{}", &cookie[..cookie.len() - 1], if last == 'A' { 'B' } else { 'A' });
    let me = |c: &str| build(request(&Method::GET, "/auth/me", None).header(header::COOKIE, c), None);

    assert_eq!(send(&app, me(&tampered)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(send(&app, me(&format!("{SESSION_COOKIE}=garbage'--"))).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(send(&app, me(&cookie)).await.0, StatusCode::OK, "the real session still works");
    sqlx::query("update sessions set expires_at = now() - interval '1 second'")
        .execute(&db.pool)
        .await
        .expect("age");
    assert_eq!(send(&app, me(&cookie)).await.0, StatusCode::UNAUTHORIZED, "an idle session expires");

    let rows = audit_rows(&db.pool, "auth.session").await;
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.0 == "failed"));
}

#[tokio::test]
async fn a_cookie_authenticated_write_without_the_csrf_token_is_refused() {
    let db = test_db().await;
    add_user(&db.pool, "lan", Role::Viewer, &[]).await;
    let app = app(db.pool.clone());
    let (_, headers, body) = login(&app, "lan", PASSWORD).await;
    let cookie = session_cookie(&headers);
    let csrf = body["csrf_token"].as_str().expect("csrf token").to_owned();
    let logout = || request(&Method::POST, "/auth/logout", None).header(header::COOKIE, &cookie);
    let me = || build(request(&Method::GET, "/auth/me", None).header(header::COOKIE, &cookie), None);

    let (without, _, answer) = send(&app, build(logout(), None)).await;
    let (wrong, _, _) = send(&app, build(logout().header(CSRF_HEADER, "x".repeat(43)), None)).await;
    let cross_site = build(logout().header(CSRF_HEADER, &csrf).header("sec-fetch-site", "cross-site"), None);
    let (cross, _, _) = send(&app, cross_site).await;

    assert_eq!(without, StatusCode::FORBIDDEN, "{answer}");
    assert!(answer["description"].as_str().is_some_and(|d| d.contains(CSRF_HEADER)), "{answer}");
    assert_eq!(wrong, StatusCode::FORBIDDEN);
    assert_eq!(cross, StatusCode::FORBIDDEN);
    assert_eq!(send(&app, me()).await.0, StatusCode::OK, "the refused sign-out did not happen");
    let denied = audit_rows(&db.pool, "access.denied").await;
    assert_eq!(denied.len(), 3);
    assert!(denied.iter().all(|r| r.2["reason"] == "csrf"));

    let (with, headers, _) = send(&app, build(logout().header(CSRF_HEADER, &csrf), None)).await;
    assert_eq!(with, StatusCode::NO_CONTENT);
    assert!(headers[header::SET_COOKIE].to_str().expect("ascii").contains("Max-Age=0"));
    assert_eq!(send(&app, me()).await.0, StatusCode::UNAUTHORIZED, "signed out");
}

#[tokio::test]
async fn repeated_failures_slow_a_name_down_whether_or_not_it_exists() {
    let db = test_db().await;
    add_user(&db.pool, "lan", Role::Viewer, &[]).await;
    let app = app(db.pool.clone());
    for _ in 0..5 {
        assert_eq!(login(&app, "lan", "wrong").await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(login(&app, "ghost", "wrong").await.0, StatusCode::UNAUTHORIZED);
    }

    let (known, headers, _) = login(&app, "lan", PASSWORD).await;
    let (unknown, _, _) = login(&app, "ghost", PASSWORD).await;
    let (other, _, _) = login(&app, "LAN2", PASSWORD).await;

    assert_eq!(known, StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    assert_eq!(unknown, StatusCode::TOO_MANY_REQUESTS, "an unknown name is slowed down alike");
    assert_eq!(other, StatusCode::UNAUTHORIZED, "other names are not affected");
    let retry: u64 = headers[header::RETRY_AFTER].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=900).contains(&retry), "{retry}");
    let throttled =
        audit_rows(&db.pool, "auth.login").await.into_iter().filter(|r| r.2["reason"] == "throttled");
    assert_eq!(throttled.count(), 2);
}

#[tokio::test]
async fn repeated_failures_from_one_address_slow_down_every_name_from_it() {
    let db = test_db().await;
    add_user(&db.pool, "lan", Role::Viewer, &[]).await;
    let app = app(db.pool.clone());
    let from = |ip: [u8; 4], name: &str, password: &str| {
        let body = json!({ "username": name, "password": password });
        let mut req = build(request(&Method::POST, "/auth/login", Some(&body)), Some(&body));
        req.extensions_mut().insert(ConnectInfo(SocketAddr::from((ip, 40000))));
        req
    };
    // 20 guesses, each at another name so that no name's own limit is reached.
    for i in 0..20 {
        let (status, _, _) = send(&app, from([10, 0, 0, 7], &format!("guess{i}"), "wrong")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    let (blocked, _, _) = send(&app, from([10, 0, 0, 7], "lan", PASSWORD)).await;
    let (elsewhere, _, _) = send(&app, from([10, 0, 0, 8], "lan", PASSWORD)).await;

    assert_eq!(blocked, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(elsewhere, StatusCode::OK, "another address is not affected");
    let address: Option<String> =
        sqlx::query_scalar("select host(address) from audit_log where details->>'reason' = 'throttled'")
            .fetch_one(&db.pool)
            .await
            .expect("throttled row");
    assert_eq!(address.as_deref(), Some("10.0.0.7"));
}

#[tokio::test]
async fn the_audit_log_is_for_admins_and_filters_by_user_action_and_time() {
    let db = test_db().await;
    add_user(&db.pool, "boss", Role::Admin, &[]).await;
    add_user(&db.pool, "lan", Role::Viewer, &[]).await;
    let app = app(db.pool.clone());
    let _ = login(&app, "lan", "wrong").await;
    let (_, _, lan) = login(&app, "lan", PASSWORD).await;
    let (_, headers, _) = login(&app, "boss", PASSWORD).await;
    let boss = session_cookie(&headers);
    let get = |uri: &str, cookie: &str| {
        build(request(&Method::GET, uri, None).header(header::COOKIE, cookie), None)
    };
    let now = chrono::Utc::now();
    let later = (now + TimeDelta::hours(1)).to_rfc3339().replace('+', "%2B");
    let earlier = (now - TimeDelta::hours(1)).to_rfc3339().replace('+', "%2B");
    assert!(lan["csrf_token"].is_string());

    let (status, _, rows) = send(&app, get("/audit?user=LAN&action=auth.login", &boss)).await;
    let (_, _, prefix) = send(&app, get("/audit?action=auth.", &boss)).await;
    let (_, _, future) = send(&app, get(&format!("/audit?from={later}"), &boss)).await;
    let (_, _, window) = send(&app, get(&format!("/audit?from={earlier}&to={later}&user=boss"), &boss)).await;
    let (bad, _, _) = send(&app, get(&format!("/audit?from={later}&to={earlier}"), &boss)).await;

    assert_eq!(status, StatusCode::OK, "{rows}");
    let outcomes: Vec<&str> =
        rows.as_array().expect("rows").iter().filter_map(|r| r["outcome"].as_str()).collect();
    assert_eq!(outcomes, ["ok", "failed"], "newest first");
    assert!(prefix.as_array().expect("rows").len() >= 3);
    assert_eq!(future, json!([]));
    assert!(window.as_array().expect("rows").iter().all(|r| r["username"] == "boss"));
    assert_eq!(bad, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_editor_write_is_audited_with_before_and_after_values() {
    let db = test_db().await;
    insert_province(&db.pool, "10", 103.9).await;
    add_user(&db.pool, "lan", Role::Editor, &["10"]).await;
    let kp = insert_key_point(&db.pool, "KP-1", 104.0, 22.5).await;
    let (_, token) = token_for(&db.pool, "lan").await;
    let app = app(db.pool.clone());
    let body = json!({ "status": "verified", "severity": 4 });
    let req = request(&Method::PATCH, &format!("/api/v1/key-points/{kp}"), Some(&body))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::IF_MATCH, "\"1\"");

    let (status, _, after) = send(&app, build(req, Some(&body))).await;

    assert_eq!(status, StatusCode::OK, "{after}");
    let (before, logged, user): (Value, Value, Option<String>) =
        sqlx::query_as("select before, after, username from audit_log where action = 'key_point.update'")
            .fetch_one(&db.pool)
            .await
            .expect("one audit row");
    assert_eq!((before["status"].as_str(), before["severity"].as_i64()), (Some("reported"), Some(2)));
    assert_eq!((logged["status"].as_str(), logged["severity"].as_i64()), (Some("verified"), Some(4)));
    // The answer is the same row as a Feature.
    assert_eq!((&logged["id"], &logged["version"]), (&after["id"], &after["properties"]["version"]));
    assert_eq!(logged["status"], after["properties"]["status"]);
    assert_eq!(user.as_deref(), Some("lan"));
}

#[tokio::test]
async fn a_jurisdiction_is_its_units_geometry_and_no_unit_means_nothing() {
    let db = test_db().await;
    insert_province(&db.pool, "10", 103.9).await;
    let geometry = |codes: &'static [&'static str]| {
        let pool = db.pool.clone();
        async move {
            let codes: Vec<String> = codes.iter().map(|c| (*c).to_owned()).collect();
            antq_atlas::db::jurisdiction::geometry_ewkb(&pool, &codes).await.expect("ewkb")
        }
    };
    let intersects = |ewkb: Vec<u8>, lon: f64| {
        let pool = db.pool.clone();
        async move {
            sqlx::query_scalar::<_, bool>(
                "select ST_Intersects(ST_GeomFromEWKB($1), ST_SetSRID(ST_MakePoint($2, 22.5), 4326))",
            )
            .bind(ewkb)
            .bind(lon)
            .fetch_one(&pool)
            .await
            .expect("query")
        }
    };

    assert!(intersects(geometry(&["10"]).await, 104.0).await);
    assert!(!intersects(geometry(&["10"]).await, 104.3).await);
    assert!(!intersects(geometry(&[]).await, 104.0).await, "no jurisdiction means nothing, never everything");
    assert!(!intersects(geometry(&["99"]).await, 104.0).await, "an unknown code adds nothing");
}

/// Runs the real `antq` binary on the test database, `stdin` as its standard input.
fn antq(db_url: &str, args: &[&str], stdin: &str) -> (bool, String, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_antq"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run antq");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let out = child.wait_with_output().expect("antq ends");
    let text = |b: Vec<u8>| String::from_utf8(b).expect("utf-8");
    (out.status.success(), text(out.stdout), text(out.stderr))
}

#[tokio::test]
async fn the_command_line_adds_lists_and_disables_users_and_creates_and_revokes_tokens() {
    let db = test_db().await;
    let app = app(db.pool.clone());
    let run = |args: &[&str], stdin: &str| antq(&db.url, args, stdin);

    let (ok, _, err) =
        run(&["user", "add", "lan", "--role", "editor", "--jurisdiction", "080,082"], "short\n");
    assert!(!ok, "a short password is refused");
    assert!(err.contains("at least"), "{err}");
    let (ok, _, err) = run(
        &["user", "add", "lan", "--role", "editor", "--jurisdiction", "080,082"],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{err}");
    let (ok, list, _) = run(&["user", "list"], "");
    assert!(
        ok && list.lines().any(|l| l.contains("lan") && l.contains("editor") && l.contains("080,082")),
        "{list}"
    );
    assert_eq!(login(&app, "lan", PASSWORD).await.0, StatusCode::OK, "the password came from standard input");

    let (ok, token, err) = run(&["token", "create", "lan", "--expires-in", "30d"], "");
    assert!(ok, "{err}");
    let token = token.trim();
    assert!(token.starts_with("antq_"), "{token}");
    assert_eq!(me_with_token(&app, token).await.0, StatusCode::OK);
    let id: i64 =
        sqlx::query_scalar("select id from api_tokens").fetch_one(&db.pool).await.expect("token row");
    let (ok, _, err) = run(&["token", "revoke", &id.to_string()], "");
    assert!(ok, "{err}");
    assert_eq!(me_with_token(&app, token).await.0, StatusCode::UNAUTHORIZED);

    let (ok, _, err) = run(&["user", "disable", "lan"], "");
    assert!(ok, "{err}");
    assert_eq!(login(&app, "lan", PASSWORD).await.0, StatusCode::UNAUTHORIZED);
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where action like 'user.%' or action like 'token.%' order by id",
    )
    .fetch_all(&db.pool)
    .await
    .expect("audit");
    assert_eq!(actions, ["user.create", "token.create", "token.revoke", "user.disable"]);
}

#[tokio::test]
async fn demo_users_exist_one_per_role_with_the_documented_password() {
    let db = test_db().await;
    accounts::create_demo_users(&db.pool).await.expect("demo users");
    accounts::create_demo_users(&db.pool).await.expect("a second demo start resets them");
    let app = app(db.pool.clone());

    for (name, role, jurisdiction) in accounts::DEMO_USERS {
        let (status, _, me) = login(&app, name, accounts::DEMO_PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{name}: {me}");
        assert_eq!(me["role"], json!(role));
        assert_eq!(me["jurisdiction"], json!(jurisdiction));
    }
    let roles: Vec<Role> = accounts::DEMO_USERS.iter().map(|u| u.1).collect();
    assert_eq!(roles, Role::ALL);
}
