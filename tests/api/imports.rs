//! Point imports (CSV, GeoJSON) over HTTP and on the command line: all or nothing, every bad
//! record listed, swapped coordinates named, limits named; the database unchanged after every
//! refusal (see `writes::fingerprint`).
//!
//! Fixture: `seed_small` (province box lon 103.5-104.7, lat 21.8-22.9; commune 02635 west of
//! lon 104.0, 02644 east of it, lat 22.4-22.6); the editor's jurisdiction is commune 02644.

use antq_atlas::auth::Role;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sqlx::PgPool;
use tower::ServiceExt;

use crate::support::{app, as_user, seed_small, test_db, token};
use crate::writes::fingerprint;

/// POSTs `body` as `content_type` to `uri`; returns the status and the JSON answer.
pub async fn post(app: &Router, uri: &str, content_type: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("the router answers");
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn editor(pool: &PgPool) -> Router {
    seed_small(pool).await;
    as_user(app(pool.clone()), &token(pool, Role::Editor, &["02644"]).await)
}

fn feature(code: &str, lon: f64, lat: f64, category: &str) -> Value {
    json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [lon, lat] },
        "properties": { "code": code, "category": category, "observed_at": "2026-02-01T08:00:00+07:00" } })
}

/// 1,000 good points on a grid inside commune 02644.
fn thousand() -> Vec<Value> {
    (0..1000)
        .map(|i| {
            let (lon, lat) = (104.005 + f64::from(i % 40) * 0.002, 22.405 + f64::from(i / 40) * 0.007);
            feature(&format!("IMP-{i:04}"), lon, lat, "smuggling")
        })
        .collect()
}

fn collection(features: &[Value]) -> Vec<u8> {
    json!({ "type": "FeatureCollection", "features": features }).to_string().into_bytes()
}

#[tokio::test]
async fn a_thousand_features_with_bad_ones_are_refused_whole_with_every_bad_one_listed() {
    let db = test_db().await;
    let app = editor(&db.pool).await;
    let mut features = thousand();
    features[17] = feature("IMP-0017", 22.5, 104.05, "smuggling"); // latitude first
    features[250] = feature("IMP-0003", 104.05, 22.5, "smuggling"); // a code used twice
    features[500] = feature("IMP-0500", 103.95, 22.5, "smuggling"); // the next commune
    features[640] = feature("IMP-0640", 105.5, 21.0, "smuggling"); // beyond the province
    features[999] = feature("IMP-0999", 104.05, 22.5, "weather");
    let before = fingerprint(&db.pool).await;

    let (status, body) =
        post(&app, "/api/v1/key-points/import", "application/geo+json", collection(&features)).await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "invalid_features");
    assert_eq!(body["description"], "5 of 1000 records are invalid; nothing was imported");
    let listed: Vec<(u64, &str, &str)> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["index"].as_u64().expect("index"),
                e["id"].as_str().expect("id"),
                e["field"].as_str().expect("f"),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (17, "IMP-0017", "geometry"),
            (250, "IMP-0003", "code"),
            (500, "IMP-0500", "geometry"),
            (640, "IMP-0640", "geometry"),
            (999, "IMP-0999", "category")
        ]
    );
    let reasons: Vec<&str> =
        body["errors"].as_array().expect("errors").iter().map(|e| e["reason"].as_str().expect("r")).collect();
    assert_eq!(
        reasons[0],
        "latitude and longitude swapped: (22.5, 104.05) is outside the province, (104.05, 22.5) inside"
    );
    assert_eq!(reasons[1], "IMP-0003 is also the code of record 3");
    assert_eq!(reasons[2], "(103.95, 22.5) is outside your jurisdiction");
    assert_eq!(reasons[3], "(105.5, 21) is outside the province");
    assert_eq!(fingerprint(&db.pool).await, before, "nothing was written");
}

