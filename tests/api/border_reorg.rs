//! Border responsibility across the 2025 reorganisation (issue #16, item 5), on the demo data:
//! segments and posts keep their lines and places, and the commune responsible for each is read
//! at the date through the lineage (migration 0036) in the border layers, the coverage layer and
//! the coordination panel's segment history, plan coverage and the commune reports.
//!
//! The known segment: BG-02 (Đoạn biên giới Xã Sán Chải), watched by Đồn Biên phòng Sán Chải
//! (DBP-02812) and recorded against Xã Sán Chải (02812). Nghị quyết 1673/NQ-UBTVQH15, Điều 1,
//! khoản 80 merged Thị trấn Si Ma Cai (02809), Xã Sán Chải (02812), Xã Nàn Sán (02800), Xã Cán Cấu
//! and Xã Quan Hồ Thẩn into Xã Si Ma Cai (02809) from 2025-07-01 (`successors_2025.csv`, clause 80),
//! so from that day Xã Si Ma Cai answers for BG-01, BG-02 and BG-03.

use antq_atlas::auth::Role;
use axum::http::StatusCode;
use serde_json::Value;

use crate::support::{app, as_user, get_json, loaded_db, token};

const BEFORE: &str = "2025-06-30";
const AFTER: &str = "2025-07-01";

/// The feature of `items` whose `code` property is `code`.
fn feature<'a>(items: &'a Value, code: &str) -> &'a Value {
    items["features"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["properties"]["code"] == code))
        .unwrap_or_else(|| panic!("{code} in {items}"))
}

fn responsible(props: &Value) -> (String, String) {
    (
        props["commune_code"].as_str().unwrap_or("-").to_owned(),
        props["commune_name"].as_str().unwrap_or("-").to_owned(),
    )
}

fn pair(code: &str, name: &str) -> (String, String) {
    (code.to_owned(), name.to_owned())
}

