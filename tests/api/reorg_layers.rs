//! The boundary layers on both sides of 1 July 2025 (issue #16, items 3 and 6), on the demo data:
//! the districts layer empties, communes carry the districts their predecessors belonged to.
//! Known answers come from `fixtures/sources/reorg2025/successors_2025.csv` (Nghị quyết
//! 1673/NQ-UBTVQH15, the clause named beside each).

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::Value;

use antq_atlas::auth::Role;

use crate::support::{app, as_user, fixtures_dir, get_json, get_raw, loaded_db, token};

/// The demo read by an analyst (every layer, exports too).
async fn analyst() -> (crate::support::TestDb, axum::Router) {
    let db = loaded_db().await;
    let analyst = token(&db.pool, Role::Analyst, &[]).await;
    let router = as_user(app(db.pool.clone()), &analyst);
    (db, router)
}

/// A tile over the whole of the new Lào Cai (z6, x 50, y 27: 101.25°-106.875° E, 21.9°-27.1° N).
const TILE: &str = "tiles/WebMercatorQuad/6/27/50";

#[tokio::test]
async fn the_districts_layer_is_empty_from_2025_07_01_and_never_an_error() {
    let (_db, app) = analyst().await;
    // The day before: old Lào Cai's 9 districts and old Yên Bái's 9.
    let (status, before) = get_json(&app, "/api/v1/collections/districts/items?as_of=2025-06-30").await;
    assert_eq!(status, StatusCode::OK, "{before}");
    assert_eq!(before["numberMatched"], 18, "as of 2025-06-30");
    let (status, _, _) =
        get_raw(&app, &format!("/api/v1/collections/districts/{TILE}?as_of=2025-06-30"), &[]).await;
    assert_eq!(status, StatusCode::OK, "a tile of districts on 2025-06-30");
    // Nghị quyết 1673 and the two-tier local government: no district level from 2025-07-01.
    for date in ["2025-07-01", "2026-12-02"] {
        let (status, after) =
            get_json(&app, &format!("/api/v1/collections/districts/items?as_of={date}")).await;
        assert_eq!(status, StatusCode::OK, "{after}");
        assert_eq!(
            (after["numberMatched"].as_i64(), after["features"].as_array().map(Vec::len)),
            (Some(0), Some(0))
        );
        let (status, _, body) =
            get_raw(&app, &format!("/api/v1/collections/districts/{TILE}?as_of={date}"), &[]).await;
        assert_eq!((status, body.len()), (StatusCode::NO_CONTENT, 0), "a tile of districts on {date}");
    }
}

/// The 2025 units whose predecessors include a commune of the old district `district` (by the
/// resolution's own table), as (code, clause).
fn successors_of_district(district: &str) -> BTreeSet<String> {
    let path = fixtures_dir().join("../sources/reorg2025/successors_2025.csv");
    let text = std::fs::read_to_string(&path).expect("successors_2025.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (district_col, new_col) = (col("old_district_code"), col("new_code"));
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|r| r[district_col] == district)
        .map(|r| r[new_col].to_owned())
        .collect()
}

