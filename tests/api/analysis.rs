//! The analysis layers (hotspots, emerging hotspots) and the PAI endpoint on the loaded Lao Cai
//! demo: the generic machinery serves them (items, tiles, exports), permissions hold, parameters
//! are validated, and the figures agree with counts computed here with independent SQL.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use chrono::NaiveDate;
use serde_json::Value;
use sqlx::PgPool;

use antq_atlas::auth::Role;
use antq_atlas::db::analysis::PointFilter;
use antq_atlas::layers::analysis_runs::{Analysis, Request, prepare};

use crate::support::{app, as_user, get_json, get_raw, loaded_db, token};

const AS_OF: &str = "2020-06-30";

fn as_of() -> NaiveDate {
    NaiveDate::parse_from_str(AS_OF, "%Y-%m-%d").expect("a date")
}

/// Live key points inside the province on `AS_OF` (old Lào Cai, not old Yên Bái beside it),
/// observed in [start, end), by plain SQL.
async fn points_in_province(pool: &PgPool, start: &str, end: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*) from key_points k where k.archived_at is null
           and k.observed_at >= $2::date::timestamp at time zone 'Asia/Ho_Chi_Minh'
           and k.observed_at < $3::date::timestamp at time zone 'Asia/Ho_Chi_Minh'
           and exists (select 1 from admin_units u where u.level = 'province' and u.validity @> $1::date
                       and u.code = '10' and ST_Intersects(u.geom, k.location))",
    )
    .bind(as_of())
    .bind(start)
    .bind(end)
    .fetch_one(pool)
    .await
    .expect("a count")
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

#[tokio::test]
async fn a_run_is_computed_once_and_never_outlives_a_write() {
    let db = loaded_db().await;
    let req = Request {
        cell: Some(2000.0),
        radius: None,
        points: PointFilter { as_of: as_of(), start: None, end: None, category: None },
    };
    let run = prepare(&db.pool, Analysis::HotSpots, &req).await.expect("a run");
    assert_eq!(prepare(&db.pool, Analysis::HotSpots, &req).await.expect("a run"), run, "stored and found");
    // Found without a write, its use recorded once its used_at is over a minute old (the most
    // recently used runs are kept).
    let used = |age: &'static str| {
        sqlx::query("update analysis_runs set used_at = now() - $2::interval where id = $1")
            .bind(run)
            .bind(age)
            .execute(&db.pool)
    };
    let age = || {
        sqlx::query_scalar::<_, f64>(
            "select extract(epoch from now() - used_at)::float8 from analysis_runs where id = $1",
        )
        .bind(run)
        .fetch_one(&db.pool)
    };
    used("30 seconds").await.expect("an update");
    assert_eq!(prepare(&db.pool, Analysis::HotSpots, &req).await.expect("a run"), run);
    assert!(age().await.expect("an age") >= 29.0, "a use within the minute is not written");
    used("2 minutes").await.expect("an update");
    assert_eq!(prepare(&db.pool, Analysis::HotSpots, &req).await.expect("a run"), run);
    assert!(age().await.expect("an age") < 60.0, "a use after the minute is");
    let (counted,): (i64,) = sqlx::query_as("select sum(count)::int8 from analysis_cells where run_id = $1")
        .bind(run)
        .fetch_one(&db.pool)
        .await
        .expect("a sum");
    assert_eq!(counted, points_in_province(&db.pool, "2000-01-01", "2100-01-01").await, "each point once");
    // The cell of each point, found by arithmetic, is the hexagon that contains it.
    let wrong: i64 = sqlx::query_scalar(
        "select count(*) from analysis_cells c where c.run_id = $1 and c.count <> (
             select count(*) from key_points k where k.archived_at is null and ST_Intersects(c.geom, k.location))",
    )
    .bind(run)
    .fetch_one(&db.pool)
    .await
    .expect("a comparison");
    assert_eq!(wrong, 0, "cells whose count differs from the points they contain");
    sqlx::query("update key_points set severity = 3 where id = (select min(id) from key_points)")
        .execute(&db.pool)
        .await
        .expect("a write");
    let after = prepare(&db.pool, Analysis::HotSpots, &req).await.expect("a run");
    assert_ne!(after, run, "a write to key points makes the next request compute afresh");
}

