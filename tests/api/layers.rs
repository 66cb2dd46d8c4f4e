//! The layer endpoints (OGC API – Features, vector tiles, exports) over `seed_small`.

use std::collections::HashSet;

use axum::http::StatusCode;
use serde_json::Value;

use antq_atlas::auth::Role;

use crate::support::{app, as_user, get_json, get_raw, seed_small, test_db, token};

/// The small fixture, read by an analyst (every layer, everywhere).
async fn seeded() -> (crate::support::TestDb, axum::Router) {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let analyst = token(&db.pool, Role::Analyst, &[]).await;
    let router = as_user(app(db.pool.clone()), &analyst);
    (db, router)
}

fn ids(body: &Value) -> Vec<i64> {
    body["features"].as_array().expect("features").iter().map(|f| f["id"].as_i64().expect("id")).collect()
}

#[tokio::test]
async fn landing_conformance_and_collections_describe_the_registry() {
    let (_db, app) = seeded().await;
    let (status, landing) = get_json(&app, "/api/v1").await;
    assert_eq!(status, StatusCode::OK);
    let rels: Vec<&str> =
        landing["links"].as_array().expect("links").iter().filter_map(|l| l["rel"].as_str()).collect();
    for rel in ["self", "service-desc", "conformance", "data"] {
        assert!(rels.contains(&rel), "landing page lacks rel={rel}");
    }
    let (_, conf) = get_json(&app, "/api/v1/conformance").await;
    assert!(
        conf["conformsTo"]
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c.as_str().is_some_and(|c| c.ends_with("/conf/geojson")))
    );

    let (status, body) = get_json(&app, "/api/v1/collections").await;
    assert_eq!(status, StatusCode::OK);
    let collections = body["collections"].as_array().expect("collections");
    let ids: Vec<&str> = collections.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "provinces",
            "districts",
            "communes",
            "villages",
            "border_segments",
            "border_markers",
            "border_posts",
            "key_points",
            "model_sites",
            "patrol_routes",
            "patrol_tracks",
            "hotspots",
            "emerging_hotspots",
            "commune_stats",
            "patrol_effort",
            "border_coverage",
            "coverage_gaps",
            "gaps",
            "plan_coverage",
            "plan_conflicts"
        ]
    );
    let communes = &collections[2];
    assert_eq!(communes["titles"]["vi"], "Xã, phường, thị trấn");
    let bbox = &communes["extent"]["spatial"]["bbox"][0];
    assert_eq!(bbox.as_array().map(Vec::len), Some(4));
    assert!((bbox[0].as_f64().expect("xmin") - 103.9).abs() < 1e-9);
    let key_points = &collections[7];
    assert_eq!(key_points["extent"]["temporal"]["interval"][0][0], "2020-01-06T02:00:00Z");
}

#[tokio::test]
async fn paging_walks_every_feature_exactly_once_and_number_matched_is_exact() {
    let (db, app) = seeded().await;
    let mut url = "/api/v1/collections/key_points/items?limit=7".to_owned();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let (status, body) = get_json(&app, &url).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["numberMatched"], 40);
        assert_eq!(
            body["numberReturned"].as_u64(),
            Some(body["features"].as_array().expect("f").len() as u64)
        );
        seen.extend(ids(&body));
        pages += 1;
        let next = body["links"].as_array().expect("links").iter().find(|l| l["rel"] == "next");
        match next {
            Some(link) => {
                let href = link["href"].as_str().expect("href");
                url = href
                    .split_once("/api/v1")
                    .map(|(_, rest)| format!("/api/v1{rest}"))
                    .expect("absolute link");
            }
            None => break,
        }
    }
    let expected: Vec<i64> =
        sqlx::query_scalar("select id from key_points order by id").fetch_all(&db.pool).await.expect("ids");
    assert_eq!(pages, 6);
    let (_, first) = get_json(&app, "/api/v1/collections/key_points/items?limit=7&category=drugs").await;
    let alternate = first["links"]
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l["rel"] == "alternate" && l["type"] == "text/csv");
    let href = alternate.and_then(|l| l["href"].as_str()).expect("a CSV alternate");
    assert!(href.ends_with("/api/v1/collections/key_points/export?f=csv&category=drugs"), "{href}");
    assert_eq!(seen, expected, "each feature once, in id order");
}

