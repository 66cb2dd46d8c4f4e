//! Offline area packages (`http/packages.rs`, `layers/packages.rs`): the MBTiles download read
//! by GDAL's `ogrinfo` (layer names and feature counts), the jurisdiction's refusal, the roles'
//! layers, the estimate, the bounds and the audit. Over `seed_small`: communes 02635 (west,
//! 103.9-104.0) and 02644 (east, 104.0-104.1), 40 key points on an 8 x 5 grid, 20 in each.

use std::process::Command;

use antq_atlas::auth::Role;
use antq_atlas::spatial::{BBox, TileCoord};
use axum::http::StatusCode;

use crate::support::{app, as_user, get_json, get_raw, seed_small, test_db, token};

/// `ogrinfo -ro -so -al` of `path`: each layer's name and feature count.
fn ogrinfo(path: &std::path::Path) -> Vec<(String, u64)> {
    let out =
        Command::new("ogrinfo").args(["-ro", "-so", "-al"]).arg(path).output().unwrap_or_else(|e| {
            panic!("ogrinfo is not installed (scripts/deps.sh test installs gdal-bin): {e}")
        });
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "ogrinfo failed: {}\n{text}", String::from_utf8_lossy(&out.stderr));
    let mut layers = Vec::new();
    let mut name = None;
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("Layer name: ") {
            name = Some(n.trim().to_owned());
        }
        if let Some(c) = line.strip_prefix("Feature Count: ") {
            layers.push((name.take().expect("a layer's name first"), c.trim().parse().expect("count")));
        }
    }
    layers
}

/// The distinct `code`s of `layer` in the package `path`, as `ogrinfo` lists its features: a
/// point near a tile's edge is in the neighbour's buffer too, so counting features may count
/// it twice.
fn codes(path: &std::path::Path, layer: &str) -> std::collections::BTreeSet<String> {
    let out = Command::new("ogrinfo")
        .args(["-ro", "-al", "-q", "-geom=NO", "-where", "1=1"])
        .arg(path)
        .arg(layer)
        .output()
        .expect("ogrinfo");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("code (String) = ").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn an_analysts_package_opens_in_ogrinfo_with_each_layer_and_the_communes_key_points_only() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let uri = "/api/v1/packages/area.mbtiles?communes=02644&as_of=2020-06-01&minzoom=10&maxzoom=13";

    let (status, headers, body) = get_raw(&analyst, uri, &[]).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers["content-type"], "application/vnd.sqlite3");
    assert!(
        headers["content-disposition"]
            .to_str()
            .is_ok_and(|d| d.contains("antq_02644_20200601_z10-13.mbtiles"))
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("package.mbtiles");
    std::fs::write(&path, &body).expect("write");

    let layers = ogrinfo(&path);
    let count = |id: &str| layers.iter().find(|(n, _)| n == id).map(|(_, c)| *c);
    for id in ["provinces", "communes", "border_segments", "key_points", "model_sites", "patrol_tracks"] {
        assert!(count(id).is_some(), "ogrinfo lists {id}: {layers:?}");
    }
    assert!(!layers.iter().any(|(n, _)| n == "hotspots"), "analyses stay online: {layers:?}");
    // GDAL reads the deepest zoom, clipped to each tile: each key point once. The 20 of 02644
    // only: the restricted records are those of the chosen communes, though the tiles reach
    // into 02635.
    assert_eq!(count("key_points"), Some(20), "{layers:?}");
    assert!(count("communes").is_some_and(|c| c >= 1), "{layers:?}");

    let logged: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'export' and target = 'package'
           and details->'communes'->0->>'code' = '02644' and (details->>'maxzoom')::int = 13",
    )
    .fetch_one(&db.pool)
    .await
    .expect("audit");
    assert_eq!(logged, 1, "the download is audited as an export");
}