#[tokio::test]
async fn hotspots_through_items_tiles_and_exports() {
    let db = loaded_db().await;
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let window = "datetime=2019-01-01/2021-01-01";
    let base = format!("/api/v1/collections/hotspots/items?as_of={AS_OF}&cell=2000&{window}");

    let (status, page) = get_json(&analyst, &format!("{base}&limit=10000")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let features = page["features"].as_array().expect("features");
    assert_eq!(page["numberMatched"].as_u64(), Some(features.len() as u64));
    assert!(features.len() > 100, "a province of 6,400 km² in 2 km hexagons: {}", features.len());
    let total: i64 = features.iter().map(|f| f["properties"]["count"].as_i64().expect("count")).sum();
    assert_eq!(total, points_in_province(&db.pool, "2019-01-01", "2021-01-01").await);
    for f in features {
        let p = &f["properties"];
        let (z, pv, bin) = (num(&p["gi_z"]), num(&p["gi_p"]), p["gi_bin"].as_i64().expect("a bin"));
        assert!((0.0..=1.0).contains(&pv) && (-3..=3).contains(&bin) && num(&p["density"]) >= 0.0, "{p}");
        // A bin is never more confident than the uncorrected p-value allows, and signed by z.
        assert!(bin == 0 || ((bin > 0) == (z > 0.0) && pv <= 0.10), "{p}");
        assert!(p["i"].is_i64() && p["j"].is_i64());
    }
    assert!(features.iter().any(|f| f["properties"]["gi_bin"] == 3), "the demo has significant hot spots");

    // Hot spots only, as a filter on the output; the count through CQL2 agrees.
    let (_, hot) = get_json(&analyst, &format!("{base}&gi_bin=3&limit=1")).await;
    let hot_n = hot["numberMatched"].as_u64().expect("matched");
    let expected = features.iter().filter(|f| f["properties"]["gi_bin"] == 3).count() as u64;
    assert_eq!(hot_n, expected);

    let tile = format!(
        "/api/v1/collections/hotspots/tiles/WebMercatorQuad/6/27/50?as_of={AS_OF}&cell=2000&{window}"
    );
    let (status, _, bytes) = get_raw(&analyst, &tile, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!bytes.is_empty());

    let export =
        |f: &str| format!("/api/v1/collections/hotspots/export?f={f}&as_of={AS_OF}&cell=2000&{window}");
    let (status, _, csv) = get_raw(&analyst, &export("csv"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).expect("UTF-8");
    assert_eq!(csv.lines().count(), features.len() + 1, "a header and one row per cell");
    assert!(csv.lines().next().is_some_and(|h| h.contains("gi_z") && h.contains("density")), "{csv:.200}");
    let (status, _, geojson) = get_raw(&analyst, &export("geojson"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let geojson: Value = serde_json::from_slice(&geojson).expect("GeoJSON");
    assert_eq!(geojson["features"].as_array().map(Vec::len), Some(features.len()));
    let (status, _, kml) = get_raw(&analyst, &export("kml"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&kml).contains("<Placemark"));

    // One stored run served all of the above.
    let runs: i64 =
        sqlx::query_scalar("select count(*) from analysis_runs").fetch_one(&db.pool).await.expect("runs");
    assert_eq!(runs, 1);
}

#[tokio::test]
async fn analyses_are_for_analysts_and_parameters_are_checked_before_any_work() {
    let db = loaded_db().await;
    let viewer = as_user(app(db.pool.clone()), &token(&db.pool, Role::Viewer, &[]).await);
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let items = format!("/api/v1/collections/hotspots/items?as_of={AS_OF}&cell=5000");
    assert_eq!(get_json(&viewer, &items).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        get_json(&viewer, "/api/v1/collections/emerging_hotspots/items").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(get_json(&analyst, &items).await.0, StatusCode::OK);
    let pai = "/api/v1/analysis/pai?train=2019-01-01/2020-01-01&test=2020-01-01/2021-01-01";
    assert_eq!(get_json(&viewer, pai).await.0, StatusCode::FORBIDDEN);

    let refused = |query: &'static str| {
        let analyst = analyst.clone();
        async move {
            let started = Instant::now();
            let (status, body) =
                get_json(&analyst, &format!("/api/v1/collections/hotspots/items?as_of={AS_OF}&{query}"))
                    .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{query}: refused only after {:?}",
                started.elapsed()
            );
            body["description"].as_str().expect("a reason").to_owned()
        }
    };
    assert!(refused("cell=-5").await.starts_with("cell: '-5' is not a number from 1 to"));
    let too_fine = refused("cell=1").await;
    assert!(
        too_fine.starts_with("cell: 1 m would make about") && too_fine.contains("the edge must be at least"),
        "{too_fine}"
    );
    assert!(refused("radius=0").await.starts_with("radius:"));
    assert!(refused("category=fraud").await.starts_with("category: 'fraud' is not one of"));
    // Nothing was computed for the refused requests.
    let runs: i64 =
        sqlx::query_scalar("select count(*) from analysis_runs").fetch_one(&db.pool).await.expect("runs");
    assert_eq!(runs, 1, "only the analyst's accepted request made a run");

    let (status, body) = get_json(&analyst, "/api/v1/analysis/pai?train=2019-01-01/2020-01-01").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["description"].as_str().is_some_and(|d| d.starts_with("test: required")), "{body}");
    let (status, body) = get_json(&analyst, &format!("{pai}&coverage=0")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn emerging_hotspots_classify_every_cell() {
    let db = loaded_db().await;
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let uri = format!(
        "/api/v1/collections/emerging_hotspots/items?as_of={AS_OF}&cell=3000&datetime=2018-01-01/2021-01-01&limit=10000"
    );
    let (status, page) = get_json(&analyst, &uri).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let features = page["features"].as_array().expect("features");
    let total: i64 = features.iter().map(|f| f["properties"]["count"].as_i64().expect("count")).sum();
    assert_eq!(total, points_in_province(&db.pool, "2018-01-01", "2021-01-01").await);
    let known = ["new", "intensifying", "persistent", "diminishing", "sporadic", "no_pattern"];
    for f in features {
        let p = &f["properties"];
        assert!(known.contains(&p["pattern"].as_str().expect("a pattern")), "{p}");
        assert!((0.0..=1.0).contains(&num(&p["trend_p"])), "{p}");
    }
    // 36 months is within the limit; 121 is not.
    let (status, body) = get_json(
        &analyst,
        &format!("/api/v1/collections/emerging_hotspots/items?as_of={AS_OF}&datetime=2010-01-01/2020-01-31"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["description"].as_str().is_some_and(|d| d.contains("121 months")), "{body}");
}

#[tokio::test]
async fn pai_figures_agree_with_independent_counts() {
    let db = loaded_db().await;
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let (status, r) = get_json(
        &analyst,
        &format!(
            "/api/v1/analysis/pai?train=2019-01-01/2020-01-01&test=2020-01-01/2021-01-01&coverage=0.05&cell=1000&as_of={AS_OF}"
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    // The answer echoes the grid and kernel it used (issue 21).
    assert_eq!(r["cell_m"], 1000.0, "{r}");
    assert!(num(&r["radius_m"]) > 0.0, "{r}");
    // Without a cell: the default, the shorter side of old Lao Cai's box (100.7 km) / 50, rounded
    // down to 100 m (docs/analysis.md).
    let (_, by_default) = get_json(
        &analyst,
        &format!("/api/v1/analysis/pai?train=2019-01-01/2020-01-01&test=2020-01-01/2021-01-01&as_of={AS_OF}"),
    )
    .await;
    assert_eq!(by_default["cell_m"], 2000.0, "{by_default}");
    let total = points_in_province(&db.pool, "2020-01-01", "2021-01-01").await;
    let total_f = f64::from(u32::try_from(total).expect("a small count"));
    let area = num(&r["province_area_km2"]);
    assert!((area - 6383.89).abs() / 6383.89 < 0.02, "the province's area in UTM 48N: {area}");
    for key in ["hotspots", "key_communes"] {
        let h = &r[key];
        assert_eq!(h["total"].as_i64(), Some(total), "{key}: {h}");
        let (n, a) = (num(&h["hits"]), num(&h["area_km2"]));
        assert!(n <= total_f && a > 0.0 && a <= area * 1.0001, "{key}: {h}");
        assert!((num(&h["hit_rate"]) - n / total_f).abs() < 1e-12, "{key}: {h}");
        assert!((num(&h["pai"]) - (n / total_f) / (a / area)).abs() < 1e-9, "{key}: {h}");
    }
    // The selected area is what was taken: at least the 5 % asked, by less than a cell more.
    let hot = &r["hotspots"];
    let cell_km2 = 1.5 * 3f64.sqrt() * 1.0 * 1.0; // 1 km edge: 2.598 km²
    assert!(
        num(&hot["area_km2"]) >= 0.05 * area - 1e-6 && num(&hot["area_km2"]) < 0.05 * area + cell_km2,
        "{hot}"
    );
    assert!(num(&hot["pai"]) > 1.0, "the densest 5 % of 2019 holds more than 5 % of 2020's points: {hot}");

    // The key communes (designations follow a commune's code, as in the communes layer) and their
    // hits, counted here with plain SQL.
    let (communes, in_key): (i64, i64) = sqlx::query_as(
        "with key as (select c.geom from admin_units c where c.level = 'commune' and c.validity @> $1::date
                        and c.code in (select v.code from designations d join admin_units v on v.id = d.unit_id
                                       where d.kind = 'key_security' and d.validity @> $1::date))
         select (select count(*) from key),
                (select count(*) from key_points k where k.archived_at is null
                   and k.observed_at >= '2020-01-01'::timestamp at time zone 'Asia/Ho_Chi_Minh'
                   and k.observed_at < '2021-01-01'::timestamp at time zone 'Asia/Ho_Chi_Minh'
                   and exists (select 1 from key where ST_Intersects(key.geom, k.location)))",
    )
    .bind(as_of())
    .fetch_one(&db.pool)
    .await
    .expect("counts");
    assert!(communes > 50, "{communes}");
    assert_eq!(r["key_communes"]["communes"].as_i64(), Some(communes), "{r}");
    assert_eq!(r["key_communes"]["hits"].as_i64(), Some(in_key), "{r}");
}