#[tokio::test]
async fn bbox_and_datetime_return_exactly_what_sql_returns() {
    let (db, app) = seeded().await;
    let (status, body) =
        get_json(&app, "/api/v1/collections/key_points/items?bbox=103.9,22.4,104.0,22.5&datetime=2020-02-01/2020-05-31&limit=1000").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let expected: Vec<i64> = sqlx::query_scalar(
        "select id from key_points
         where ST_Intersects(location, ST_MakeEnvelope(103.9, 22.4, 104.0, 22.5, 4326))
           and observed_at >= '2020-02-01 00:00+07' and observed_at < '2020-06-01 00:00+07' order by id",
    )
    .fetch_all(&db.pool)
    .await
    .expect("sql");
    assert!(!expected.is_empty());
    assert_eq!(ids(&body), expected);
    assert_eq!(body["numberMatched"].as_u64(), Some(expected.len() as u64));
}

#[tokio::test]
async fn property_filters_sortby_and_properties_apply() {
    let (_db, app) = seeded().await;
    let (status, body) = get_json(
        &app,
        "/api/v1/collections/key_points/items?category=drugs&sortby=-severity&properties=code,severity",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["numberMatched"], 20);
    let features = body["features"].as_array().expect("features");
    let severities: Vec<i64> =
        features.iter().map(|f| f["properties"]["severity"].as_i64().expect("sev")).collect();
    assert!(severities.windows(2).all(|w| w[0] >= w[1]), "sorted descending: {severities:?}");
    let keys: HashSet<&str> =
        features[0]["properties"].as_object().expect("props").keys().map(String::as_str).collect();
    assert_eq!(keys, HashSet::from(["code", "severity"]));
}

#[tokio::test]
async fn bad_parameters_are_400_naming_the_parameter() {
    let (_db, app) = seeded().await;
    for (url, needle) in [
        ("/api/v1/collections/key_points/items?colour=red", "colour"),
        ("/api/v1/collections/key_points/items?bbox=1,2,3", "bbox"),
        ("/api/v1/collections/key_points/items?limit=0", "limit"),
        ("/api/v1/collections/key_points/items?severity=high", "severity"),
        ("/api/v1/collections/key_points/items?datetime=last-week", "datetime"),
        ("/api/v1/collections/communes/items?datetime=2020-01-01", "datetime"),
        ("/api/v1/collections/key_points/items?as_of=2020-01-01", "as_of"),
        ("/api/v1/collections/key_points/items?sortby=nothing", "sortby"),
        ("/api/v1/collections/key_points/items?limit=5&limit=6", "limit"),
        ("/api/v1/collections/key_points/items?bbox=22.4,103.9,22.6,104.1&bbox-crs=urn:foo", "bbox-crs"),
    ] {
        let (status, body) = get_json(&app, url).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
        assert!(body["description"].as_str().is_some_and(|d| d.contains(needle)), "{url}: {body}");
    }
    let (status, _) = get_json(&app, "/api/v1/collections/nothing/items").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get_json(&app, "/api/v1/collections/key_points/items/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_limit_above_the_maximum_is_served_as_the_maximum() {
    let (_db, app) = seeded().await;
    let (status, body) = get_json(&app, "/api/v1/collections/key_points/items?limit=999999").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["numberReturned"], 40);
}

/// Twice the signed area (shoelace); positive for counter-clockwise rings.
fn signed_area(ring: &[Value]) -> f64 {
    ring.windows(2)
        .map(|w| {
            let (a, b) = (&w[0], &w[1]);
            a[0].as_f64().unwrap_or(0.0) * b[1].as_f64().unwrap_or(0.0)
                - b[0].as_f64().unwrap_or(0.0) * a[1].as_f64().unwrap_or(0.0)
        })
        .sum()
}

#[tokio::test]
async fn polygons_follow_rfc_7946_and_as_of_selects_versions() {
    let (_db, app) = seeded().await;
    let (status, body) = get_json(&app, "/api/v1/collections/communes/items?code=02635").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let feature = &body["features"][0];
    assert_eq!(feature["geometry"]["type"], "MultiPolygon");
    let ring = feature["geometry"]["coordinates"][0][0].as_array().expect("ring");
    assert!(signed_area(ring) > 0.0, "exterior ring is counter-clockwise (stored clockwise)");
    assert_eq!(feature["properties"]["district_name"], "Thành phố Lào Cai");

    let (_, east) = get_json(&app, "/api/v1/collections/communes/items?key_security=true").await;
    assert_eq!(east["numberMatched"], 1);
    assert_eq!(east["features"][0]["properties"]["code"], "02644");
    let (_, before) = get_json(&app, "/api/v1/collections/communes/items?as_of=2003-12-31").await;
    assert_eq!(before["numberMatched"], 0, "no unit existed before 2004");
}

