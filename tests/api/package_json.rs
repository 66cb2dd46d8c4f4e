//! The web map's offline area package (`GET /api/v1/packages/area.json`, `http/package_json.rs`):
//! its layers by role, its restricted records by commune, the jurisdiction's refusal and the
//! audit. Over `seed_small`: communes 02635 (west, 103.9-104.0) and 02644 (east, 104.0-104.1),
//! 40 key points on an 8 x 5 grid, 20 in each.

use antq_atlas::auth::Role;
use axum::http::StatusCode;
use serde_json::Value;

use crate::support::{app, as_user, get_json, get_raw, seed_small, test_db, token};

/// The package's layers by id, each a `FeatureCollection`.
fn layers_of(package: &Value) -> Vec<(String, Vec<Value>)> {
    package["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| {
            assert_eq!(l["type"], "FeatureCollection", "{l}");
            (
                l["name"].as_str().expect("name").to_owned(),
                l["features"].as_array().expect("features").clone(),
            )
        })
        .collect()
}

fn features<'a>(layers: &'a [(String, Vec<Value>)], id: &str) -> Option<&'a Vec<Value>> {
    layers.iter().find(|(n, _)| n == id).map(|(_, f)| f)
}

/// JSON package downloads in the audit log whose first `key` (communes, segments) is `code`.
async fn exports(pool: &sqlx::PgPool, key: &str, code: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*) from audit_log where action = 'export' and target = 'package'
           and details->>'format' = 'json' and details->$1->0->>'code' = $2",
    )
    .bind(key)
    .bind(code)
    .fetch_one(pool)
    .await
    .expect("audit")
}

#[tokio::test]
async fn an_analysts_package_holds_each_layer_as_the_items_route_gives_it_and_the_communes_key_points_only() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);

    let (status, headers, body) =
        get_raw(&analyst, "/api/v1/packages/area.json?communes=02644&as_of=2020-06-01", &[]).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["cache-control"], "private, no-store");
    let package: Value = serde_json::from_slice(&body).expect("the package is one JSON document");
    assert_eq!(package["type"], "antq-package");
    assert_eq!(package["as_of"], "2020-06-01");
    assert_eq!(package["communes"][0]["name"], "Phường Cốc Lếu");
    // The outline is the commune's square, counter-clockwise (RFC 7946), as seeded.
    assert_eq!(
        package["area"],
        serde_json::json!({"type": "Polygon", "coordinates": [[[104, 22.4], [104.1, 22.4], [104.1, 22.6], [104, 22.6], [104, 22.4]]]})
    );
    assert_eq!(package["bbox"], serde_json::json!([104.0, 22.4, 104.1, 22.6]));

    let layers = layers_of(&package);
    for id in ["provinces", "communes", "border_segments", "key_points", "model_sites", "patrol_tracks"] {
        assert!(features(&layers, id).is_some(), "the package holds {id}");
    }
    assert!(features(&layers, "hotspots").is_none(), "analyses stay online");
    let names: Vec<&str> = layers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(package["layer_ids"], serde_json::json!(names), "the head lists the layers that follow");

    // Known answer: the items route's page of the same box (no key point lies on x = 104.0) is
    // the package's layer, feature for feature. The 20 of 02644, though the analyst reads all 40.
    let key_points = features(&layers, "key_points").expect("key points");
    assert_eq!(key_points.len(), 20);
    let (status, page) =
        get_json(&analyst, "/api/v1/collections/key_points/items?limit=10000&bbox=104.0,22.4,104.1,22.6")
            .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["features"].as_array(), Some(key_points), "the items route's features");
    // The boundaries around the area come along for context: both communes touch its box.
    let communes: Vec<&str> = features(&layers, "communes")
        .expect("communes")
        .iter()
        .filter_map(|f| f["properties"]["code"].as_str())
        .collect();
    assert!(communes.contains(&"02644"), "{communes:?}");

    assert_eq!(exports(&db.pool, "communes", "02644").await, 1, "the download is audited as an export");
}

