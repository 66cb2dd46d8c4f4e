//! The analysis layers `commune_stats`, `patrol_effort`, `border_coverage`, `coverage_gaps` and
//! `gaps` through the registry, on the world of `coverage` (see its module documentation for the
//! arithmetic): items, tiles, exports, parameters and permissions.

use axum::http::StatusCode;
use serde_json::Value;

use crate::coverage::world_app;
use crate::support::{get_json, get_raw};
use antq_atlas::auth::Role;

const JUNE: &str = "datetime=2020-06-01/2020-06-30";

/// The features' properties, by the value of `key`.
fn by<'a>(body: &'a Value, key: &str, value: &str) -> Vec<&'a Value> {
    body["features"]
        .as_array()
        .unwrap_or_else(|| panic!("no features in {body}"))
        .iter()
        .map(|f| &f["properties"])
        .filter(|p| p[key] == value)
        .collect()
}

fn num(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

#[tokio::test]
async fn border_coverage_and_gaps_through_the_registry() {
    let (_db, app) = world_app(Role::Analyst, &[]).await;
    let (status, body) = get_json(&app, &format!("/api/v1/collections/border_coverage/items?{JUNE}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let t1 = by(&body, "code", "BG-T1")[0];
    // 4,458.3 m of 10,000 (coverage::COVERED_M), last patrolled 2020-06-10, 20 days before 06-30.
    assert!((num(t1, "share") - 0.4458).abs() < 3e-4, "{t1}");
    assert_eq!(
        (&t1["last_patrolled"], &t1["days_since_patrolled"]),
        (&Value::from("2020-06-10"), &Value::from(20))
    );
    assert_eq!(t1["window_start"], "2020-05-31T17:00:00Z");
    let (_, narrow) =
        get_json(&app, &format!("/api/v1/collections/border_coverage/items?{JUNE}&width=150")).await;
    assert_eq!(by(&narrow, "code", "BG-T1")[0]["share"], 0.0);
    // Without a window: the last 30 days up to today, when nobody patrolled.
    let (_, now) = get_json(&app, "/api/v1/collections/border_coverage/items").await;
    assert_eq!(by(&now, "code", "BG-T1")[0]["share"], 0.0);
    assert_eq!(by(&now, "code", "BG-T1")[0]["last_patrolled"], "2020-06-10");

    let (status, gaps) = get_json(&app, &format!("/api/v1/collections/coverage_gaps/items?{JUNE}")).await;
    assert_eq!(status, StatusCode::OK, "{gaps}");
    let stretches = by(&gaps, "segment_code", "BG-T1");
    assert_eq!(stretches.len(), 2, "{gaps}");
    let uncovered: f64 = stretches.iter().map(|s| num(s, "length_m")).sum();
    assert!((uncovered + num(t1, "covered_m") - num(t1, "length_m")).abs() < 0.2, "{gaps}");
    assert_eq!(gaps["features"][0]["geometry"]["type"], "LineString");
}

#[tokio::test]
async fn parameters_are_validated_with_a_reason() {
    let (_db, app) = world_app(Role::Analyst, &[]).await;
    for (uri, name) in [
        ("/api/v1/collections/border_coverage/items?width=-5", "width"),
        ("/api/v1/collections/border_coverage/items?width=100000", "width"),
        ("/api/v1/collections/coverage_gaps/items?width=wide", "width"),
        ("/api/v1/collections/border_coverage/items?widht=500", "widht"),
        ("/api/v1/collections/border_coverage/items?datetime=2020-06-30/2020-06-01", "datetime"),
        ("/api/v1/collections/patrol_effort/items?cell=1", "cell"),
        ("/api/v1/collections/commune_stats/items?category=weather", "category"),
        ("/api/v1/collections/gaps/items?days=0", "days"),
        ("/api/v1/collections/gaps/tiles/WebMercatorQuad/6/27/50?days=-1", "days"),
        ("/api/v1/collections/border_coverage/export?f=csv&width=-5", "width"),
    ] {
        let (status, body) = get_json(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert!(body["description"].as_str().unwrap_or_default().contains(name), "{uri}: {body}");
    }
    // The collection describes its parameters for clients that build controls.
    let (_, meta) = get_json(&app, "/api/v1/collections/border_coverage").await;
    let width = meta["parameters"].as_array().and_then(|p| p.iter().find(|p| p["name"] == "width")).cloned();
    let width = width.unwrap_or_else(|| panic!("no width in {meta}"));
    assert_eq!(
        (&width["minimum"], &width["maximum"], &width["default"]),
        (&10.0.into(), &5000.0.into(), &500.0.into())
    );
}

#[tokio::test]
async fn gaps_of_each_kind_on_the_constructed_world() {
    let (_db, app) = world_app(Role::Analyst, &[]).await;
    let (status, body) = get_json(&app, "/api/v1/collections/gaps/items?as_of=2020-06-30").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let codes = |kind: &str| -> Vec<String> {
        by(&body, "kind", kind).iter().filter_map(|p| p["code"].as_str().map(str::to_owned)).collect()
    };
    // 90001 is key with only a fair model; 90002 is key with an effective one.
    assert_eq!(codes("key_commune_no_effective_model"), ["90001"]);
    // 9000102 holds M1; 9000101 holds none.
    assert_eq!(codes("difficult_village_no_model"), ["9000101"]);
    // BG-T1 was patrolled 20 days before (< 30); BG-T2 never.
    assert_eq!(codes("border_not_patrolled"), ["BG-T2"]);
    assert_eq!(by(&body, "code", "BG-T2")[0]["detail"], "Chưa có chuyến tuần tra nào");
    let (_, ten) = get_json(&app, "/api/v1/collections/gaps/items?as_of=2020-06-30&days=10").await;
    let t1 = by(&ten, "code", "BG-T1");
    assert_eq!(t1.len(), 1, "{ten}");
    assert_eq!(t1[0]["days_since_patrolled"], 20);
    assert_eq!(t1[0]["detail"], "Tuần tra gần nhất 10/06/2020 (20 ngày)");
    // The shared property filter works on the output.
    let (_, only) =
        get_json(&app, "/api/v1/collections/gaps/items?as_of=2020-06-30&kind=border_not_patrolled").await;
    assert_eq!(only["numberMatched"], 1);
}

#[tokio::test]
async fn commune_rates_match_an_independent_count() {
    let (_db, app) = world_app(Role::Analyst, &[]).await;
    let (status, body) =
        get_json(&app, &format!("/api/v1/collections/commune_stats/items?as_of=2020-06-30&{JUNE}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for (code, population) in [("90001", Some(2000.0)), ("90002", None)] {
        // Independently: the key point layer's count of the same window, by derived commune.
        let (_, kp) = get_json(
            &app,
            &format!("/api/v1/collections/key_points/items?commune_code={code}&{JUNE}&limit=1"),
        )
        .await;
        let count = kp["numberMatched"].as_i64().expect("count");
        let row = by(&body, "code", code)[0];
        assert_eq!(row["key_points"].as_i64(), Some(count), "{code}");
        match population {
            Some(p) => assert!(
                (num(row, "rate_per_1000") - 1000.0 * f64::from(i32::try_from(count).expect("small")) / p)
                    .abs()
                    < 1e-3
            ),
            None => assert_eq!(row["rate_per_1000"], Value::Null),
        }
    }
    // K1 and K2 are drugs: 2 per 2,000 = 1.0.
    let (_, drugs) = get_json(
        &app,
        &format!("/api/v1/collections/commune_stats/items?as_of=2020-06-30&{JUNE}&category=drugs"),
    )
    .await;
    assert_eq!(by(&drugs, "code", "90001")[0]["rate_per_1000"], 1.0);
    // Without a window: every key point up to the as-of date, K6 of 2019 too (K5 is archived).
    let (_, all) = get_json(&app, "/api/v1/collections/commune_stats/items?as_of=2020-06-30").await;
    assert_eq!(by(&all, "code", "90001")[0]["key_points"], 4);
}

#[tokio::test]
async fn patrol_effort_grid_adds_up_to_the_km_walked() {
    let (_db, app) = world_app(Role::Analyst, &[]).await;
    let (status, body) =
        get_json(&app, &format!("/api/v1/collections/patrol_effort/items?{JUNE}&limit=1000")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cells = body["features"].as_array().expect("features");
    // Two 4 km tracks, measured in EPSG:32648 where they are exactly 4,000 m; each cell's km is
    // rounded to the metre.
    let km: f64 = cells.iter().map(|c| num(&c["properties"], "km")).sum();
    assert!(
        (km - 8.0).abs() < 0.001 * f64::from(u32::try_from(cells.len()).expect("few")),
        "{km} km in {} cells",
        cells.len()
    );
    // A 1 km hexagon is about 2 km across: a 4 km line crosses at least two.
    assert!(cells.len() >= 4, "{body}");
    let (_, coarse) =
        get_json(&app, &format!("/api/v1/collections/patrol_effort/items?{JUNE}&cell=20000&limit=1000"))
            .await;
    let coarse_km: f64 =
        coarse["features"].as_array().expect("features").iter().map(|c| num(&c["properties"], "km")).sum();
    assert!((coarse_km - 8.0).abs() < 0.01, "{coarse}");
}

#[tokio::test]
async fn each_layer_serves_tiles_and_exports() {
    let (db, app) = world_app(Role::Analyst, &[]).await;
    for (layer, query) in [
        ("commune_stats", "as_of=2020-06-30&datetime=2020-06-01/2020-06-30"),
        ("patrol_effort", "datetime=2020-06-01/2020-06-30"),
        ("border_coverage", "datetime=2020-06-01/2020-06-30"),
        ("coverage_gaps", "datetime=2020-06-01/2020-06-30"),
        ("gaps", "as_of=2020-06-30"),
    ] {
        // The world (lon 103.9-104.3, lat 22.5-22.8) lies in the zoom-6 tile x 50, y 27.
        let (status, _, tile) =
            get_raw(&app, &format!("/api/v1/collections/{layer}/tiles/WebMercatorQuad/6/27/50?{query}"), &[])
                .await;
        assert_eq!(status, StatusCode::OK, "{layer}");
        let reader = mvt_reader::Reader::new(tile).expect("a valid MVT");
        assert!(!reader.get_features(0).expect("features").is_empty(), "{layer}");
        let (_, items) =
            get_json(&app, &format!("/api/v1/collections/{layer}/items?{query}&limit=1000")).await;
        let n = items["features"].as_array().map_or(0, Vec::len);
        assert!(n > 0, "{layer}: {items}");
        let (status, headers, csv) =
            get_raw(&app, &format!("/api/v1/collections/{layer}/export?f=csv&{query}"), &[]).await;
        assert_eq!(status, StatusCode::OK, "{layer}");
        assert!(headers["content-disposition"].to_str().is_ok_and(|d| d.contains(layer)));
        assert_eq!(String::from_utf8_lossy(&csv).trim_end().split("\r\n").count(), n + 1, "{layer}");
    }
    let exports: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'export'")
        .fetch_one(&db.pool)
        .await
        .expect("audit");
    assert_eq!(exports, 5);
}

#[tokio::test]
async fn viewers_are_refused_and_editors_see_their_jurisdiction() {
    let (db, editor) = world_app(Role::Editor, &["90002"]).await;
    // The gaps of the world lie in 90001 (the commune, village 9000101 and BG-T2's middle).
    let (status, body) = get_json(&editor, "/api/v1/collections/gaps/items?as_of=2020-06-30").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["numberMatched"], 0, "{body}");
    let analyst = crate::support::as_user(
        crate::support::app(db.pool.clone()),
        &crate::support::token(&db.pool, Role::Analyst, &[]).await,
    );
    assert_eq!(
        get_json(&analyst, "/api/v1/collections/gaps/items?as_of=2020-06-30").await.1["numberMatched"],
        3
    );
    let viewer = crate::support::as_user(
        crate::support::app(db.pool.clone()),
        &crate::support::token(&db.pool, Role::Viewer, &[]).await,
    );
    for layer in ["commune_stats", "patrol_effort", "border_coverage", "coverage_gaps", "gaps"] {
        let (status, _) = get_json(&viewer, &format!("/api/v1/collections/{layer}/items")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{layer}");
        let (status, _, _) =
            get_raw(&viewer, &format!("/api/v1/collections/{layer}/tiles/WebMercatorQuad/6/27/50"), &[])
                .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{layer}");
    }
    let (_, list) = get_json(&viewer, "/api/v1/collections").await;
    assert!(!list.to_string().contains("border_coverage"), "{list}");
}
