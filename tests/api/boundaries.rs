//! Boundary imports (`antq import boundaries`): versions over time (a merge of three communes as
//! of a date), VN-2000 / Lao Cai TM-3 input checked against pyproj, invalid and clockwise
//! geometry, duplicate codes and overlaps; refusals and dry runs change nothing.
//!
//! Fixture: province "10" and district "080" (lon 103.9-104.1, lat 22.4-22.6) with four
//! communes in vertical strips 0.05° wide: 00001 ... 00004 from west to east.

use antq_atlas::db::admin_units::{UnitLevel, as_of};
use antq_atlas::db::audit::{Entry, Outcome};
use antq_atlas::imports::ImportError;
use antq_atlas::imports::boundaries::{Options, import};
use antq_atlas::imports::points::Caller;
use chrono::NaiveDate;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::support::test_db;
use crate::writes::fingerprint;

pub fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

pub fn strip(west: f64, east: f64) -> Value {
    json!({ "type": "Polygon", "coordinates": [[[west, 22.4], [east, 22.4], [east, 22.6], [west, 22.6], [west, 22.4]]] })
}

pub fn unit(code: &str, name: &str, geometry: &Value) -> Value {
    json!({ "type": "Feature", "geometry": geometry, "properties": { "code": code, "name": name, "parent_code": "080" } })
}

pub fn file(features: &[Value]) -> Vec<u8> {
    json!({ "type": "FeatureCollection", "features": features }).to_string().into_bytes()
}

pub async fn four_communes(pool: &PgPool) {
    sqlx::query(
        "insert into admin_units (code, level, kind, name, valid_from, geom) values
         ('10', 'province', 'tỉnh', 'Tỉnh Lào Cai', '2004-01-01', ST_Multi(ST_MakeEnvelope(103.5, 21.8, 104.7, 22.9, 4326)));
         ",
    )
    .execute(pool)
    .await
    .expect("province");
    sqlx::query(
        "insert into admin_units (code, level, kind, name, parent_id, valid_from, geom)
         select '080', 'district', 'thành phố', 'Thành phố Lào Cai', id, '2004-01-01',
                ST_Multi(ST_MakeEnvelope(103.9, 22.4, 104.1, 22.6, 4326)) from admin_units where code = '10'",
    )
    .execute(pool)
    .await
    .expect("district");
    sqlx::query(
        "insert into admin_units (code, level, kind, name, parent_id, valid_from, geom)
         select '0000' || g, 'commune', 'xã', 'Xã ' || g, d.id, '2004-01-01',
                ST_Multi(ST_MakeEnvelope(103.85 + 0.05 * g, 22.4, 103.9 + 0.05 * g, 22.6, 4326))
         from generate_series(1, 4) g, admin_units d where d.code = '080'",
    )
    .execute(pool)
    .await
    .expect("communes");
}

pub fn options(valid_from: &str) -> Options {
    Options {
        level: "commune".into(),
        valid_from: day(valid_from),
        srid: None,
        make_valid: false,
        dry_run: false,
        threshold_km2: 0.01,
        successors: Vec::new(),
    }
}

pub fn operator() -> Caller {
    Caller { entry: Entry::new("import", Outcome::Ok).with_user(None, Some("cli:test")), jurisdiction: None }
}

pub async fn communes(pool: &PgPool, date: &str) -> Vec<String> {
    as_of(pool, day(date), Some(UnitLevel::Commune))
        .await
        .expect("as of")
        .into_iter()
        .map(|u| u.code)
        .collect()
}

#[tokio::test]
async fn a_file_merging_three_communes_gives_the_old_units_before_the_date_and_the_new_after() {
    let db = test_db().await;
    four_communes(&db.pool).await;
    let merged = unit("00010", "Xã Hợp Thành", &strip(103.9, 104.05));
    let kept = unit("00004", "Xã 4", &strip(104.05, 104.1));

    let report =
        import(&db.pool, &file(&[merged, kept]), &options("2025-07-01"), &operator()).await.expect("import");

    assert_eq!(report["applied"]["new"], json!(["00010"]));
    assert_eq!(report["applied"]["unchanged"], json!(["00004"]));
    assert_eq!(report["applied"]["closed"], json!(["00001", "00002", "00003"]));
    assert_eq!(communes(&db.pool, "2025-06-30").await, ["00001", "00002", "00003", "00004"]);
    assert_eq!(communes(&db.pool, "2025-07-01").await, ["00004", "00010"]);
    let versions: i64 = sqlx::query_scalar("select count(*) from admin_units where code = '00004'")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(versions, 1, "an unchanged unit is left alone");
}

