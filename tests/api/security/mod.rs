//! Deny by default, sign-in, tokens, CSRF and the audit log, through the real router: `walk`
//! (every route × every caller), `sign_in` (sessions, tokens, CSRF, throttling, the audit log,
//! jurisdictions) and `users` (the command line's users and tokens, the demo users); this file
//! holds the fixtures they share.
//!
//! Fixtures: two provinces, hand-made squares: "10" (lon 103.9-104.1, lat 22.4-22.6, around Lào
//! Cai city) and "11" (lon 104.2-104.4, same latitudes). The editor's jurisdiction is "10", the
//! "outside" editor's is "11"; the key point of the walk lies in "10". The walk runs again after a
//! reorganisation (`reorganise`): "10" and "11" closed on 2025-07-01 and "15" and "16" took their
//! places, the users still naming the closed units.

mod endings;
mod sign_in;
mod users;
mod walk;

use antq_atlas::auth::Role;
use antq_atlas::auth::accounts;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chrono::TimeDelta;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sqlx::PgPool;
use tower::ServiceExt;

pub(super) const PASSWORD: &str = "correct horse battery";

/// Sends a request; returns the status, the headers and the body as JSON (`Null` if it is not).
pub(super) async fn send(app: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, Value) {
    let response = app.clone().oneshot(req).await.expect("the router answers");
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    (parts.status, parts.headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

pub(super) fn request(method: &Method, uri: &str, body: Option<&Value>) -> axum::http::request::Builder {
    let builder = Request::builder().method(method.clone()).uri(uri);
    if body.is_some() { builder.header(header::CONTENT_TYPE, "application/json") } else { builder }
}

pub(super) fn build(builder: axum::http::request::Builder, body: Option<&Value>) -> Request<Body> {
    builder.body(body.map_or_else(Body::empty, |b| Body::from(b.to_string()))).expect("request")
}

pub(super) async fn login(app: &Router, username: &str, password: &str) -> (StatusCode, HeaderMap, Value) {
    let body = json!({ "username": username, "password": password });
    send(app, build(request(&Method::POST, "/auth/login", Some(&body)), Some(&body))).await
}

/// The `name=value` of the session cookie set by a sign-in.
pub(super) fn session_cookie(headers: &HeaderMap) -> String {
    let set = headers.get(header::SET_COOKIE).expect("a cookie is set").to_str().expect("ascii");
    set.split(';').next().expect("name=value").to_owned()
}

pub(super) async fn add_user(pool: &PgPool, name: &str, role: Role, jurisdiction: &[&str]) -> i64 {
    let codes: Vec<String> = jurisdiction.iter().map(|c| (*c).to_owned()).collect();
    accounts::add_user(pool, name, role, &codes, None, PASSWORD).await.expect("add user")
}

pub(super) async fn token_for(pool: &PgPool, name: &str) -> (i64, String) {
    accounts::create_token(pool, name, "test", Some(TimeDelta::days(1))).await.expect("token")
}

pub(super) async fn insert_province(pool: &PgPool, code: &str, west: f64) {
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

/// Closes the province `from` on `on` and opens `to` in its place (same square and name, as the
/// service finds its home province by name), the change
/// recorded as a merge: the walk's fixture after a reorganisation, whose users still name `from`.
pub(super) async fn reorganise(pool: &PgPool, from: &str, to: &str, on: &str) {
    sqlx::query(
        "with old as (update admin_units set valid_to = $3::date where code = $1 and valid_to is null returning *),
              new as (insert into admin_units (code, level, kind, name, valid_from, geom)
                      select $2, level, kind, name, $3::date, geom from old returning id)
         insert into admin_unit_changes (changed_on, predecessor_id, successor_id, change, basis)
         select $3::date, old.id, new.id, 'merge', 'the walk''s reorganisation' from old, new",
    )
    .bind(from)
    .bind(to)
    .bind(on)
    .execute(pool)
    .await
    .expect("reorganise");
}

pub(super) async fn insert_key_point(pool: &PgPool, code: &str, lon: f64, lat: f64) -> i64 {
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
pub(super) async fn insert_site_and_patrol(pool: &PgPool) -> (i64, i64) {
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

pub(super) async fn audit_rows(pool: &PgPool, action: &str) -> Vec<(String, Option<String>, Value)> {
    sqlx::query_as(
        "select outcome, username, coalesce(details, 'null') from audit_log where action = $1 order by id",
    )
    .bind(action)
    .fetch_all(pool)
    .await
    .expect("audit rows")
}

pub(super) async fn me_with_token(app: &Router, token: &str) -> (StatusCode, Value) {
    let req = build(
        request(&Method::GET, "/auth/me", None).header(header::AUTHORIZATION, format!("Bearer {token}")),
        None,
    );
    let (status, _, body) = send(app, req).await;
    (status, body)
}
