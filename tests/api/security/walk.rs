//! Every declared route × every caller: each answers exactly as its permission says.

use std::collections::HashMap;

use antq_atlas::auth::{Permission, Role};
use antq_atlas::http::gate::{Gate, gate};
use antq_atlas::http::{AppState, HttpSettings, routes};
use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use serde_json::Value;

use crate::support::{app, app_with, test_db};

use super::*;

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
        ((Method::GET, "/sw.js"), ex("/sw.js", None, StatusCode::OK, false)),
        // The walk's service has no --basemap-file (tests/api/basemap.rs serves one).
        (
            (Method::GET, "/basemap/{z}/{x}/{y}"),
            ex("/basemap/10/810/454", None, StatusCode::NOT_FOUND, false),
        ),
        ((Method::GET, "/basemap.pmtiles"), ex("/basemap.pmtiles", None, StatusCode::NOT_FOUND, false)),
        // The walk's fixtures have provinces only: any commune or segment is unknown
        // (tests/api/packages.rs).
        (
            (Method::GET, "/api/v1/packages/estimate"),
            ex("/api/v1/packages/estimate?communes=02635", None, StatusCode::UNPROCESSABLE_ENTITY, false),
        ),
        (
            (Method::GET, "/api/v1/packages/area.mbtiles"),
            ex("/api/v1/packages/area.mbtiles?segments=BG-01", None, StatusCode::UNPROCESSABLE_ENTITY, false),
        ),
        (
            (Method::GET, "/api/v1/packages/area.json"),
            ex("/api/v1/packages/area.json?communes=02635", None, StatusCode::UNPROCESSABLE_ENTITY, false),
        ),
        (
            (Method::GET, "/api/v1/admin/settings/packages"),
            ex("/api/v1/admin/settings/packages", None, StatusCode::OK, false),
        ),
        (
            (Method::PUT, "/api/v1/admin/settings/packages"),
            ex("/api/v1/admin/settings/packages", Some(r#"{"max_age_days":30}"#), StatusCode::OK, false),
        ),
        // Nor a base map (tests/api/package_basemap.rs builds one).
        (
            (Method::GET, "/api/v1/packages/basemap.mbtiles"),
            ex("/api/v1/packages/basemap.mbtiles?communes=02635", None, StatusCode::NOT_FOUND, false),
        ),
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
            (Method::POST, "/api/v1/admin/designations"),
            ex(
                "/api/v1/admin/designations",
                Some(
                    r#"{"unit_code":"10","kind":"key_security","valid_from":"2025-01-01","valid_to":"2025-06-01"}"#,
                ),
                StatusCode::CREATED,
                false,
            ),
        ),
        (
            (Method::POST, "/api/v1/admin/users/{username}/sessions/revoke"),
            ex("/api/v1/admin/users/spare/sessions/revoke", None, StatusCode::OK, false),
        ),
        (
            (Method::POST, "/api/v1/admin/users/{username}/disable"),
            ex("/api/v1/admin/users/spare/disable", None, StatusCode::OK, false),
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
        // The walk's fixtures have no border: any segment is unknown.
        (
            (Method::GET, "/api/v1/analysis/border-segments/{code}/patrols"),
            ex("/api/v1/analysis/border-segments/BG-11/patrols", None, StatusCode::NOT_FOUND, false),
        ),
        ((Method::GET, "/api/v1/openapi.json"), ex("/api/v1/openapi.json", None, StatusCode::OK, false)),
        ((Method::GET, "/api/v1/api.html"), ex("/api/v1/api.html", None, StatusCode::OK, false)),
        ((Method::GET, "/api/v1/search"), ex("/api/v1/search?q=ban", None, StatusCode::OK, false)),
        // The walk's fixtures have provinces only: any commune code is unknown.
        (
            (Method::GET, "/api/v1/units/{code}/lineage"),
            ex("/api/v1/units/02872/lineage", None, StatusCode::NOT_FOUND, false),
        ),
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
    walk(false).await;
}

/// The same walk today, after the provinces the users' jurisdictions name closed (2025-07-01):
/// writes are checked in today's units and the reports read 2020 in the old ones, so a
/// jurisdiction that did not follow its successors would refuse the editor (403) or let the
/// outsider in.
#[tokio::test]
async fn every_route_answers_each_caller_as_its_permission_says_after_a_reorganisation() {
    walk(true).await;
}

/// The walk's two provinces, closed on 2025-07-01 in favour of "15" and "16" when `reorganised`.
async fn provinces(pool: &sqlx::PgPool, reorganised: bool) {
    insert_province(pool, "10", 103.9).await;
    insert_province(pool, "11", 104.2).await;
    if reorganised {
        reorganise(pool, "10", "15", "2025-07-01").await;
        reorganise(pool, "11", "16", "2025-07-01").await;
    }
}

async fn walk(reorganised: bool) {
    // Arrange
    let db = test_db().await;
    let pool = &db.pool;
    provinces(pool, reorganised).await;
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
    // Whom the admin routes on users act on: no caller of the walk, so it can be disabled.
    add_user(pool, "spare", Role::Viewer, &[]).await;
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