#[tokio::test]
async fn a_vn2000_tm3_vertex_lands_within_a_metre_of_where_pyproj_puts_it() {
    // pyproj 3.7.2 (PROJ's EPSG:9208, "VN-2000 / TM-3 104-45"):
    //   Transformer.from_crs("EPSG:4326", "EPSG:9208", always_xy=True).transform(104.05, 22.5)
    //   -> (427782.9793999694, 2489193.7525809086); see scripts/vn2000_point.py.
    let db = test_db().await;
    four_communes(&db.pool).await;
    let (x, y) = (427_782.979_399_969_4, 2_489_193.752_580_908_6);
    let square = json!({ "type": "Polygon", "coordinates": [[[x, y], [x + 800.0, y], [x + 800.0, y + 800.0], [x, y + 800.0], [x, y]]] });
    let mut collection: Value =
        serde_json::from_slice(&file(&[unit("00020", "Xã TM-3", &square)])).expect("json");
    collection["crs"] = json!({ "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::9208" } });

    let report = import(&db.pool, collection.to_string().as_bytes(), &options("2026-01-01"), &operator())
        .await
        .expect("import");

    assert_eq!(report["srid"], 9208);
    let metres: f64 = sqlx::query_scalar(
        "select min(ST_Distance((d).geom::geography, ST_SetSRID(ST_Point(104.05, 22.5), 4326)::geography))
         from (select ST_DumpPoints(geom) d from admin_units where code = '00020') p",
    )
    .fetch_one(&db.pool)
    .await
    .expect("distance");
    assert!(metres < 1.0, "{metres} m from pyproj's point");
}

#[tokio::test]
async fn invalid_geometry_is_refused_with_postgis_reason_or_repaired_with_the_area_change_reported() {
    let db = test_db().await;
    four_communes(&db.pool).await;
    let bowtie = json!({ "type": "Polygon", "coordinates": [[[103.9, 22.4], [104.0, 22.6], [104.0, 22.4], [103.9, 22.6], [103.9, 22.4]]] });
    let clockwise = json!({ "type": "Polygon", "coordinates": [[[104.05, 22.4], [104.05, 22.6], [104.1, 22.6], [104.1, 22.4], [104.05, 22.4]]] });
    let bytes = file(&[unit("00030", "Xã Nơ", &bowtie), unit("00004", "Xã 4 mới", &clockwise)]);
    let before = fingerprint(&db.pool).await;

    let refused = import(&db.pool, &bytes, &options("2026-01-01"), &operator()).await.expect_err("invalid");
    let ImportError::Invalid { problems, .. } = &refused else { panic!("{refused}") };
    assert_eq!(problems.len(), 1);
    assert_eq!((problems[0].index, problems[0].field.as_str()), (Some(0), "geometry"));
    assert!(problems[0].reason.starts_with("invalid geometry: Self-intersection"), "{}", problems[0].reason);
    assert_eq!(fingerprint(&db.pool).await, before);
    let dry = Options { make_valid: true, dry_run: true, ..options("2026-01-01") };
    let report = import(&db.pool, &bytes, &dry, &operator()).await.expect("dry run");
    assert_eq!(fingerprint(&db.pool).await, before, "a dry run writes nothing");

    assert_eq!(report["features"][0]["valid"], false);
    assert!(report["features"][0]["repaired_km2"].as_f64().is_some(), "{report}");
    assert_eq!(report["features"][1]["clockwise"], true);
    let overlaps: Vec<&str> =
        report["notes"].as_array().expect("notes").iter().filter_map(|n| n["reason"].as_str()).collect();
    assert!(overlaps.iter().any(|r| r.contains("km²")), "{overlaps:?}");
}

