//! `GET /api/v1/reports/province` on the loaded Lao Cai demo reproduces the seed's figures
//! (shared/DOMAIN.md) as of the two dates the seed describes.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::{get_json, loaded_db};

const OFFICIAL_AREA_KM2: f64 = 6383.89;

fn int(report: &Value, key: &str) -> i64 {
    report[key].as_i64().unwrap_or_else(|| panic!("{key} is not an integer in {report}"))
}

fn num(report: &Value, key: &str) -> f64 {
    report[key].as_f64().unwrap_or_else(|| panic!("{key} is not a number in {report}"))
}

/// The figures the seed gives for every date.
fn assert_common_figures(r: &Value) {
    let area = num(r, "area_km2");
    assert!((area - OFFICIAL_AREA_KM2).abs() / OFFICIAL_AREA_KM2 < 0.01, "area {area}");
    assert_eq!(int(r, "population"), 705_000);
    assert_eq!(
        r["ethnic_shares"],
        json!({"Kinh": 34.00, "Mông": 23.78, "Tày": 15.84, "Dao": 14.05, "Giáy": 4.70, "Nùng": 4.40,
               "Dân tộc khác": 2.25, "Dân tộc rất ít người": 0.98})
    );
    assert!((num(r, "ethnic_minority_share") - 66.0).abs() < 1e-9, "{r}");
    assert_eq!(int(r, "districts"), 9);
    assert_eq!(int(r, "villages"), 1578);
    assert_eq!(int(r, "especially_difficult_villages"), 1007);
    assert_eq!((int(r, "region_i"), int(r, "region_ii"), int(r, "region_iii")), (25, 37, 102));
    assert_eq!(int(r, "program_135_communes"), 104);
    assert_eq!(int(r, "key_security_communes"), 105);
    assert!((num(r, "border_length_km_official") - 182.086).abs() < 1e-9, "{r}");
    // The drawn line (Natural Earth 1:10m) is generalised: reported as measured, shorter.
    let measured = num(r, "border_length_km_measured");
    assert!((140.0..182.0).contains(&measured), "measured border {measured} km");
    assert_eq!(int(r, "staff_year"), 2019);
    assert_eq!(int(r, "commune_cadres"), 1564);
    assert_eq!(int(r, "commune_civil_servants"), 1870);
    assert_eq!(int(r, "commune_nonspecialised"), 1679);
    assert_eq!(int(r, "village_nonspecialised"), 10_772);
    assert_eq!(int(r, "commune_police_trained"), 460);
    assert!((num(r, "security_resolution_share") - 100.0).abs() < 1e-9, "{r}");
    assert_eq!(int(r, "model_types"), 43);
    assert_eq!(int(r, "model_sites"), 762);
    assert!(int(r, "border_communes") > 10, "{r}");
}

#[tokio::test]
async fn report_as_of_2019_12_31_reproduces_the_seed() {
    let db = loaded_db().await;
    let (status, r) =
        get_json(&viewer_app(&db.pool).await, "/api/v1/reports/province?as_of=2019-12-31").await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["as_of"], "2019-12-31");
    assert_common_figures(&r);
    assert_eq!(int(&r, "commune_level_units"), 164);
    // Decision 785/QĐ-UBND came on 2020-03-27.
    assert_eq!(int(&r, "regular_police_chiefs"), 0);
}

#[tokio::test]
async fn report_as_of_2020_04_15_reproduces_the_seed() {
    let db = loaded_db().await;
    let (status, r) =
        get_json(&viewer_app(&db.pool).await, "/api/v1/reports/province?as_of=2020-04-15").await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_common_figures(&r);
    assert_eq!(int(&r, "commune_level_units"), 152);
    assert_eq!((int(&r, "wards"), int(&r, "townships"), int(&r, "communes")), (16, 9, 127));
    assert_eq!(int(&r, "regular_police_chiefs"), 130);
}

#[tokio::test]
async fn later_every_commune_and_township_has_a_regular_police_chief() {
    let db = loaded_db().await;
    let (_, r) = get_json(&viewer_app(&db.pool).await, "/api/v1/reports/province?as_of=2020-12-31").await;
    assert_eq!(int(&r, "regular_police_chiefs"), 136);
}