#[tokio::test]
async fn items_carry_a_strong_etag_and_answer_304() {
    let (_db, app) = seeded().await;
    let url = "/api/v1/collections/border_segments/items";
    let (status, headers, _) = get_raw(&app, url, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let etag = headers.get("etag").and_then(|v| v.to_str().ok()).expect("etag").to_owned();
    assert!(etag.starts_with('"'), "strong tag: {etag}");
    assert_eq!(headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("public, no-cache"));
    let (status, _, body) = get_raw(&app, url, &[("if-none-match", &etag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    let (_, headers, _) = get_raw(&app, "/api/v1/collections/key_points/items", &[]).await;
    assert_eq!(headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("private, no-cache"));
}

#[tokio::test]
async fn tiles_decode_and_hold_the_expected_features() {
    let (_db, app) = seeded().await;
    // The zoom-6 tile holding the whole grid (lon 103.905..104.08, lat 22.41..22.57):
    // x = floor((lon + 180) / 360 * 64) = 50 (101.25..106.875°E),
    // y = floor((1 - ln(tan φ + sec φ) / π) / 2 * 64) = 27 (21.94..27.06°N). At zoom 7 and deeper
    // a tile edge runs at 104.0625°E, through the grid.
    let (status, _, bytes) =
        get_raw(&app, "/api/v1/collections/key_points/tiles/WebMercatorQuad/6/27/50", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(counted(bytes), 40, "the whole grid lies in this tile, counted per cell at z6");
    // At z12, point by point: (103.905, 22.41) is in tile x = 3230, y = 1786.
    let (status, headers, bytes) =
        get_raw(&app, "/api/v1/collections/key_points/tiles/WebMercatorQuad/12/1786/3230", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/vnd.mapbox-vector-tile")
    );
    let reader = mvt_reader::Reader::new(bytes).expect("a valid MVT");
    assert_eq!(reader.get_layer_names().expect("names"), ["key_points"]);
    let features = reader.get_features(0).expect("features");
    let first = features.iter().find(|f| f.id == Some(1)).expect("feature 1");
    let props = first.properties.as_ref().expect("properties");
    assert_eq!(props.get("code"), Some(&mvt_reader::feature::Value::String("KP-1".into())));

    let (_, _, smuggling) =
        get_raw(&app, "/api/v1/collections/key_points/tiles/WebMercatorQuad/6/27/50?category=smuggling", &[])
            .await;
    assert_eq!(counted(smuggling), 20);

    let (status, _, _) =
        get_raw(&app, "/api/v1/collections/key_points/tiles/WebMercatorQuad/10/0/0", &[]).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "an empty tile");
    for bad in ["10/1024/0", "25/0/0", "a/0/0", "-1/0/0"] {
        let (status, _, _) =
            get_raw(&app, &format!("/api/v1/collections/key_points/tiles/WebMercatorQuad/{bad}"), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let (status, tilejson) =
        get_json(&app, "/api/v1/collections/communes/tiles/WebMercatorQuad/tilejson.json?as_of=2020-04-15")
            .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tilejson["tilejson"], "3.0.0");
    assert!(tilejson["tiles"][0].as_str().is_some_and(|t| t.ends_with("/{z}/{y}/{x}?as_of=2020-04-15")));
}

#[tokio::test]
async fn exports_stream_every_feature_as_a_download() {
    let (_db, app) = seeded().await;
    let (status, headers, csv) =
        get_raw(&app, "/api/v1/collections/key_points/export?f=csv&category=drugs", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let disposition = headers.get("content-disposition").and_then(|v| v.to_str().ok()).expect("disposition");
    assert!(disposition.starts_with("attachment; filename=\"key_points_") && disposition.ends_with(".csv\""));
    let text = String::from_utf8(csv).expect("utf-8");
    assert!(text.starts_with('\u{feff}'), "BOM for Excel");
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 1 + 20);
    assert!(lines[0].ends_with(",wkt,lon,lat"), "{}", lines[0]);
    assert!(lines[1].contains("POINT(103.93 22.41)") || lines.iter().any(|l| l.contains("POINT(")));

    let (_, _, geojson) = get_raw(&app, "/api/v1/collections/key_points/export?f=geojson", &[]).await;
    let parsed: Value = serde_json::from_slice(&geojson).expect("valid GeoJSON");
    assert_eq!(parsed["features"].as_array().map(Vec::len), Some(40));

    let (_, headers, kml) = get_raw(&app, "/api/v1/collections/key_points/export?f=kml", &[]).await;
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/vnd.google-earth.kml+xml")
    );
    let kml = String::from_utf8(kml).expect("utf-8");
    assert_eq!(kml.matches("<Placemark>").count(), 40);
    assert!(kml.contains("&lt;img src=x onerror=alert(1)&gt;"), "user text is escaped");
    assert!(!kml.contains("<img"));

    let (status, _) = get_json(&app, "/api/v1/collections/key_points/export?f=shp").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn cql2_filters_match_sql_and_injections_are_refused() {
    let (db, app) = seeded().await;
    let filter = "category = 'drugs' AND severity BETWEEN 2 AND 4 AND NOT code IN ('KP-3','KP-5') \
                  AND S_INTERSECTS(geometry, BBOX(103.9,22.4,104.05,22.6)) \
                  AND T_INTERSECTS(observed_at, INTERVAL('2020-01-01','2020-08-31'))";
    let url = format!(
        "/api/v1/collections/key_points/items?limit=1000&filter-lang=cql2-text&filter={}",
        urlencode(filter)
    );
    let (status, body) = get_json(&app, &url).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let expected: Vec<i64> = sqlx::query_scalar(
        "select id from key_points where category = 'drugs' and severity between 2 and 4 and code not in ('KP-3','KP-5')
           and ST_Intersects(location, ST_MakeEnvelope(103.9, 22.4, 104.05, 22.6, 4326))
           and observed_at >= '2020-01-01 00:00+07' and observed_at < '2020-09-01 00:00+07' order by id",
    )
    .fetch_all(&db.pool)
    .await
    .expect("sql");
    assert!(!expected.is_empty());
    assert_eq!(ids(&body), expected);

    let (_, like) = get_json(
        &app,
        &format!("/api/v1/collections/key_points/items?filter={}", urlencode("code LIKE 'KP-1_'")),
    )
    .await;
    assert_eq!(like["numberMatched"], 10, "KP-10 .. KP-19");

    for injection in [
        "category = 'x'; delete from key_points",
        "category = 'x' -- ",
        "category = 'x' /* */",
        "1 = 1",
        "category = 'a' OR pg_sleep(5) = 1",
    ] {
        let (status, body) =
            get_json(&app, &format!("/api/v1/collections/key_points/items?filter={}", urlencode(injection)))
                .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{injection}: {body}");
    }
    let (status, body) = get_json(
        &app,
        &format!(
            "/api/v1/collections/key_points/items?filter={}",
            urlencode("code = 'x''; delete from key_points; --'")
        ),
    )
    .await;
    assert_eq!(
        (status, body["numberMatched"].as_u64()),
        (StatusCode::OK, Some(0)),
        "a quote stays inside the value"
    );
    let left: i64 =
        sqlx::query_scalar("select count(*) from key_points").fetch_one(&db.pool).await.expect("count");
    assert_eq!(left, 40);
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)]).expect("encode").trim_start_matches("x=").to_owned()
}

#[tokio::test]
async fn the_openapi_definition_describes_every_route_and_each_collections_queryables() {
    let routes = antq_atlas::http::routes();
    assert_eq!(antq_atlas::http::openapi::undescribed(&routes), Vec::<String>::new());

    let (_db, app) = seeded().await;
    let (status, doc) = get_json(&app, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().expect("paths");
    for route in &routes {
        let path = route.path.replace("/collections/{id}", "/collections/key_points");
        let method = route.method.as_str().to_lowercase();
        assert!(
            paths.get(&path).and_then(|p| p.get(&method)).is_some(),
            "{method} {path} is not in the definition"
        );
    }
    let items = &paths["/api/v1/collections/key_points/items"]["get"];
    let names: Vec<&str> =
        items["parameters"].as_array().expect("params").iter().filter_map(|p| p["name"].as_str()).collect();
    for expected in ["bbox", "datetime", "filter", "limit", "category", "severity", "observed_at"] {
        assert!(names.contains(&expected), "items of key_points lacks {expected}: {names:?}");
    }
    assert!(!names.contains(&"as_of"), "key points do not change over time");
    assert!(!names.contains(&"description"), "free text is not a filter");
    // Every parameter the definition offers is one the service accepts.
    for name in names
        .iter()
        .filter(|n| !matches!(**n, "bbox" | "bbox-crs" | "filter" | "filter-lang" | "filter-crs" | "f"))
    {
        let value = match *name {
            "limit" | "offset" | "precision" | "zoom" | "severity" => "1",
            "datetime" | "observed_at" => "2020-01-01",
            "sortby" | "properties" => "code",
            _ => "x",
        };
        let (status, body) =
            get_json(&app, &format!("/api/v1/collections/key_points/items?{name}={value}")).await;
        assert_eq!(status, StatusCode::OK, "{name}={value}: {body}");
    }
    let (status, _, html) = get_raw(&app, "/api/v1/api.html", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&html).contains("openapi.json"));
}

#[tokio::test]
async fn each_role_reads_only_its_layers_and_editors_only_their_jurisdiction() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let listed = |body: &Value| -> Vec<String> {
        body["collections"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_owned))
            .collect()
    };

    let (status, _) = get_json(&app(db.pool.clone()), "/api/v1/collections/communes/items").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "anonymous");

    let viewer = as_user(app(db.pool.clone()), &token(&db.pool, Role::Viewer, &[]).await);
    let (_, list) = get_json(&viewer, "/api/v1/collections").await;
    assert!(!listed(&list).iter().any(|id| id == "key_points" || id.starts_with("patrol")), "{list}");
    assert!(listed(&list).contains(&"model_sites".to_owned()));
    assert_eq!(get_json(&viewer, "/api/v1/collections/key_points/items").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        get_json(&viewer, "/api/v1/collections/key_points/tiles/WebMercatorQuad/6/27/50").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(get_json(&viewer, "/api/v1/collections/communes/export?f=csv").await.0, StatusCode::FORBIDDEN);

    let patrol = as_user(app(db.pool.clone()), &token(&db.pool, Role::Patrol, &["080"]).await);
    assert_eq!(get_json(&patrol, "/api/v1/collections/patrol_tracks/items").await.1["numberMatched"], 1);
    assert_eq!(get_json(&patrol, "/api/v1/collections/key_points/items").await.0, StatusCode::FORBIDDEN);
    assert_eq!(get_json(&patrol, "/api/v1/collections/model_sites/items").await.0, StatusCode::FORBIDDEN);

    // The editor's jurisdiction is the western commune: 20 of the 40 key points.
    let editor = as_user(app(db.pool.clone()), &token(&db.pool, Role::Editor, &["02635"]).await);
    let (status, body) = get_json(&editor, "/api/v1/collections/key_points/items?limit=100").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["numberMatched"], 20);
    assert!(
        body["features"]
            .as_array()
            .expect("f")
            .iter()
            .all(|f| f["geometry"]["coordinates"][0].as_f64() < Some(104.0))
    );
    let (_, _, tile) =
        get_raw(&editor, "/api/v1/collections/key_points/tiles/WebMercatorQuad/6/27/50", &[]).await;
    assert_eq!(counted(tile), 20);
    let (_, _, csv) = get_raw(&editor, "/api/v1/collections/key_points/export?f=csv", &[]).await;
    assert_eq!(String::from_utf8_lossy(&csv).trim_end().split("\r\n").count(), 21);
    let outside: i64 = sqlx::query_scalar("select id from key_points where ST_X(location) > 104.0 limit 1")
        .fetch_one(&db.pool)
        .await
        .expect("an eastern point");
    let (status, _) = get_json(&editor, &format!("/api/v1/collections/key_points/items/{outside}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a point outside the jurisdiction is not there for the editor");
    let exports: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'export' and outcome = 'ok'")
            .fetch_one(&db.pool)
            .await
            .expect("audit");
    assert_eq!(exports, 1, "the editor's export is audited");
}

/// The features an aggregated tile counts (the sum of its cells' `count`).
fn counted(tile: Vec<u8>) -> i64 {
    let reader = mvt_reader::Reader::new(tile).expect("a valid MVT");
    reader
        .get_features(0)
        .expect("features")
        .iter()
        .map(|f| crate::tiles::int(f.properties.as_ref().expect("p"), "count"))
        .sum()
}
