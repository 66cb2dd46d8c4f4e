//! Low-zoom tiles of point layers carry counts per cell (issue #17); the counts must add up to the
//! features, cell by cell, and the features must come back one by one from the layer's zoom.
//!
//! The oracle: the features as the items route serves them, each put in its cell by the Web
//! Mercator formulas of the OGC Two Dimensional Tile Matrix Set standard (17-083r4, annex on
//! WebMercatorQuad: x = (λ + 180) / 360 · 2^z, y = (1 − ln(tan φ + sec φ) / π) / 2 · 2^z),
//! with 64 cells per tile side.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use sqlx::Connection;

use antq_atlas::auth::Role;

use crate::support::{app, as_user, get_json, get_raw, seed_small, test_db, token};
use crate::tiles::int;

const CELLS: f64 = 64.0;

/// (`count`, `count_drugs`, `count_smuggling`) per cell id.
type Cells = BTreeMap<i64, [i64; 3]>;

fn cell_of(lon: f64, lat: f64, z: u8) -> (i64, i64, i64) {
    let n = CELLS * 2f64.powi(i32::from(z));
    let phi = lat.to_radians();
    #[expect(clippy::cast_possible_truncation, reason = "cell numbers of the province fit easily")]
    let (i, j) = (
        ((lon + 180.0) / 360.0 * n).floor() as i64,
        ((1.0 - (phi.tan() + 1.0 / phi.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor() as i64,
    );
    #[expect(clippy::cast_possible_truncation, reason = "a power of two below 2^22")]
    (i, j, n as i64)
}

/// The points of the layer for `app`'s caller (with `filter`), as the items route serves them.
async fn points(app: &axum::Router, filter: &str) -> Vec<(f64, f64, String)> {
    let (status, body) =
        get_json(app, &format!("/api/v1/collections/key_points/items?limit=10000{filter}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            let c = &f["geometry"]["coordinates"];
            let cat = f["properties"]["category"].as_str().expect("category").to_owned();
            (c[0].as_f64().expect("lon"), c[1].as_f64().expect("lat"), cat)
        })
        .collect()
}

fn expected(points: &[(f64, f64, String)], zoom: u8) -> Cells {
    let mut cells = Cells::new();
    for (lon, lat, category) in points {
        let (column, row, side) = cell_of(*lon, *lat, zoom);
        let counts = cells.entry(column * side + row).or_default();
        counts[0] += 1;
        counts[1] += i64::from(category == "drugs");
        counts[2] += i64::from(category == "smuggling");
    }
    cells
}

/// The point of a decoded MVT feature (a reader may give a point as a one-point multipoint).
fn point_of(geometry: geo::Geometry<f32>) -> geo::Point<f32> {
    match geometry {
        geo::Geometry::Point(p) => p,
        geo::Geometry::MultiPoint(m) if m.0.len() == 1 => m.0[0],
        other => panic!("a point: {other:?}"),
    }
}

/// Every tile at `z` over the points' box: the cells of the aggregated ones, and the features
/// (their codes) of the others.
async fn served(
    app: &axum::Router,
    points: &[(f64, f64, String)],
    z: u8,
    filter: &str,
) -> (Cells, Vec<String>) {
    let tile = |lon: f64, lat: f64| {
        let (i, j, _) = cell_of(lon, lat, z);
        (i / 64, j / 64)
    };
    let (lon0, lon1) = points.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (lat0, lat1) = points.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let ((x0, y0), (x1, y1)) = (tile(lon0, lat1), tile(lon1, lat0));
    let (mut cells, mut codes) = (Cells::new(), Vec::new());
    for x in x0..=x1 {
        for y in y0..=y1 {
            let path = format!("/api/v1/collections/key_points/tiles/WebMercatorQuad/{z}/{y}/{x}?{filter}");
            let (status, _, bytes) = get_raw(app, &path, &[]).await;
            if status == StatusCode::NO_CONTENT {
                continue;
            }
            assert_eq!(status, StatusCode::OK, "{path}");
            for f in mvt_reader::Reader::new(bytes).expect("mvt").get_features(0).expect("features") {
                let props = f.properties.expect("properties");
                if let Some(mvt_reader::feature::Value::String(code)) = props.get("code") {
                    // A feature in the tile's buffer is drawn by its own tile too: count it there.
                    let p = point_of(f.geometry);
                    if (0.0..4096.0).contains(&p.x()) && (0.0..4096.0).contains(&p.y()) {
                        codes.push(code.clone());
                    }
                    continue;
                }
                let counts = ["count", "count_drugs", "count_smuggling"]
                    .map(|name| if props.contains_key(name) { int(&props, name) } else { 0 });
                let id = i64::try_from(f.id.expect("a cell id")).expect("id");
                assert!(cells.insert(id, counts).is_none(), "cell {id} in two tiles at z{z}");
            }
        }
    }
    codes.sort();
    (cells, codes)
}

/// Each cell's point (its id and position in tile units) in the tile at `z` holding the first point.
async fn placed(
    app: &axum::Router,
    points: &[(f64, f64, String)],
    z: u8,
    filter: &str,
) -> BTreeMap<u64, (i64, i64)> {
    let (i, j, _) = cell_of(points[0].0, points[0].1, z);
    let path =
        format!("/api/v1/collections/key_points/tiles/WebMercatorQuad/{z}/{}/{}?{filter}", j / 64, i / 64);
    let (status, _, bytes) = get_raw(app, &path, &[]).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    let features = mvt_reader::Reader::new(bytes).expect("mvt").get_features(0).expect("features");
    features
        .into_iter()
        .map(|f| {
            let p = point_of(f.geometry);
            #[expect(clippy::cast_possible_truncation, reason = "tile units are whole numbers below 4,096")]
            (f.id.expect("id"), (p.x() as i64, p.y() as i64))
        })
        .collect()
}

#[tokio::test]
async fn low_zoom_counts_add_up_to_the_features_cell_by_cell_and_features_return_at_zoom_11() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let editor = as_user(app(db.pool.clone()), &token(&db.pool, Role::Editor, &["02635"]).await);

    for (who, filter, total) in [(&analyst, "", 40), (&analyst, "&category=drugs", 20), (&editor, "", 20)] {
        let all = points(who, filter).await;
        assert_eq!(all.len(), total);
        for z in [6, 8, 10] {
            let (cells, codes) = served(who, &all, z, filter).await;
            assert!(codes.is_empty(), "z{z}: aggregated, no single features");
            assert_eq!(cells, expected(&all, z), "z{z} {filter}: the counts of each cell");
            assert_eq!(cells.values().map(|c| c[0]).sum::<i64>(), i64::try_from(total).expect("small"));
        }
        assert!(served(who, &all, 8, filter).await.0.len() > 1, "several cells at z8");
        let (cells, codes) = served(who, &all, 11, filter).await;
        assert!(cells.is_empty(), "z11: no aggregates");
        let mut listed: Vec<String> = Vec::new();
        let (_, body) =
            get_json(who, &format!("/api/v1/collections/key_points/items?limit=10000{filter}")).await;
        for f in body["features"].as_array().expect("features") {
            listed.push(f["properties"]["code"].as_str().expect("code").to_owned());
        }
        listed.sort();
        assert_eq!(codes, listed, "every feature, once, at z11 {filter}");
    }

    // The analyst's unfiltered tiles below z11 come from the counts the key points' triggers keep
    // (migration 0091). After each kind of write they still add up to the features, and each
    // cell's point is where counting the points puts it (a filter keeping every point counts
    // the points instead).
    let mut other = sqlx::PgConnection::connect(&db.url).await.expect("connect");
    for change in [
        "update key_points set location = ST_SetSRID(ST_Point(104.08, 22.58), 4326) where code = 'KP-3'",
        "update key_points set category = 'smuggling' where code = 'KP-5'",
        "update key_points set description = 'sửa' where code = 'KP-7'",
        "update key_points set archived_at = now() where code in ('KP-9', 'KP-10')",
        "delete from key_points where code in ('KP-11', 'KP-4')",
        "update key_points set archived_at = null where code = 'KP-9'",
        "insert into key_points (code, category, severity, observed_at, location)
         select 'N-' || g, 'drugs', 1, now(), ST_SetSRID(ST_Point(103.91 + g * 0.013, 22.45), 4326)
         from generate_series(1, 5) g",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(change)).execute(&mut other).await.expect(change);
        let all = points(&analyst, "").await;
        for z in [6, 8, 9, 10] {
            let (cells, _) = served(&analyst, &all, z, "").await;
            assert_eq!(cells, expected(&all, z), "z{z} after {change}");
            let (counted, _) = served(&analyst, &all, z, "&filter=severity%20%3E%200").await;
            assert_eq!(cells, counted, "z{z} after {change}: the points' count");
            assert_eq!(
                placed(&analyst, &all, z, "").await,
                placed(&analyst, &all, z, "&filter=severity%20%3E%200").await
            );
        }
    }
    let cells: i64 = sqlx::query_scalar("select count(*) from key_point_cells where k <= 0")
        .fetch_one(&mut other)
        .await
        .expect("cells");
    assert_eq!(cells, 0, "no empty cell is kept");

    let (_, tilejson) =
        get_json(&analyst, "/api/v1/collections/key_points/tiles/WebMercatorQuad/tilejson.json").await;
    let layer = &tilejson["vector_layers"][0];
    assert_eq!(layer["antq:aggregate_below"], 11);
    assert_eq!(layer["fields"]["count"], "Number");
    assert!(layer["description"].as_str().is_some_and(|d| d.starts_with("Dưới mức thu phóng 11")), "{layer}");
}
