//! Sign-in, sessions and tokens, CSRF, throttling, the audit log and jurisdictions.

use std::net::SocketAddr;

use antq_atlas::auth::Role;
use antq_atlas::auth::accounts;
use antq_atlas::http::gate::{CSRF_HEADER, SESSION_COOKIE};
use axum::extract::ConnectInfo;
use axum::http::{Method, StatusCode, header};
use chrono::TimeDelta;
use serde_json::{Value, json};

use crate::support::{app, test_db};

use super::*;

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
            antq_atlas::db::jurisdiction::geometry_ewkb(&pool, &codes, None).await.expect("ewkb")
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
