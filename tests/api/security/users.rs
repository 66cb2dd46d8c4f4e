//! Users and tokens from the command line, and the demo users.

use antq_atlas::auth::Role;
use antq_atlas::auth::accounts;
use axum::http::StatusCode;
use serde_json::json;

use crate::support::{app, loaded_db, test_db};

use super::*;

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
async fn user_list_flags_a_jurisdiction_naming_closed_units_with_their_successor_codes() {
    // The demo data: the city of Lào Cai (080) closed on 2025-07-01; Phường Lào Cai (02647) is a
    // unit of today (Nghị quyết 1673, khoản 90).
    let db = loaded_db().await;
    add_user(&db.pool, "lan", Role::Editor, &["080", "02647"]).await;
    let successors: Vec<String> = sqlx::query_scalar(
        "select code from admin_unit_resolve('080', (now() at time zone 'Asia/Ho_Chi_Minh')::date) order by code",
    )
    .fetch_all(&db.pool)
    .await
    .expect("successors");
    assert!(successors.len() > 1, "{successors:?}");

    let (ok, list, err) = antq(&db.url, &["user", "list"], "");

    assert!(ok, "{err}");
    let line = list.lines().find(|l| l.contains("lan")).expect("lan is listed");
    assert!(line.contains(&format!("080 → {}", successors.join(","))), "{line}");
    assert!(!line.contains("02647 →"), "a current unit is not flagged: {line}");
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