#[tokio::test]
async fn an_editor_gets_its_own_commune_and_is_refused_another_by_name_and_each_role_its_layers() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let editor = as_user(app(db.pool.clone()), &token(&db.pool, Role::Editor, &["02635"]).await);
    let (status, body) = get_json(&editor, "/api/v1/packages/area.json?communes=02635,02644").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let why = body["description"].as_str().unwrap_or_default();
    assert!(why.contains("02644") && !why.contains("02635"), "{why}");
    let (status, body) = get_json(&editor, "/api/v1/packages/area.json?communes=02644").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let refused: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'export' and target = 'package' and outcome = 'ok'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("audit");
    assert_eq!(refused, 0, "a refusal exports nothing");

    let (status, package) =
        get_json(&editor, "/api/v1/packages/area.json?communes=02635&as_of=2020-06-01").await;
    assert_eq!(status, StatusCode::OK, "{package}");
    let layers = layers_of(&package);
    let key_points = features(&layers, "key_points").expect("an editor reads key points");
    assert_eq!(key_points.len(), 20);
    assert!(
        key_points.iter().all(|f| f["geometry"]["coordinates"][0].as_f64().is_some_and(|x| x < 104.0)),
        "only 02635's key points"
    );

    let patrol = as_user(app(db.pool.clone()), &token(&db.pool, Role::Patrol, &["02635"]).await);
    let (status, package) =
        get_json(&patrol, "/api/v1/packages/area.json?communes=02635&as_of=2020-06-01").await;
    assert_eq!(status, StatusCode::OK, "{package}");
    let layers = layers_of(&package);
    assert_eq!(features(&layers, "patrol_tracks").map(Vec::len), Some(1), "the track crosses 02635");
    assert!(features(&layers, "border_segments").is_some_and(|f| f.len() == 1));
    assert!(features(&layers, "key_points").is_none() && features(&layers, "model_sites").is_none());

    let viewer = as_user(app(db.pool.clone()), &token(&db.pool, Role::Viewer, &[]).await);
    let (status, package) = get_json(&viewer, "/api/v1/packages/area.json?communes=02644").await;
    assert_eq!(status, StatusCode::OK, "{package}");
    let layers = layers_of(&package);
    assert!(features(&layers, "model_sites").is_some() && features(&layers, "key_points").is_none());

    for (query, status, says) in [
        ("as_of=2020-06-01", StatusCode::BAD_REQUEST, "communes: required"),
        ("communes=02635,99999", StatusCode::UNPROCESSABLE_ENTITY, "no commune 99999"),
        ("communes=02635&as_of=1990-01-01", StatusCode::UNPROCESSABLE_ENTITY, "is a commune on 1990-01-01"),
        ("communes=02635&bbox=1,2,3,4", StatusCode::BAD_REQUEST, "unknown parameter 'bbox'"),
    ] {
        let (got, body) = get_json(&viewer, &format!("/api/v1/packages/area.json?{query}")).await;
        assert_eq!(got, status, "{query}: {body}");
        assert!(body["description"].as_str().is_some_and(|d| d.contains(says)), "{query}: {body}");
    }
    let (status, _) = get_json(&app(db.pool.clone()), "/api/v1/packages/area.json?communes=02635").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_stretch_of_border_package_names_its_segments_and_holds_the_key_points_within_its_width() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let (status, package) =
        get_json(&analyst, "/api/v1/packages/area.json?segments=BS-1&width=2500&as_of=2020-06-01").await;
    assert_eq!(status, StatusCode::OK, "{package}");
    assert_eq!(package["segments"][0]["code"], "BS-1", "{}", package["segments"]);
    assert_eq!(package["width"], 2500.0);
    let communes: Vec<&str> =
        package["communes"].as_array().expect("communes").iter().filter_map(|c| c["code"].as_str()).collect();
    assert_eq!(communes, ["02635", "02644"], "the communes the stretch reaches into");
    // The same ten as the MBTiles package of this stretch (tests/api/packages.rs, NEAR_BS1).
    let layers = layers_of(&package);
    assert_eq!(features(&layers, "key_points").map(Vec::len), Some(10));

    // An editor of 02635: its part of the stretch only.
    let editor = as_user(app(db.pool.clone()), &token(&db.pool, Role::Editor, &["02635"]).await);
    let (status, package) = get_json(&editor, "/api/v1/packages/area.json?segments=BS-1&width=2500").await;
    assert_eq!(status, StatusCode::OK, "{package}");
    let layers = layers_of(&package);
    assert_eq!(features(&layers, "key_points").map(Vec::len), Some(5));
    assert_eq!(exports(&db.pool, "segments", "BS-1").await, 2, "both downloads audited with their stretch");
}