#[tokio::test]
async fn the_border_layers_name_the_commune_responsible_at_the_date() {
    let db = loaded_db().await;
    let router = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    for (layer, code) in [("border_segments", "BG-02"), ("border_posts", "DBP-02812")] {
        let (status, before) =
            get_json(&router, &format!("/api/v1/collections/{layer}/items?as_of={BEFORE}")).await;
        assert_eq!(status, StatusCode::OK, "{before}");
        let (_, after) = get_json(&router, &format!("/api/v1/collections/{layer}/items?as_of={AFTER}")).await;
        let (b, a) = (&feature(&before, code)["properties"], &feature(&after, code)["properties"]);
        assert_eq!(responsible(b), pair("02812", "Xã Sán Chải"), "{layer} {code} on {BEFORE}");
        // Khoản 80: Xã Sán Chải into Xã Si Ma Cai.
        assert_eq!(responsible(a), pair("02809", "Xã Si Ma Cai"), "{layer} {code} on {AFTER}");
        assert_eq!(a["recorded_commune_code"], "02812", "the record itself is unchanged");
        // The line and the place are the same on both days.
        assert_eq!(feature(&before, code)["geometry"], feature(&after, code)["geometry"]);
    }
    // After the change every segment's commune is one of the 99 units; none names a closed one.
    let (_, after) =
        get_json(&router, &format!("/api/v1/collections/border_segments/items?as_of={AFTER}")).await;
    let closed: Vec<&Value> = after["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter(|f| f["properties"]["commune_code"].is_null())
        .collect();
    assert!(closed.is_empty(), "segments without a commune on {AFTER}: {closed:?}");
}

#[tokio::test]
async fn coverage_and_the_segment_history_name_the_commune_of_the_windows_last_day() {
    let db = loaded_db().await;
    let router = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    for (window, expected) in [
        // Whole Vietnamese days: the first window's last day is 2025-06-30, the second's 2025-07-01.
        ("2025-06-01/2025-06-30", pair("02812", "Xã Sán Chải")),
        ("2025-06-01/2025-07-01", pair("02809", "Xã Si Ma Cai")),
    ] {
        let (status, cov) =
            get_json(&router, &format!("/api/v1/collections/border_coverage/items?datetime={window}")).await;
        assert_eq!(status, StatusCode::OK, "{cov}");
        assert_eq!(responsible(&feature(&cov, "BG-02")["properties"]), expected, "border_coverage {window}");
        let (status, history) =
            get_json(&router, &format!("/api/v1/analysis/border-segments/BG-02/patrols?datetime={window}"))
                .await;
        assert_eq!(status, StatusCode::OK, "{history}");
        assert_eq!(responsible(&history), expected, "segment history {window}");
    }
}

#[tokio::test]
async fn plan_coverage_names_the_commune_of_the_plans_last_day() {
    let db = loaded_db().await;
    let router = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    // [2025-06-02, 2025-06-30) ends before the change; [2025-06-16, 2025-07-14) after it.
    for (from, expected) in
        [("2025-06-02", pair("02812", "Xã Sán Chải")), ("2025-06-16", pair("02809", "Xã Si Ma Cai"))]
    {
        let (status, plan) =
            get_json(&router, &format!("/api/v1/analysis/plan-coverage?from={from}&weeks=4")).await;
        assert_eq!(status, StatusCode::OK, "{plan}");
        let seg =
            plan["segments"].as_array().and_then(|s| s.iter().find(|s| s["code"] == "BG-02")).expect("BG-02");
        assert_eq!(responsible(seg), expected, "plan-coverage from {from}");
        let (_, layer) =
            get_json(&router, &format!("/api/v1/collections/plan_coverage/items?from={from}&weeks=4")).await;
        assert_eq!(
            responsible(&feature(&layer, "BG-02")["properties"]),
            expected,
            "plan_coverage from {from}"
        );
    }
}

/// Codes of the segments a commune report lists, with the commune each was recorded against.
fn segments(report: &Value) -> Vec<(String, String)> {
    report["border_segments"]
        .as_array()
        .expect("border_segments")
        .iter()
        .map(|s| {
            (
                s["code"].as_str().unwrap_or("-").to_owned(),
                s["recorded_commune_code"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_2025_communes_report_lists_the_segments_its_predecessors_answered_for() {
    let db = loaded_db().await;
    let router = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let (status, before) = get_json(&router, &format!("/api/v1/reports/communes/02812?as_of={BEFORE}")).await;
    assert_eq!(status, StatusCode::OK, "{before}");
    assert_eq!(segments(&before), vec![pair("BG-02", "02812")]);
    // Khoản 80: Xã Si Ma Cai (02809) answers for its predecessors' three segments.
    let (status, after) = get_json(&router, "/api/v1/reports/communes/02809?as_of=2026-12-02").await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(
        segments(&after),
        vec![pair("BG-01", "02809"), pair("BG-02", "02812"), pair("BG-03", "02800")]
    );
    let total: f64 = after["border_segments"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["length_m"].as_f64())
        .sum();
    let row_total = after["border_length_m"].as_f64().expect("border_length_m");
    assert!((row_total - total).abs() < 0.5, "the row's border length {row_total} is its segments' {total}");
    // The province's list of communes carries the same figure for Xã Si Ma Cai.
    let (_, list) = get_json(&router, "/api/v1/reports/communes?as_of=2026-12-02").await;
    let row = list["communes"]
        .as_array()
        .or_else(|| list.as_array())
        .and_then(|rows| rows.iter().find(|r| r["code"] == "02809"))
        .unwrap_or_else(|| panic!("02809 in {list}"));
    assert_eq!(row["border_length_m"], after["border_length_m"]);
}

#[tokio::test]
async fn a_segment_recorded_against_a_2025_unit_is_read_in_2020_as_its_nearest_predecessor() {
    let db = loaded_db().await;
    // Record BG-02 against Xã Si Ma Cai of 2025, as a post made after the change would.
    sqlx::query(
        "update border_segments set commune_id = (select id from admin_units where code = '02809'
                                                  and validity @> '2026-01-01'::date) where code = 'BG-02'",
    )
    .execute(&db.pool)
    .await
    .expect("update");
    let (code,): (String,) = sqlx::query_as(
        "select c.code from border_segments s
         cross join lateral atlas_responsible_commune(s.commune_id, '2020-04-15', ST_LineInterpolatePoint(s.geom, 0.5)) c
         where s.code = 'BG-02'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("resolved");
    // Of the five predecessors (khoản 80), the one along which BG-02 runs.
    assert_eq!(code, "02812");
}
