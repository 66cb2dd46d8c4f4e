//! How a session ends, and what its holder is told: revoked by an admin, its user disabled, signed
//! out (each a 401 with its own code, on which the web map wipes the phone), or merely expired or
//! unknown (the plain 401 `unauthorized`: sign in again, keep the outbox).

use antq_atlas::auth::Role;
use antq_atlas::auth::accounts;
use antq_atlas::http::gate::CSRF_HEADER;
use axum::Router;
use axum::http::{HeaderMap, Method, StatusCode, header};
use serde_json::{Value, json};

use crate::support::{app, test_db};

use super::*;

/// `GET /auth/me` with the cookie: status, headers, body.
async fn me(app: &Router, cookie: &str) -> (StatusCode, HeaderMap, Value) {
    send(app, build(request(&Method::GET, "/auth/me", None).header(header::COOKIE, cookie), None)).await
}

/// An admin's `POST` to `path` with its token.
async fn admin_post(app: &Router, token: &str, path: &str) -> (StatusCode, Value) {
    let req = request(&Method::POST, path, None).header(header::AUTHORIZATION, format!("Bearer {token}"));
    let (status, _, body) = send(app, build(req, None)).await;
    (status, body)
}

/// Signs `name` in; its session cookie.
async fn cookie_of(app: &Router, name: &str) -> String {
    let (status, headers, body) = login(app, name, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    session_cookie(&headers)
}

fn clears_cookie(headers: &HeaderMap) -> bool {
    headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("Max-Age=0"))
}

struct Setup {
    db: crate::support::TestDb,
    app: Router,
    admin_token: String,
}

async fn setup() -> Setup {
    let db = test_db().await;
    add_user(&db.pool, "lan", Role::Editor, &["10"]).await;
    add_user(&db.pool, "boss", Role::Admin, &[]).await;
    let (_, admin_token) = token_for(&db.pool, "boss").await;
    let app = app(db.pool.clone());
    Setup { db, app, admin_token }
}

#[tokio::test]
async fn a_revoked_session_answers_session_revoked_to_its_holder_and_the_user_may_sign_in_again() {
    let Setup { db, app, admin_token } = setup().await;
    let phone = cookie_of(&app, "lan").await;
    let laptop = cookie_of(&app, "lan").await;
    assert_eq!(me(&app, &phone).await.0, StatusCode::OK);

    let (status, body) = admin_post(&app, &admin_token, "/api/v1/admin/users/LAN/sessions/revoke").await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({ "username": "LAN", "sessions_ended": 2 }));
    for cookie in [&phone, &laptop] {
        let (status, headers, body) = me(&app, cookie).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["code"], "session_revoked", "{body}");
        assert!(!clears_cookie(&headers), "kept, so that every later request still says why");
    }
    assert_eq!(me(&app, &phone).await.2["code"], "session_revoked", "and again on the next request");
    let revoked = audit_rows(&db.pool, "user.sessions_revoke").await;
    assert_eq!(revoked.len(), 1);
    assert_eq!((revoked[0].0.as_str(), revoked[0].1.as_deref()), ("ok", Some("boss")));
    assert_eq!(revoked[0].2["sessions_ended"], 2);
    let refused = audit_rows(&db.pool, "auth.session").await;
    assert_eq!(refused.len(), 3);
    assert_eq!((refused[0].1.as_deref(), &refused[0].2["end_reason"]), (Some("lan"), &json!("revoked")));
    // The user is not disabled: a new sign-in works, and revoking again ends only that one.
    let again = cookie_of(&app, "lan").await;
    assert_eq!(me(&app, &again).await.0, StatusCode::OK);
    let (_, body) = admin_post(&app, &admin_token, "/api/v1/admin/users/lan/sessions/revoke").await;
    assert_eq!(body["sessions_ended"], 1);
}

#[tokio::test]
async fn disabling_a_user_answers_user_disabled_to_each_of_its_sessions() {
    let Setup { db, app, admin_token } = setup().await;
    let phone = cookie_of(&app, "lan").await;

    let (status, body) = admin_post(&app, &admin_token, "/api/v1/admin/users/lan/disable").await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({ "username": "lan", "disabled": true, "sessions_ended": 1 }));
    let (status, headers, body) = me(&app, &phone).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("user_disabled")));
    assert!(!clears_cookie(&headers));
    assert_eq!(login(&app, "lan", PASSWORD).await.0, StatusCode::UNAUTHORIZED, "sign-in refused");
    let disabled = audit_rows(&db.pool, "user.disable").await;
    assert_eq!((disabled[0].1.as_deref(), &disabled[0].2["sessions_ended"]), (Some("boss"), &json!(1)));
    // The command line ends sessions the same way.
    accounts::revoke_sessions(&db.pool, "lan").await.expect("revoke");
    assert_eq!(me(&app, &phone).await.2["code"], "user_disabled", "the first reason stays");
}