#[tokio::test]
async fn a_good_file_is_written_in_one_go_and_audited_once() {
    let db = test_db().await;
    let app = editor(&db.pool).await;
    let csv = "code,category,observed_at,lon,lat,description,severity\n\
               CSV-1,drugs,2026-02-01T08:00:00+07:00,104.05,22.5,\"Chợ, cổng sau\",4\n\
               CSV-2,smuggling,2026-02-02,104.06,22.45,,\n";

    let (status, body) = post(&app, "/api/v1/key-points/import", "text/csv", csv.as_bytes().to_vec()).await;

    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["inserted"], 2);
    let rows: Vec<(String, i16, String, String, String)> = sqlx::query_as(
        "select k.code, k.severity, k.description, to_char(k.observed_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), c.code
         from key_points k join admin_units c on c.id = k.commune_id where k.code like 'CSV-%' order by k.code",
    )
    .fetch_all(&db.pool)
    .await
    .expect("rows");
    assert_eq!(
        rows,
        [
            ("CSV-1".into(), 4, "Chợ, cổng sau".into(), "2026-02-01 01:00".into(), "02644".into()),
            ("CSV-2".into(), 2, String::new(), "2026-02-01 17:00".into(), "02644".into()),
        ]
    );
    let audit: Vec<(String, Value)> =
        sqlx::query_as("select username, details from audit_log where action = 'key_point.import'")
            .fetch_all(&db.pool)
            .await
            .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!((audit[0].0.as_str(), audit[0].1["inserted"].clone()), ("editor", json!(2)));
    // The statement-level history (migration 0021) keeps each new point's first version as the
    // row trigger did: the whole row, to_jsonb(row) — also with an area, which no import sets.
    sqlx::query(
        "update key_points set area = ST_Multi(ST_Buffer(location, 0.00123456789, 2)) where code = 'CSV-1'",
    )
    .execute(&db.pool)
    .await
    .expect("area");
    let (history, differing): (i64, i64) = sqlx::query_as(
        "select count(*), count(*) filter (where h.data <> to_jsonb(k) and h.version = 1
                                              or h.data <> key_point_history_json(k))
         from key_point_history h join key_points k on k.id = h.key_point_id and h.version = k.version
         where k.code like 'CSV-%'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("history");
    assert_eq!((history, differing), (2, 0));
}

#[tokio::test]
async fn malformed_files_are_400_naming_the_line_and_change_nothing() {
    let db = test_db().await;
    let app = editor(&db.pool).await;
    let before = fingerprint(&db.pool).await;
    let ragged =
        "code,category,observed_at,lon,lat\nA,drugs,2026-02-01,104.05,22.5\nB,drugs,2026-02-01,104.05\n";
    let broken = "{\"type\": \"FeatureCollection\",\n \"features\": [\n  {\"type\": \"Feature\",, }\n]}";

    let (csv_status, csv) = post(&app, "/api/v1/key-points/import", "text/csv", ragged.into()).await;
    let (json_status, json) =
        post(&app, "/api/v1/model-sites/import", "application/geo+json", broken.into()).await;
    let (list_status, list) =
        post(&app, "/api/v1/key-points/import", "application/json", b"{\"type\":\"Feature\"}".to_vec()).await;

    assert_eq!(csv_status, StatusCode::BAD_REQUEST, "{csv}");
    assert!(csv["description"].as_str().expect("text").starts_with("line 3 (record 1)"), "{csv}");
    assert_eq!(json_status, StatusCode::BAD_REQUEST, "{json}");
    assert!(json["description"].as_str().expect("text").starts_with("line 3, column"), "{json}");
    assert_eq!(list_status, StatusCode::BAD_REQUEST, "{list}");
    assert!(list["description"].as_str().expect("text").contains("FeatureCollection"), "{list}");
    assert_eq!(fingerprint(&db.pool).await, before);
}

