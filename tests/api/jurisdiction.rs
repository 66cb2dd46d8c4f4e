//! Jurisdictions across the 2025 reorganisation (issue #16, item 4), on the demo data: a
//! jurisdiction naming a closed unit is read through its successors at each date
//! (`db/jurisdiction.rs`, migration 0035), in reads (reports, layers) and writes, before and after
//! 2025-07-01. The demo editor's "080" is the city of Lào Cai, closed with every district on
//! 2025-07-01; its communes went into five units of Nghị quyết 1673 (khoản 87-91), among them
//! Phường Lào Cai (02647, khoản 90), which also took Xã Bản Phiệt (02911) from outside the city.

use antq_atlas::auth::Role;
use antq_atlas::db::jurisdiction;
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::imports::post;
use crate::support::{app, as_user, get_json, loaded_db, token};

const BEFORE: &str = "2025-06-30";
const AFTER: &str = "2026-12-02";

fn day(d: &str) -> NaiveDate {
    d.parse().expect("a date")
}

fn codes(c: &[&str]) -> Vec<String> {
    c.iter().map(|s| (*s).to_owned()).collect()
}

/// A point inside the unit `code` as it was on `on`.
async fn point_in(pool: &PgPool, code: &str, on: &str) -> (f64, f64) {
    sqlx::query_as(
        "select ST_X(p), ST_Y(p) from (select ST_PointOnSurface(geom) p from admin_units
                                      where code = $1 and validity @> $2::date) u",
    )
    .bind(code)
    .bind(on)
    .fetch_one(pool)
    .await
    .expect("the unit exists at that date")
}

/// The codes `admin_unit_resolve` gives for `code` at `on`, sorted.
async fn resolved(pool: &PgPool, code: &str, on: &str) -> Vec<String> {
    sqlx::query_scalar("select code from admin_unit_resolve($1, $2::date) order by code")
        .bind(code)
        .bind(on)
        .fetch_all(pool)
        .await
        .expect("resolve")
}

#[tokio::test]
async fn a_closed_unit_is_read_as_its_successors_and_a_2025_unit_may_be_named() {
    let db = loaded_db().await;
    let p = &db.pool;
    let city = codes(&["080"]);
    // Phường Cốc Lếu (02644) was in the city; Xã Bản Phiệt (02911) was not, and joined the new
    // Phường Lào Cai (khoản 90) with the city's wards.
    let (cl_x, cl_y) = point_in(p, "02644", "2020-04-15").await;
    let (bp_x, bp_y) = point_in(p, "02911", "2020-04-15").await;
    for on in ["2020-04-15", BEFORE, AFTER] {
        assert!(jurisdiction::covers_point(p, &city, Some(day(on)), cl_x, cl_y).await.expect("db"), "{on}");
    }
    assert!(!jurisdiction::covers_point(p, &city, Some(day(BEFORE)), bp_x, bp_y).await.expect("db"));
    assert!(jurisdiction::covers_point(p, &city, Some(day(AFTER)), bp_x, bp_y).await.expect("db"));
    // Today (no date) is after the change: the city is not an empty jurisdiction.
    assert!(jurisdiction::covers_point(p, &city, None, cl_x, cl_y).await.expect("db"));
    // A 2025 unit named in a jurisdiction.
    let new_ward = codes(&["02647"]);
    assert!(jurisdiction::covers_point(p, &new_ward, Some(day(AFTER)), bp_x, bp_y).await.expect("db"));
    // A code of nothing at all stays empty, never everywhere.
    let none = codes(&["99999"]);
    assert!(!jurisdiction::covers_point(p, &none, Some(day(AFTER)), cl_x, cl_y).await.expect("db"));
}

fn report_codes(body: &Value) -> Vec<String> {
    let mut c: Vec<String> =
        body.as_array().expect("rows").iter().map(|r| r["code"].as_str().expect("code").to_owned()).collect();
    c.sort();
    c
}

#[tokio::test]
async fn an_editor_of_the_former_city_reads_the_city_before_and_its_successors_after_the_change() {
    let db = loaded_db().await;
    let editor = as_user(app(db.pool.clone()), &token(&db.pool, Role::Editor, &["080"]).await);

    let (status, before) = get_json(&editor, &format!("/api/v1/reports/communes?as_of={BEFORE}")).await;
    assert_eq!(status, StatusCode::OK, "{before}");
    let city_communes: Vec<String> = sqlx::query_scalar(
        "select c.code from admin_units c join admin_units d on d.id = c.parent_id
         where d.code = '080' and c.validity @> $1::date and d.validity @> $1::date order by c.code",
    )
    .bind(BEFORE)
    .fetch_all(&db.pool)
    .await
    .expect("city communes");
    assert!(!city_communes.is_empty());
    assert_eq!(report_codes(&before), city_communes);

    let (status, after) = get_json(&editor, &format!("/api/v1/reports/communes?as_of={AFTER}")).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    let successors = resolved(&db.pool, "080", AFTER).await;
    assert!(successors.contains(&"02647".to_owned()), "{successors:?}");
    assert_eq!(report_codes(&after), successors);
}

#[tokio::test]
async fn an_editor_of_the_former_city_writes_in_its_successor_units_today() {
    let db = loaded_db().await;
    let p = &db.pool;
    let editor = as_user(app(p.clone()), &token(p, Role::Editor, &["080"]).await);
    let create = |code: &str, (lon, lat): (f64, f64)| json!({ "code": code, "category": "drugs", "observed_at": "2026-11-02T03:04:05Z", "lon": lon, "lat": lat });
    let json_post = |body: Value| {
        let editor = editor.clone();
        async move { post(&editor, "/api/v1/key-points", "application/json", body.to_string().into_bytes()).await }
    };
    // Inside the former city, and in Bản Phiệt, now part of Phường Lào Cai: both allowed today.
    let (status, answer) = json_post(create("KP-J-CITY", point_in(p, "02644", "2020-04-15").await)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, answer) = json_post(create("KP-J-BP", point_in(p, "02911", "2020-04-15").await)).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    // Far from it (Xã A Mú Sung, in Bát Xát, on the border): refused.
    let far = point_in(p, "02686", "2020-04-15").await;
    let (status, answer) = json_post(create("KP-J-FAR", far)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
}