fn codes(body: &Value) -> BTreeSet<String> {
    body["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["properties"]["code"].as_str().expect("code").to_owned())
        .collect()
}

#[tokio::test]
async fn communes_carry_the_districts_their_predecessors_belonged_to() {
    let (_db, app) = analyst().await;
    let items = "/api/v1/collections/communes/items";
    // Nghị quyết 1673, khoản 75: Xã Lùng Phình of 2025 is Lùng Phình and Tả Van Chư of Huyện Bắc
    // Hà (085) with a commune of Huyện Si Ma Cai (084).
    let (status, r) = get_json(&app, &format!("{items}?as_of=2026-12-02&code=02848")).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let p = &r["features"][0]["properties"];
    assert_eq!(p["former_district_codes"], serde_json::json!(["084", "085"]), "{p}");
    assert_eq!(p["former_districts"], serde_json::json!(["Huyện Si Ma Cai", "Huyện Bắc Hà"]), "{p}");
    assert_eq!(p["district_code"], Value::Null, "no district level");
    // The day before, Xã Lùng Phình is in Huyện Bắc Hà, and no merge made it.
    let (_, r) = get_json(&app, &format!("{items}?as_of=2025-06-30&code=02848")).await;
    let p = &r["features"][0]["properties"];
    assert_eq!(
        (p["district_code"].as_str(), p["name"].as_str()),
        (Some("085"), Some("Xã Lùng Phình")),
        "{p}"
    );
    assert!(!p["former_district_codes"].as_array().expect("a list").contains(&"084".into()), "{p}");

    // Queryable: the units that took Bắc Hà's communes (khoản 70-75), by parameter and in CQL2.
    let expected = successors_of_district("085");
    assert!(expected.len() >= 6, "{expected:?}");
    let (status, by_param) =
        get_json(&app, &format!("{items}?as_of=2026-12-02&former_district_codes=085")).await;
    assert_eq!(status, StatusCode::OK, "{by_param}");
    assert_eq!(codes(&by_param), expected);
    let cql = "former_districts%20LIKE%20%27Huy%E1%BB%87n%20B%E1%BA%AFc%20H%C3%A0%27"; // 'Huyện Bắc Hà'
    let (status, by_cql) = get_json(&app, &format!("{items}?as_of=2026-12-02&filter={cql}")).await;
    assert_eq!(status, StatusCode::OK, "{by_cql}");
    assert_eq!(codes(&by_cql), expected);
    let (status, none) =
        get_json(&app, &format!("{items}?as_of=2026-12-02&filter=former_district_codes%20%3C%20%27085%27"))
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a list has no order: {none}");

    // CSV and tiles: the list joined with '; '.
    let (status, _, csv) =
        get_raw(&app, "/api/v1/collections/communes/export?f=csv&as_of=2026-12-02&code=02848", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).expect("utf-8");
    assert!(csv.contains("084; 085") && csv.contains("Huyện Si Ma Cai; Huyện Bắc Hà"), "{csv}");
    let (status, _, tile) =
        get_raw(&app, &format!("/api/v1/collections/communes/{TILE}?as_of=2026-12-02&code=02848"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let needle = "Huyện Si Ma Cai; Huyện Bắc Hà".as_bytes();
    assert!(tile.windows(needle.len()).any(|w| w == needle), "the tile carries the joined names");
    let (_, schema) = get_json(&app, "/api/v1/collections/communes/queryables").await;
    assert_eq!(schema["properties"]["former_districts"]["type"], "array", "{schema}");
}

/// The codes of the communes that Quyết định 1579/QĐ-BCA-V28 (the demo's `designations.csv`)
/// named key security communes.
fn key_security_codes() -> BTreeSet<String> {
    let text = std::fs::read_to_string(fixtures_dir().join("designations.csv")).expect("designations.csv");
    text.lines().filter(|l| l.split(',').nth(1) == Some("key_security")).map(|l| l[..5].to_owned()).collect()
}

#[tokio::test]
async fn key_security_designations_are_inherited_across_the_merge_not_counted_as_current() {
    let (_db, app) = analyst().await;
    let items = "/api/v1/collections/communes/items";
    // The day before: decisions in force name the units of their day.
    let (_, before) = get_json(&app, &format!("{items}?as_of=2025-06-30&key_security=true&limit=1")).await;
    let in_force = before["numberMatched"].as_i64().expect("numberMatched");
    assert!(in_force > 90, "{in_force} key security communes on 2025-06-30");
    let (_, r) = get_json(&app, &format!("{items}?as_of=2025-06-30&code=02857")).await;
    assert_eq!(r["features"][0]["properties"]["key_security"], true, "Xã Thải Giàng Phố on 2025-06-30");
    // From 2025-07-01 none is current; each new unit inherits from its predecessors.
    let (_, after) = get_json(&app, &format!("{items}?as_of=2026-12-02&key_security=true")).await;
    assert_eq!(after["numberMatched"], 0, "{after}");
    // Nghị quyết 1673, khoản 73: of Xã Bắc Hà's 6 predecessors, Thải Giàng Phố and Hoàng Thu Phố
    // were key security communes.
    let (_, r) = get_json(&app, &format!("{items}?as_of=2026-12-02&code=02839")).await;
    let p = &r["features"][0]["properties"];
    let got = (
        &p["key_security"],
        &p["key_security_inherited"],
        &p["key_security_inherited_k"],
        &p["key_security_inherited_n"],
    );
    assert_eq!(got, (&false.into(), &true.into(), &2.into(), &6.into()), "{p}");
    // Which units inherit: those with a designated predecessor in the resolution's table.
    let designated = key_security_codes();
    let text = std::fs::read_to_string(fixtures_dir().join("../sources/reorg2025/successors_2025.csv"))
        .expect("csv");
    let expected: BTreeSet<String> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|r| designated.contains(r[0]))
        .map(|r| r[6].to_owned())
        .collect();
    let (_, inheriting) =
        get_json(&app, &format!("{items}?as_of=2026-12-02&key_security_inherited=true&limit=200")).await;
    assert_eq!(codes(&inheriting), expected);

    // The reports: none in force after the change, the inherited figures labelled as such.
    let (_, before) = get_json(&app, "/api/v1/reports/province?as_of=2025-06-30").await;
    assert!(before["key_security_communes"].as_i64() > Some(90), "{before}");
    let (status, after) = get_json(&app, "/api/v1/reports/province?as_of=2026-12-02").await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["key_security_communes"], Value::Null, "no decision in force");
    assert_eq!(after["key_security_inherited_units"], i64::try_from(expected.len()).expect("small"));
    // Every key security commune in force on 2025-06-30 went into exactly one new unit.
    assert_eq!(after["key_security_inherited_predecessors"], in_force);
    let (status, row) = get_json(&app, "/api/v1/reports/communes/02839?as_of=2026-12-02").await;
    assert_eq!(status, StatusCode::OK, "{row}");
    let text = row.to_string();
    assert!(
        text.contains("\"key_security_inherited_k\":2") && text.contains("\"key_security_inherited_n\":6"),
        "{text}"
    );
}

/// POSTs `body` as JSON to `uri`.
async fn post(app: &axum::Router, uri: &str, body: &Value) -> (StatusCode, Value) {
    use tower::ServiceExt as _;
    let request = axum::http::Request::post(uri)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let bytes = http_body_util::BodyExt::collect(response.into_body()).await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_admin_records_a_decision_for_a_2025_unit_and_closed_units_are_refused_by_name() {
    let db = loaded_db().await;
    let admin = as_user(app(db.pool.clone()), &token(&db.pool, Role::Admin, &[]).await);
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let uri = "/api/v1/admin/designations";
    let decision = serde_json::json!({ "unit_code": "02839", "kind": "key_security",
        "decision": "Quyết định 1/QĐ-UBND (demo)", "valid_from": "2026-01-01" });
    assert_eq!(post(&analyst, uri, &decision).await.0, StatusCode::FORBIDDEN);
    let (status, made) = post(&admin, uri, &decision).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["unit_name"], "Xã Bắc Hà", "{made}");
    // In force from its first day, and a second one over the same period is a conflict.
    let items = "/api/v1/collections/communes/items?code=02839&as_of=";
    let (_, before) = get_json(&admin, &format!("{items}2025-12-31")).await;
    let (_, after) = get_json(&admin, &format!("{items}2026-12-02")).await;
    let flag = |b: &Value| b["features"][0]["properties"]["key_security"].clone();
    assert_eq!((flag(&before), flag(&after)), (false.into(), true.into()));
    assert_eq!(post(&admin, uri, &decision).await.0, StatusCode::CONFLICT);
    // Xã Tà Chải closed on 2024-11-01 (Nghị quyết 1197): the refusal names what it became.
    let closed =
        serde_json::json!({ "unit_code": "02872", "kind": "key_security", "valid_from": "2026-01-01" });
    let (status, why) = post(&admin, uri, &closed).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
    assert!(why["description"].as_str().is_some_and(|d| d.contains("02839 Xã Bắc Hà")), "{why}");
    // A decision on Xã Thải Giàng Phố may not outlive it (khoản 73: closed on 2025-07-01).
    let outliving =
        serde_json::json!({ "unit_code": "02857", "kind": "program_135", "valid_from": "2025-03-01" });
    let (status, why) = post(&admin, uri, &outliving).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
    assert!(why["description"].as_str().is_some_and(|d| d.contains("2025-07-01")), "{why}");
    let unknown = serde_json::json!({ "unit_code": "02839", "kind": "hero", "valid_from": "2026-01-01" });
    let (status, why) = post(&admin, uri, &unknown).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
    assert!(why["description"].as_str().is_some_and(|d| d.starts_with("kind:")), "{why}");
    let (status, _) = post(&admin, uri, &serde_json::json!({ "unit_code": "02839" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a missing field");
}