#[tokio::test]
async fn duplicate_codes_and_unknown_parents_refuse_the_file_listing_each() {
    let db = test_db().await;
    four_communes(&db.pool).await;
    let mut orphan = unit("00041", "Xã Mồ Côi", &strip(104.0, 104.02));
    orphan["properties"]["parent_code"] = json!("999");
    let bytes =
        file(&[unit("00040", "A", &strip(103.9, 103.95)), unit("00040", "B", &strip(103.95, 104.0)), orphan]);
    let before = fingerprint(&db.pool).await;

    let refused = import(&db.pool, &bytes, &options("2026-01-01"), &operator()).await.expect_err("refused");

    let ImportError::Invalid { problems, .. } = &refused else { panic!("{refused}") };
    let listed: Vec<(Option<usize>, &str)> = problems.iter().map(|p| (p.index, p.field.as_str())).collect();
    assert_eq!(listed, [(Some(0), "code"), (Some(1), "code"), (Some(2), "parent_code")]);
    assert_eq!(fingerprint(&db.pool).await, before);
}

#[tokio::test]
async fn admins_import_over_http_and_a_dry_run_or_a_bad_query_changes_nothing() {
    let db = test_db().await;
    four_communes(&db.pool).await;
    let admin = crate::support::as_user(
        crate::support::app(db.pool.clone()),
        &crate::support::token(&db.pool, antq_atlas::auth::Role::Admin, &[]).await,
    );
    let bytes = file(&[unit("00010", "Xã Hợp Thành", &strip(103.9, 104.05))]);
    let uri = "/api/v1/admin/boundaries/import?level=commune&valid_from=2025-07-01";
    let before = fingerprint(&db.pool).await;

    let (dry, report) =
        crate::imports::post(&admin, &format!("{uri}&dry_run=true"), "application/geo+json", bytes.clone())
            .await;
    let (bad, why) = crate::imports::post(
        &admin,
        &uri.replace("commune", "hamlet"),
        "application/geo+json",
        bytes.clone(),
    )
    .await;
    let (broken, why_broken) =
        crate::imports::post(&admin, uri, "application/geo+json", b"{\n\"type\": }".to_vec()).await;

    assert_eq!(dry, axum::http::StatusCode::OK, "{report}");
    assert_eq!(report["applied"]["closed"], json!(["00001", "00002", "00003"]));
    assert_eq!(bad, axum::http::StatusCode::BAD_REQUEST, "{why}");
    assert!(why["description"].as_str().expect("text").starts_with("level"), "{why}");
    assert_eq!(broken, axum::http::StatusCode::BAD_REQUEST, "{why_broken}");
    assert!(why_broken["description"].as_str().expect("text").starts_with("line 2"), "{why_broken}");
    assert_eq!(fingerprint(&db.pool).await, before);
    let (written, _) = crate::imports::post(&admin, uri, "application/geo+json", bytes).await;
    assert_eq!(written, axum::http::StatusCode::CREATED);
    assert_eq!(communes(&db.pool, "2025-07-01").await, ["00004", "00010"]);
}

#[tokio::test]
async fn names_unlike_the_official_list_are_warned_about_with_a_suggestion_for_a_slip_and_still_imported() {
    let db = test_db().await;
    four_communes(&db.pool).await;
    sqlx::query(
        "insert into official_unit_names (code, level, name, valid_from, basis) values
         ('00010', 'commune', 'Xã Hợp Thành', '2020-01-01', 'Nghị quyết thử'),
         ('00004', 'commune', 'Xã Bốn', '2020-01-01', 'Nghị quyết thử')",
    )
    .execute(&db.pool)
    .await
    .expect("official names");
    let slip = unit("00010", " xa  HOP thanh", &strip(103.9, 104.05));
    let renamed = unit("00004", "Xã 4", &strip(104.05, 104.1));

    let report = import(&db.pool, &file(&[slip, renamed]), &options("2025-07-01"), &operator())
        .await
        .expect("a warning only");

    let names: Vec<&Value> =
        report["notes"].as_array().expect("notes").iter().filter(|n| n["field"] == "name").collect();
    assert_eq!(names.len(), 2, "{report}");
    assert_eq!((names[0]["index"].clone(), names[0]["code"].clone()), (json!(0), json!("00010")));
    assert_eq!(names[0]["suggestion"], "Xã Hợp Thành");
    assert_eq!(names[0]["refuse"], false);
    assert!(names[0]["reason"].as_str().expect("reason").contains("differs only by diacritics"), "{report}");
    assert_eq!(names[1]["suggestion"], Value::Null, "Xã 4 is not a slip for Xã Bốn");
    assert!(names[1]["reason"].as_str().expect("reason").contains("Xã Bốn (Nghị quyết thử)"), "{report}");
    assert_eq!(report["applied"]["new"], json!(["00010"]));
}