#[tokio::test]
async fn an_expired_session_is_a_plain_401_until_an_admin_ends_it() {
    let Setup { db, app, admin_token } = setup().await;
    let phone = cookie_of(&app, "lan").await;
    sqlx::query("update sessions set expires_at = now() - interval '1 second'")
        .execute(&db.pool)
        .await
        .expect("age");

    let (status, headers, body) = me(&app, &phone).await;

    // Expired: sign in again; the page keeps its data (and its outbox then sends).
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));
    assert!(!clears_cookie(&headers));
    assert_eq!(audit_rows(&db.pool, "auth.session").await[0].2["reason"], "expired session");
    // A phone that was offline past the idle timeout must still learn of a revocation later.
    let (_, body) = admin_post(&app, &admin_token, "/api/v1/admin/users/lan/sessions/revoke").await;
    assert_eq!(body["sessions_ended"], 1, "expired sessions are ended too");
    assert_eq!(me(&app, &phone).await.2["code"], "session_revoked");
}

#[tokio::test]
async fn a_signed_out_session_says_so_and_an_unknown_one_says_nothing() {
    let Setup { db, app, admin_token } = setup().await;
    let (_, headers, body) = login(&app, "lan", PASSWORD).await;
    let cookie = session_cookie(&headers);
    let csrf = body["csrf_token"].as_str().expect("csrf").to_owned();
    let logout = request(&Method::POST, "/auth/logout", None).header(header::COOKIE, &cookie);
    assert_eq!(send(&app, build(logout.header(CSRF_HEADER, csrf), None)).await.0, StatusCode::NO_CONTENT);

    let (status, _, body) = me(&app, &cookie).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("session_signed_out")));
    // Revoking afterwards does not rewrite why it ended.
    admin_post(&app, &admin_token, "/api/v1/admin/users/lan/sessions/revoke").await;
    assert_eq!(me(&app, &cookie).await.2["code"], "session_signed_out");

    // Another cookie of the same shape: no session, no user, nothing told.
    let last = cookie.chars().last().expect("non-empty");
    let tampered = format!("{}{}", &cookie[..cookie.len() - 1], if last == 'A' { 'B' } else { 'A' });
    let (status, headers, body) = me(&app, &tampered).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));
    assert!(!clears_cookie(&headers));
    let unknown = audit_rows(&db.pool, "auth.session").await;
    assert_eq!(unknown.last().map(|r| r.1.clone()), Some(None), "no user named for an unknown cookie");
}

#[tokio::test]
async fn only_an_admin_ends_sessions_and_a_bad_or_unknown_name_is_refused() {
    let Setup { db, app, admin_token } = setup().await;
    let (_, editor_token) = token_for(&db.pool, "lan").await;

    let (editor, _) = admin_post(&app, &editor_token, "/api/v1/admin/users/boss/disable").await;
    let (unknown, body) = admin_post(&app, &admin_token, "/api/v1/admin/users/nobody/sessions/revoke").await;
    let (malformed, why) = admin_post(&app, &admin_token, "/api/v1/admin/users/a%00b/disable").await;

    assert_eq!(editor, StatusCode::FORBIDDEN);
    assert_eq!(unknown, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(malformed, StatusCode::BAD_REQUEST, "{why}");
    assert!(why["description"].as_str().is_some_and(|d| d.contains("username")), "{why}");
    let (itself, _) = admin_post(&app, &admin_token, "/api/v1/admin/users/Boss/disable").await;
    assert_eq!(itself, StatusCode::CONFLICT, "an admin does not disable itself");
    assert_eq!(me_with_token(&app, &admin_token).await.0, StatusCode::OK, "the admin was not disabled");
}

#[tokio::test]
async fn ended_and_expired_sessions_are_forgotten_after_the_retention_period() {
    let Setup { db, app, .. } = setup().await;
    let old = cookie_of(&app, "lan").await;
    let recent = cookie_of(&app, "lan").await;
    let idle = cookie_of(&app, "lan").await;
    let age = |cookie: &str, sql: &'static str| {
        let hash = antq_atlas::auth::secret::digest(cookie.split_once('=').expect("=").1);
        let pool = db.pool.clone();
        async move { sqlx::query(sql).bind(hash).execute(&pool).await.expect("age") }
    };
    age(&old, "update sessions set ended_at = now() - interval '181 days', end_reason = 'revoked' where id_hash = $1")
        .await;
    age(&recent, "update sessions set ended_at = now() - interval '179 days', end_reason = 'revoked' where id_hash = $1")
        .await;
    age(&idle, "update sessions set expires_at = now() - interval '181 days' where id_hash = $1").await;

    cookie_of(&app, "boss").await; // a sign-in forgets the old ones

    assert_eq!(me(&app, &old).await.2["code"], "unauthorized", "forgotten");
    assert_eq!(me(&app, &idle).await.2["code"], "unauthorized");
    assert_eq!(me(&app, &recent).await.2["code"], "session_revoked", "kept");
    let left: i64 =
        sqlx::query_scalar("select count(*) from sessions").fetch_one(&db.pool).await.expect("count");
    assert_eq!(left, 2, "the recent one and boss's");
}