#[tokio::test]
async fn bodies_and_feature_counts_over_the_limits_are_refused_with_the_limit_named() {
    let db = test_db().await;
    let app = editor(&db.pool).await;
    let before = fingerprint(&db.pool).await;
    let huge = vec![b' '; antq_atlas::imports::MAX_BODY_BYTES + 1];
    let many = "code,category,observed_at,lon,lat\n".to_owned()
        + &"X,drugs,2026-02-01,104.05,22.5\n".repeat(antq_atlas::imports::MAX_FEATURES + 1);

    let (big_status, big) = post(&app, "/api/v1/key-points/import", "text/csv", huge).await;
    let (many_status, over) = post(&app, "/api/v1/key-points/import", "text/csv", many.into_bytes()).await;

    assert_eq!(big_status, StatusCode::PAYLOAD_TOO_LARGE, "{big}");
    assert_eq!(big["description"], "the body is larger than the limit of 32 MiB");
    assert_eq!(many_status, StatusCode::UNPROCESSABLE_ENTITY, "{over}");
    assert!(over["description"].as_str().expect("text").contains("the limit is 100000"), "{over}");
    assert_eq!(fingerprint(&db.pool).await, before);
}

#[tokio::test]
async fn model_sites_import_from_geojson_and_unknown_fields_are_named() {
    let db = test_db().await;
    let app = editor(&db.pool).await;
    sqlx::query(
        "insert into model_types (code, name_vi, name_en) values ('watch', 'Tổ an ninh', 'Watch group')",
    )
    .execute(&db.pool)
    .await
    .expect("model type");
    let site = |code: &str, extra: Value| {
        let mut properties =
            json!({ "code": code, "type_code": "watch", "name": "Tổ an ninh thôn", "host_kind": "village" });
        properties.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
        json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [104.05, 22.5] }, "properties": properties })
    };
    let before = fingerprint(&db.pool).await;
    let bad = collection(&[
        site("MS-1", json!({ "colour": "red" })),
        site("MS-2", json!({ "effectiveness": "great" })),
    ]);

    let (status, body) = post(&app, "/api/v1/model-sites/import", "application/geo+json", bad).await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<(Value, &str)> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["index"].clone(), e["field"].as_str().expect("f")))
        .collect();
    assert_eq!(fields, [(Value::Null, "colour"), (json!(1), "effectiveness")]);
    assert_eq!(fingerprint(&db.pool).await, before);
    let good = collection(&[site("MS-1", json!({ "rated_year": 2025, "effectiveness": "fair" }))]);
    let (status, body) = post(&app, "/api/v1/model-sites/import", "application/geo+json", good).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let commune: String = sqlx::query_scalar(
        "select c.code from model_sites s join admin_units c on c.id = s.commune_id where s.code = 'MS-1'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("commune");
    assert_eq!(commune, "02644");
}

#[tokio::test]
async fn the_command_line_imports_a_csv_and_lists_every_problem_of_a_bad_one() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let dir = tempfile::tempdir().expect("dir");
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "code,category,observed_at,lon,lat\nCLI-1,drugs,2026-02-01,103.95,22.5\n")
        .expect("write");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "code,category,observed_at,lon,lat\nCLI-2,drugs,yesterday,103.95,22.5\nCLI-3,drugs,2026-02-01,22.5,103.95\n")
        .expect("write");
    let antq = |file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_antq"))
            .args(["import", "points"])
            .arg(file)
            .args(["--layer", "key_points"])
            .env("DATABASE_URL", &db.url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run antq")
    };

    let ok = antq(&good);
    let before = fingerprint(&db.pool).await;
    let refused = antq(&bad);

    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(
        String::from_utf8_lossy(&ok.stdout).starts_with("imported 1 KeyPoints"),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("record 0 (line 2) [CLI-2] observed_at"), "{stderr}");
    assert!(
        stderr.contains("record 1 (line 3) [CLI-3] geometry: latitude and longitude swapped"),
        "{stderr}"
    );
    assert_eq!(fingerprint(&db.pool).await, before);
}