#[tokio::test]
async fn report_as_csv_is_a_two_column_utf8_table() {
    let db = loaded_db().await;
    let response = viewer_app(&db.pool)
        .await
        .oneshot(
            Request::get("/api/v1/reports/province?as_of=2020-04-15&f=csv")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let body = String::from_utf8(response.into_body().collect().await.expect("body").to_bytes().to_vec())
        .expect("UTF-8");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "key,value");
    assert!(lines.contains(&"commune_level_units,152"), "{body}");
    assert!(lines.contains(&"ethnic_shares.Mông,23.78"), "{body}");
    assert!(lines.iter().all(|l| l.split(',').count() == 2), "{body}");
}

#[tokio::test]
async fn unknown_parameter_or_bad_date_is_refused_naming_the_parameter() {
    let db = loaded_db().await;
    let app = viewer_app(&db.pool).await;
    for (uri, name) in [
        ("/api/v1/reports/province?asof=2020-01-01", "asof: unknown parameter"),
        ("/api/v1/reports/province?as_of=2020-13-01", "as_of: '2020-13-01' is not a date"),
        ("/api/v1/reports/province?as_of=yesterday", "as_of: "),
        ("/api/v1/reports/province?f=xml", "f: "),
    ] {
        let (status, body) = get_json(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        let description = body["description"].as_str().unwrap_or_default();
        assert!(description.starts_with(name), "{uri}: {body}");
    }
}

#[tokio::test]
async fn report_without_a_date_is_as_of_today_in_vietnam() {
    let db = loaded_db().await;
    let (status, r) = get_json(&viewer_app(&db.pool).await, "/api/v1/reports/province").await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let today = (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive().to_string();
    assert_eq!(r["as_of"], today.as_str());
}

/// The router, read by a viewer (the least role the report admits).
async fn viewer_app(pool: &sqlx::PgPool) -> axum::Router {
    let token = crate::support::token(pool, antq_atlas::auth::Role::Viewer, &[]).await;
    crate::support::as_user(crate::support::app(pool.clone()), &token)
}

/// The commune report on the constructed world of `coverage` (see its module documentation).
#[tokio::test]
async fn commune_report_on_the_constructed_world() {
    let (_db, app) = crate::coverage::world_app(antq_atlas::auth::Role::Analyst, &[]).await;
    let (status, r) =
        get_json(&app, "/api/v1/reports/communes/90001?as_of=2020-06-30&datetime=2020-06-01/2020-06-30")
            .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["as_of"], "2020-06-30");
    assert_eq!((r["key_security"].as_bool(), r["border_commune"].as_bool()), (Some(true), Some(true)));
    let kinds: Vec<&str> =
        r["designations"].as_array().expect("list").iter().filter_map(|d| d["kind"].as_str()).collect();
    assert_eq!(kinds, ["border_commune", "key_security"]);
    // K1, K2 (drugs) and K3 (crime); K5 is archived and K6 is of 2019. 3 per 2,000 people = 1.5 per 1,000.
    assert_eq!(int(&r, "key_points"), 3);
    assert!((num(&r, "rate_per_1000") - 1.5).abs() < 1e-9, "{r}");
    assert_eq!(
        r["key_points_by_category"],
        json!([
        {"category": "drugs", "name_vi": "Ma túy", "name_en": "Drugs", "count": 2},
        {"category": "crime", "name_vi": "Tội phạm", "name_en": "Crime", "count": 1}])
    );
    assert_eq!(r["key_points_by_month"], json!([{"month": "2020-06", "count": 3}]));
    // Two difficult villages; 9000102 has the (fair) model M1, 9000101 none.
    assert_eq!((int(&r, "villages"), int(&r, "especially_difficult_villages")), (2, 2));
    assert_eq!(int(&r, "difficult_villages_without_model"), 1);
    assert_eq!(r["villages_without_model"], json!([{"code": "9000101", "name": "Đơn vị 9000101"}]));
    assert_eq!((int(&r, "model_sites"), int(&r, "effective_model_sites")), (1, 0));
    // Patrols: P2 whole (4 km, 4 h, 2 days) and half of P1 (2 km, 2 h, 1 day).
    assert_eq!((int(&r, "patrols"), int(&r, "patrol_days")), (2, 3));
    assert!((num(&r, "patrol_hours") - 6.0).abs() < 0.01, "{r}");
    // Border: BG-T1, 4,458.3 of 10,000 m covered (see coverage::COVERED_M).
    assert!((num(&r, "border_length_m") - 10_000.0).abs() < 0.1, "{r}");
    assert!((num(&r, "border_share") - 0.4458).abs() < 3e-4, "{r}");
    assert_eq!(r["border_last_patrolled"], "2020-06-10");
    assert_eq!(r["border_segments"][0]["code"], "BG-T1");
    assert_eq!(r["border_segments"][0]["days_since_patrolled"], 20);

    let (status, _) = get_json(&app, "/api/v1/reports/communes/99999?as_of=2020-06-30").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = get_json(&app, "/api/v1/reports/communes/90001?f=csv").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn commune_reports_follow_the_jurisdiction_and_refuse_viewers() {
    let (db, editor) = crate::coverage::world_app(antq_atlas::auth::Role::Editor, &["90002"]).await;
    let (status, _) = get_json(&editor, "/api/v1/reports/communes/90001?as_of=2020-06-30").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, rows) = get_json(&editor, "/api/v1/reports/communes?as_of=2020-06-30").await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    let codes: Vec<&str> = rows.as_array().expect("rows").iter().filter_map(|r| r["code"].as_str()).collect();
    assert_eq!(codes, ["90002"]);
    // Population unknown: no rate.
    assert_eq!(rows[0]["rate_per_1000"], Value::Null);
    let (status, _) = get_json(&viewer_app(&db.pool).await, "/api/v1/reports/communes").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn commune_rows_count_every_key_point_of_the_window_once() {
    let db = loaded_db().await;
    let token = crate::support::token(&db.pool, antq_atlas::auth::Role::Analyst, &[]).await;
    let app = crate::support::as_user(crate::support::app(db.pool.clone()), &token);
    let (status, rows) =
        get_json(&app, "/api/v1/reports/communes?as_of=2020-12-31&datetime=2020-01-01/2020-12-31").await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 152);
    let sum: i64 = rows.iter().map(|r| int(r, "key_points")).sum();
    // Independently: every key point of 2020 (Vietnam time) not archived and inside a commune.
    let expected: i64 = sqlx::query_scalar(
        "select count(*) from key_points k where k.archived_at is null
           and k.observed_at >= '2020-01-01 00:00+07' and k.observed_at < '2021-01-01 00:00+07'
           and exists (select 1 from admin_units u where u.level = 'commune' and u.validity @> date '2020-12-31'
                       and ST_Covers(u.geom, k.location))",
    )
    .fetch_one(&db.pool)
    .await
    .expect("count");
    assert!(expected > 0);
    assert_eq!(sum, expected);
    let (status, headers, body) = crate::support::get_raw(
        &app,
        "/api/v1/reports/communes?as_of=2020-12-31&datetime=2020-01-01/2020-12-31&f=csv",
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let text = String::from_utf8(body).expect("UTF-8");
    assert!(text.starts_with("code,name,kind,district_code,"), "{text}");
    assert_eq!(text.lines().count(), 153);
}

/// The commune reports' CSV goes through the one CSV writer (`layers::formats`): a cell that a
/// spreadsheet would run as a formula (`= + - @`, OWASP "CSV injection") comes out with a leading
/// apostrophe, quoted as RFC 4180 asks, while numbers keep their sign.
#[tokio::test]
async fn a_report_csv_cell_that_is_a_formula_is_defused() {
    let (db, app) = crate::coverage::world_app(antq_atlas::auth::Role::Analyst, &[]).await;
    for (code, name) in [("90001", "=HYPERLINK(\"http://x\",\"y\")"), ("90002", "@SUM(1+1)")] {
        sqlx::query("update admin_units set name = $1 where code = $2")
            .bind(name)
            .bind(code)
            .execute(&db.pool)
            .await
            .expect("rename");
    }
    let (status, _, body) =
        crate::support::get_raw(&app, "/api/v1/reports/communes?as_of=2020-06-30&f=csv", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body).expect("UTF-8");
    assert!(text.contains("90001,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","), "{text}");
    assert!(text.contains("90002,'@SUM(1+1),"), "{text}");
    for line in text.lines().skip(1) {
        let name = line.split(',').nth(1).unwrap_or_default();
        assert!(!name.trim_start_matches('"').starts_with(['=', '+', '-', '@']), "{line}");
    }
}

/// The province report at the four dates of issue #16, every figure from the data.
#[tokio::test]
async fn the_province_of_each_date_has_its_own_units() {
    let db = loaded_db().await;
    let app = viewer_app(&db.pool).await;
    // (date, province code, units, districts, xã, phường, thị trấn); the source of each:
    let expected = [
        // the seed (shared/DOMAIN.md): 164 units before the merges of 2020-01-01
        ("2019-12-31", "10", 164, 9, None, None, None),
        // the seed: 127 xã, 16 phường, 9 thị trấn, 9 districts (Nghị quyết 767/NQ-UBTVQH14)
        ("2020-04-15", "10", 152, 9, Some(127), Some(16), Some(9)),
        // Nghị quyết 1197/NQ-UBTVQH15: Xã Tà Chải into Thị trấn Bắc Hà from 2024-11-01
        ("2024-12-01", "10", 151, 9, Some(126), Some(16), Some(9)),
        // Nghị quyết 1673/NQ-UBTVQH15, khoản 92: 99 units, 89 xã and 10 phường; no districts
        ("2026-12-02", "15", 99, 0, Some(89), Some(10), Some(0)),
    ];
    for (date, code, units, districts, xa, phuong, tt) in expected {
        let (status, r) = get_json(&app, &format!("/api/v1/reports/province?as_of={date}")).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(r["province_code"], code, "{date}");
        assert_eq!(r["province_name"], "Tỉnh Lào Cai", "{date}");
        assert_eq!(int(&r, "commune_level_units"), units, "{date}");
        assert_eq!(int(&r, "districts"), districts, "{date}");
        for (key, want) in [("communes", xa), ("wards", phuong), ("townships", tt)] {
            if let Some(n) = want {
                assert_eq!(int(&r, key), n, "{date}: {key}");
            }
        }
    }
}

#[tokio::test]
async fn after_the_merge_old_figures_say_what_they_describe_or_are_absent() {
    let db = loaded_db().await;
    let app = viewer_app(&db.pool).await;
    let (_, r) = get_json(&app, "/api/v1/reports/province?as_of=2026-12-02").await;
    // The demo has no census of the new units: the latest is 2020's, of old Lào Cai's 152 units.
    assert_eq!(
        (int(&r, "staff_year"), int(&r, "staff_units"), r["staff_province_code"].as_str()),
        (2020, 152, Some("10"))
    );
    // No decision names a unit of 2025: the counts are absent, not 0.
    assert_eq!(int(&r, "designations_in_force"), 0);
    for key in ["key_security_communes", "region_iii", "program_135_communes", "border_communes"] {
        assert!(r[key].is_null(), "{key}: {r}");
    }
    // Before the merge they are the seed's (Decision 1579/QĐ-BCA-V28: 105 key communes).
    let (_, old) = get_json(&app, "/api/v1/reports/province?as_of=2024-12-01").await;
    assert_eq!(int(&old, "key_security_communes"), 105);
    assert_eq!(old["staff_province_code"], "10");
}

#[tokio::test]
async fn the_report_of_a_2025_unit_names_its_predecessors_with_their_dates() {
    let db = loaded_db().await;
    let token = crate::support::token(&db.pool, antq_atlas::auth::Role::Analyst, &[]).await;
    let app = crate::support::as_user(crate::support::app(db.pool.clone()), &token);
    let (status, r) = get_json(&app, "/api/v1/reports/communes/02839?as_of=2026-12-02").await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["name"], "Xã Bắc Hà");
    let preds = r["predecessors"].as_array().expect("predecessors");
    let named = |code: &str, from: &str| {
        preds
            .iter()
            .find(|p| p["code"] == code && p["valid_from"] == from)
            .unwrap_or_else(|| panic!("{code} {from}: {r}"))
    };
    // Nghị quyết 1673/NQ-UBTVQH15, khoản 73: Thị trấn Bắc Hà (of 2024-11-01) and five xã.
    let town = named("02839", "2024-11-01");
    assert_eq!(
        (town["name"].as_str(), town["valid_to"].as_str()),
        (Some("Thị trấn Bắc Hà"), Some("2025-07-01"))
    );
    assert_eq!(town["basis"], "Nghị quyết 1673/NQ-UBTVQH15, khoản 73");
    assert_eq!(preds.iter().filter(|p| p["changed_on"] == "2025-07-01").count(), 6, "{r}");
    // Nghị quyết 1197/NQ-UBTVQH15: Xã Tà Chải, with its own dates and designations.
    let ta_chai = named("02872", "2010-01-01");
    assert_eq!(ta_chai["valid_to"], "2024-11-01");
    assert_eq!(ta_chai["basis"], "Nghị quyết 1197/NQ-UBTVQH15");
    assert!(ta_chai["designations"].as_array().is_some_and(|d| !d.is_empty()), "{ta_chai}");
}