#[tokio::test]
async fn the_estimate_counts_the_tiles_and_each_role_gets_its_own_layers() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let (status, body) =
        get_json(&analyst, "/api/v1/packages/estimate?communes=02635,02644&minzoom=10&maxzoom=14").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let area = BBox { min_x: 103.9, min_y: 22.4, max_x: 104.1, max_y: 22.6, srid: 4326 };
    let expected: usize = (10..=14).map(|z| TileCoord::covering(&area, z).expect("tiles").count()).sum();
    assert_eq!(body["tiles"].as_u64(), Some(expected as u64), "{body}");
    assert!(body["bytes_estimate"].as_u64().is_some_and(|b| b > 32 * 1024), "{body}");
    assert_eq!(body["communes"][1]["name"], "Phường Cốc Lếu");
    let layers = |b: &serde_json::Value| -> Vec<String> {
        b["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .map(|l| l.as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert!(layers(&body).contains(&"key_points".to_owned()));

    let patrol = as_user(app(db.pool.clone()), &token(&db.pool, Role::Patrol, &["02635"]).await);
    let (status, body) = get_json(&patrol, "/api/v1/packages/estimate?communes=02635").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let layers = layers(&body);
    assert!(layers.contains(&"patrol_tracks".to_owned()) && layers.contains(&"border_segments".to_owned()));
    assert!(
        !layers.contains(&"key_points".to_owned()) && !layers.contains(&"model_sites".to_owned()),
        "{layers:?}"
    );
}

#[tokio::test]
async fn a_commune_outside_the_jurisdiction_is_refused_by_name_and_bad_requests_say_what_is_wrong() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let editor = as_user(app(db.pool.clone()), &token(&db.pool, Role::Editor, &["02635"]).await);
    for route in ["estimate", "area.mbtiles"] {
        let (status, body) =
            get_json(&editor, &format!("/api/v1/packages/{route}?communes=02635,02644")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{route}: {body}");
        let why = body["description"].as_str().unwrap_or_default();
        assert!(why.contains("02644") && !why.contains("02635"), "{why}");
    }
    let (status, _) = get_json(&editor, "/api/v1/packages/estimate?communes=02635&maxzoom=12").await;
    assert_eq!(status, StatusCode::OK);

    // An analyst reads everywhere, so the bounds are met rather than the jurisdiction.
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    for (query, status, says) in [
        ("minzoom=10", StatusCode::BAD_REQUEST, "communes: required"),
        ("communes=02635;drop", StatusCode::BAD_REQUEST, "is not a commune code"),
        ("communes=02635&maxzoom=99", StatusCode::UNPROCESSABLE_ENTITY, "maxzoom 99"),
        ("communes=02635&minzoom=14&maxzoom=12", StatusCode::UNPROCESSABLE_ENTITY, "minzoom <= maxzoom"),
        ("communes=02635,02644&maxzoom=18", StatusCode::UNPROCESSABLE_ENTITY, "more than 20000 tiles"),
        ("communes=02635,99999", StatusCode::UNPROCESSABLE_ENTITY, "no commune 99999"),
        ("communes=02635&as_of=2020-13-01", StatusCode::BAD_REQUEST, "as_of"),
        ("communes=02635&zoom=3", StatusCode::BAD_REQUEST, "unknown parameter 'zoom'"),
    ] {
        let (got, body) = get_json(&analyst, &format!("/api/v1/packages/estimate?{query}")).await;
        assert_eq!(got, status, "{query}: {body}");
        assert!(body["description"].as_str().is_some_and(|d| d.contains(says)), "{query}: {body}");
    }
    let anonymous = app(db.pool.clone());
    let (status, _) = get_json(&anonymous, "/api/v1/packages/estimate?communes=02635").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// Key points of `seed_small` within 2,500 m of BS-1 (distances in UTM 48N: the nearest left out
/// is 2,974 m away, the farthest kept 2,273 m): five in each commune.
const NEAR_BS1: usize = 10;

#[tokio::test]
async fn a_stretch_of_border_holds_the_records_within_its_width_and_a_bound_caller_gets_its_own_part() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    // A second segment, inside 02644 only.
    sqlx::query(
        "insert into border_segments (code, name, geom)
         values ('BS-2', 'Đoạn Cốc Lếu', ST_GeomFromText('LINESTRING(104.05 22.45,104.09 22.46)', 4326))",
    )
    .execute(&db.pool)
    .await
    .expect("segment");
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let (status, body) =
        get_json(&analyst, "/api/v1/packages/estimate?segments=BS-1&width=2500&maxzoom=13").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["segments"][0]["code"], "BS-1", "{body}");
    assert_eq!(body["width"], 2500.0, "{body}");
    let communes: Vec<&str> =
        body["communes"].as_array().expect("communes").iter().filter_map(|c| c["code"].as_str()).collect();
    assert_eq!(communes, ["02635", "02644"], "the communes the stretch reaches into");

    let package = |who: &axum::Router, query: &'static str| {
        let who = who.clone();
        async move {
            let (status, _, body) =
                get_raw(&who, &format!("/api/v1/packages/area.mbtiles?{query}&maxzoom=13"), &[]).await;
            assert_eq!(status, StatusCode::OK, "{query}: {}", String::from_utf8_lossy(&body));
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("p.mbtiles");
            std::fs::write(&path, &body).expect("write");
            codes(&path, "key_points")
        }
    };
    let near = package(&analyst, "segments=BS-1&width=2500").await;
    assert_eq!(near.len(), NEAR_BS1, "{near:?}");

    // An editor of 02635: BS-1 meets its commune, so it may; its records stop at 02635.
    let editor = as_user(app(db.pool.clone()), &token(&db.pool, Role::Editor, &["02635"]).await);
    let own = package(&editor, "segments=BS-1&width=2500").await;
    assert_eq!(own.len(), NEAR_BS1 / 2, "{own:?}");
    assert!(own.is_subset(&near));
    for route in ["estimate", "area.mbtiles"] {
        let (status, body) = get_json(&editor, &format!("/api/v1/packages/{route}?segments=BS-1,BS-2")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{route}: {body}");
        let why = body["description"].as_str().unwrap_or_default();
        assert!(
            why.contains("segments outside your jurisdiction")
                && why.contains("BS-2")
                && !why.contains("BS-1"),
            "{why}"
        );
    }

    for (query, status, says) in [
        ("communes=02635&segments=BS-1", StatusCode::BAD_REQUEST, "communes or segments: one of them"),
        ("segments=BS-1&width=50", StatusCode::BAD_REQUEST, "width: '50'"),
        ("segments=BS-1&width=NaN", StatusCode::BAD_REQUEST, "width: 'NaN'"),
        ("communes=02635&width=1000", StatusCode::BAD_REQUEST, "width: only with segments"),
        ("segments=BS-1;x", StatusCode::BAD_REQUEST, "segments: 'BS-1;x'"),
        ("segments=", StatusCode::BAD_REQUEST, "segments:"),
        ("segments=BS-1,BS-9", StatusCode::UNPROCESSABLE_ENTITY, "no border segment BS-9"),
        ("segments=BS-8,BS-9", StatusCode::UNPROCESSABLE_ENTITY, "none of BS-8, BS-9"),
    ] {
        let (got, body) = get_json(&analyst, &format!("/api/v1/packages/estimate?{query}")).await;
        assert_eq!(got, status, "{query}: {body}");
        assert!(body["description"].as_str().is_some_and(|d| d.contains(says)), "{query}: {body}");
    }
}
