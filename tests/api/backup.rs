//! Backups are PostgreSQL's own: a `pg_dump` of the demo restored with `pg_restore` into a fresh
//! database serves the same province report (docs/operations.md describes the procedure).

use std::process::Command;

use antq_atlas::auth::Role;
use antq_atlas::db;
use axum::http::StatusCode;

use crate::support::{app, as_user, get_json, loaded_db, token};

/// The URL of database `name` on the same server as `url`.
fn sibling(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, ""), |(b, q)| (b, q));
    let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
    format!("{prefix}/{name}?{query}")
}

fn run(program: &str, args: &[&str]) {
    let bindir = db::cluster::find_bindir().expect("PostgreSQL client programs");
    let out = Command::new(bindir.join(program)).args(args).output().expect("run");
    assert!(out.status.success(), "{program} failed: {}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn a_dump_of_the_demo_restores_into_a_fresh_database_with_the_same_province_report() {
    let db = loaded_db().await;
    // Made before the dump, so the restored database knows the same token.
    let admin = token(&db.pool, Role::Admin, &[]).await;
    let dates = ["2019-12-31", "2024-06-30"];
    let mut before = Vec::new();
    for date in dates {
        let (status, report) = get_json(
            &as_user(app(db.pool.clone()), &admin),
            &format!("/api/v1/reports/province?as_of={date}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        before.push(report);
    }

    let dir = tempfile::tempdir().expect("tempdir");
    let dump = dir.path().join("antq.dump");
    let dump = dump.to_str().expect("utf-8 path");
    run("pg_dump", &["--format=custom", "--no-owner", "--file", dump, &db.url]);
    let name = format!("atlas_restored_{}", std::process::id());
    // The name is made here from our pid, never from input; CREATE DATABASE takes no binds.
    sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
        .execute(&db.pool)
        .await
        .expect("create");
    run("pg_restore", &["--no-owner", "--exit-on-error", "--dbname", &sibling(&db.url, &name), dump]);

    let restored = db::pool(sibling(&db.url, &name).parse().expect("url"), 2).await.expect("connect");
    for (date, expected) in dates.iter().zip(&before) {
        let (status, report) = get_json(
            &as_user(app(restored.clone()), &admin),
            &format!("/api/v1/reports/province?as_of={date}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(&report, expected, "the report as of {date} changed through the restore");
    }
    restored.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("drop database {name} with (force)")))
        .execute(&db.pool)
        .await
        .expect("drop");
}
