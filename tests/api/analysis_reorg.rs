//! Analyses across the 2025 reorganisation (issue #16, item 7), on the demo data: a window that
//! crosses 2025-07-01 is aggregated into the units of one date (`units_as_of`, by default the
//! window's last day), the counts are conserved between the two groupings, rates use the
//! population of the units of that date, and stored runs are retired when units change.
//!
//! Known answers: the 99 units of the new province are those of Nghị quyết 1673/NQ-UBTVQH15,
//! Điều 1, khoản 92 (99 = 89 xã + 10 phường); on 2025-06-30 the demo holds old Lào Cai's 151 and
//! old Yên Bái's 168 commune-level units (`successors_2025.csv`: 151 + 168 rows). Xã Si Ma Cai
//! (02809) is khoản 80's union of five communes.

use antq_atlas::auth::Role;
use axum::http::StatusCode;
use serde_json::Value;

use crate::support::{app, as_user, get_json, loaded_db, token};

const WINDOW: &str = "datetime=2025-06-01/2025-07-31";

/// The features' count and the sum of their `key_points`.
fn units_and_total(items: &Value) -> (usize, i64) {
    let f = items["features"].as_array().unwrap_or_else(|| panic!("features in {items}"));
    (f.len(), f.iter().map(|f| f["properties"]["key_points"].as_i64().unwrap_or(0)).sum())
}

#[tokio::test]
async fn a_window_across_the_change_is_counted_in_the_units_of_one_date_and_the_counts_conserve() {
    let db = loaded_db().await;
    let router = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let url = |extra: &str| format!("/api/v1/collections/commune_stats/items?{WINDOW}&limit=1000{extra}");
    let (status, by_default) = get_json(&router, &url("")).await;
    assert_eq!(status, StatusCode::OK, "{by_default}");
    let (_, new_units) = get_json(&router, &url("&units_as_of=2026-12-02")).await;
    let (_, old_units) = get_json(&router, &url("&units_as_of=2025-06-30")).await;
    let (n_new, total_new) = units_and_total(&new_units);
    let (n_old, total_old) = units_and_total(&old_units);
    // Khoản 92: 99 units after; 151 + 168 before.
    assert_eq!(n_new, 99);
    assert_eq!(n_old, 151 + 168);
    // Every key point of the window lies in one unit of either date: the totals are the same,
    // and the same as the window's key points counted directly.
    let direct: i64 = sqlx::query_scalar(
        "select count(*) from key_points where archived_at is null
           and observed_at >= '2025-06-01 00:00+07' and observed_at < '2025-08-01 00:00+07'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("count");
    assert!(direct > 0, "the demo has key points on both sides of the change");
    assert_eq!((total_new, total_old), (direct, direct));
    // By default, the units of the window's last day (2025-07-31): the new ones.
    assert_eq!(units_and_total(&by_default), (99, direct));
    assert_eq!(by_default["features"][0]["properties"]["units_as_of"], "2025-07-31");
}

#[tokio::test]
async fn a_unit_without_a_population_is_rated_on_its_predecessors_and_says_so() {
    let db = loaded_db().await;
    sqlx::query(
        "update admin_units set population = null where code = '02809' and validity @> '2026-01-01'::date",
    )
    .execute(&db.pool)
    .await
    .expect("update");
    let predecessors: i64 = sqlx::query_scalar(
        "select sum(p.population)::int8 from admin_unit_changes ch join admin_units p on p.id = ch.predecessor_id
         join admin_units s on s.id = ch.successor_id where s.code = '02809' and s.validity @> '2026-01-01'::date",
    )
    .fetch_one(&db.pool)
    .await
    .expect("sum");
    let router = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let (status, items) =
        get_json(&router, &format!("/api/v1/collections/commune_stats/items?{WINDOW}&code=02809")).await;
    assert_eq!(status, StatusCode::OK, "{items}");
    let p = &items["features"][0]["properties"];
    assert_eq!(p["population_source"], "predecessors");
    assert_eq!(p["population"].as_i64(), Some(predecessors));
    let (kp, rate) =
        (p["key_points"].as_f64().expect("key_points"), p["rate_per_1000"].as_f64().expect("a rate"));
    #[expect(clippy::cast_precision_loss, reason = "populations are far below 2^52")]
    let expected = 1000.0 * kp / predecessors as f64;
    assert!((rate - expected).abs() < 0.001, "{rate} vs {expected}");
    // A unit with its own population says so.
    let (_, other) =
        get_json(&router, &format!("/api/v1/collections/commune_stats/items?{WINDOW}&code=02752")).await;
    assert_eq!(other["features"][0]["properties"]["population_source"], "unit");
}

#[tokio::test]
async fn units_as_of_that_is_not_a_date_is_refused_naming_it() {
    let db = loaded_db().await;
    let router = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    for layer in ["commune_stats", "hotspots", "emerging_hotspots"] {
        let (status, body) =
            get_json(&router, &format!("/api/v1/collections/{layer}/items?units_as_of=2025-13-01")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{layer}: {body}");
        assert!(body.to_string().contains("units_as_of"), "{layer}: {body}");
    }
}

/// The run the hotspots layer served for `query` and its key points counted.
async fn hotspot_run(router: &axum::Router, pool: &sqlx::PgPool, query: &str) -> (i64, i64) {
    let (status, items) =
        get_json(router, &format!("/api/v1/collections/hotspots/items?{query}&limit=1")).await;
    assert_eq!(status, StatusCode::OK, "{items}");
    sqlx::query_as("select id, points from analysis_runs where layer = 'hotspots' order by used_at desc, id desc limit 1")
        .fetch_one(pool)
        .await
        .expect("a run")
}

#[tokio::test]
async fn hot_spots_grid_the_province_of_units_as_of_and_runs_are_retired_when_units_change() {
    let db = loaded_db().await;
    let router = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let (old, _) = hotspot_run(&router, &db.pool, &format!("{WINDOW}&units_as_of=2025-06-30")).await;
    let (new, _) = hotspot_run(&router, &db.pool, WINDOW).await;
    assert_ne!(old, new, "the units of 2025-06-30 and of the window's end are two runs");
    // The grid covers the province of that date: old Lào Cai alone, then the new province.
    let areas: Vec<f64> = sqlx::query_scalar(
        "select sum(ST_Area(c.geom::geography)) / 1e6 from analysis_cells c where c.run_id = any($1)
         group by c.run_id order by c.run_id",
    )
    .bind(vec![old, new])
    .fetch_all(&db.pool)
    .await
    .expect("areas");
    assert!(areas[1] > areas[0] * 1.5, "the 2025 province is old Lào Cai and old Yên Bái: {areas:?}");
    assert_eq!(hotspot_run(&router, &db.pool, WINDOW).await.0, new, "the same request reads the stored run");
    // Recording a change of units (the lineage the analyses read) retires the stored runs.
    sqlx::query(
        "update admin_unit_changes set basis = basis where id = (select min(id) from admin_unit_changes)",
    )
    .execute(&db.pool)
    .await
    .expect("touch a change");
    assert_ne!(hotspot_run(&router, &db.pool, WINDOW).await.0, new, "a change of units computes a new run");
}

/// The rows' count and their km summed.
fn rows_and_km(answer: &Value) -> (usize, f64) {
    let rows = answer["rows"].as_array().unwrap_or_else(|| panic!("rows in {answer}"));
    (rows.len(), rows.iter().filter_map(|r| r["km"].as_f64()).sum())
}

#[tokio::test]
async fn patrol_effort_by_commune_conserves_its_km_across_the_two_groupings() {
    let db = loaded_db().await;
    let router = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let url = |extra: &str| format!("/api/v1/analysis/effort?by=commune&{WINDOW}{extra}");
    let (status, by_default) = get_json(&router, &url("")).await;
    assert_eq!(status, StatusCode::OK, "{by_default}");
    let (_, old) = get_json(&router, &url("&units_as_of=2025-06-30")).await;
    let ((n_new, km_new), (n_old, km_old)) = (rows_and_km(&by_default), rows_and_km(&old));
    assert!(km_new > 0.0, "the demo patrols the border in June and July 2025");
    // Each row is rounded to a metre: the sums agree within a metre per row.
    #[expect(clippy::cast_precision_loss, reason = "a few hundred rows")]
    let tolerance = 0.001 * (n_new + n_old) as f64;
    assert!((km_new - km_old).abs() <= tolerance, "{km_new} km in 2025 units, {km_old} km in the old ones");
    // The rows name units of their date: the new codes after, the old before (khoản 80).
    let codes = |a: &Value| -> Vec<String> {
        a["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .filter_map(|r| r["key"].as_str().map(str::to_owned))
            .collect()
    };
    assert!(!codes(&by_default).contains(&"02812".to_owned()), "Xã Sán Chải closed on 2025-07-01");
    assert!(codes(&old).iter().any(|c| c == "02812" || c == "02809"), "{:?}", codes(&old));
    assert!(n_old >= n_new);
}

#[tokio::test]
async fn the_pai_reads_its_units_at_the_test_windows_end_unless_told() {
    let db = loaded_db().await;
    let router = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let base = "/api/v1/analysis/pai?train=2024-07-01/2025-05-31&test=2025-06-01/2025-07-31&cell=5000";
    let (status, by_default) = get_json(&router, base).await;
    assert_eq!(status, StatusCode::OK, "{by_default}");
    assert_eq!(by_default["units_as_of"], "2025-07-31");
    let (_, old) = get_json(&router, &format!("{base}&units_as_of=2025-06-30")).await;
    assert_eq!(old["units_as_of"], "2025-06-30");
    // The new province is old Lào Cai and old Yên Bái together.
    let area = |a: &Value| a["province_area_km2"].as_f64().expect("area");
    assert!(area(&by_default) > area(&old) * 1.5, "{} vs {}", area(&by_default), area(&old));
    let (status, body) = get_json(&router, &format!("{base}&units_as_of=yesterday")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("units_as_of"), "{body}");
}

/// `commune_stats` counts each commune's key points by itself (migration 0092), so that a tile
/// counts only its own communes. The rule stays that of `atlas_commune_key_points` (migration
/// 0013), which places every point of the province at once: each point in the lowest-id commune
/// covering it. The oracle is that function, for the units of either side of 2025-07-01, with a
/// point on a boundary today's communes share.
#[tokio::test]
async fn each_commune_counts_its_key_points_by_the_province_wide_rule_even_on_a_shared_boundary() {
    let db = loaded_db().await;
    let router = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    sqlx::query(
        "insert into key_points (code, category, severity, observed_at, location)
         select 'EDGE-1', 'drugs', 1, '2025-07-15 10:00+07', p from (
             select (ST_DumpPoints(ST_Intersection(a.geom, b.geom))).geom as p
             from admin_units a join admin_units b on a.id < b.id and ST_Intersects(a.geom, b.geom)
             where a.level = 'commune' and b.level = 'commune'
               and a.validity @> date '2026-12-02' and b.validity @> date '2026-12-02'
             limit 1) e",
    )
    .execute(&db.pool)
    .await
    .expect("a point on a shared boundary");
    let covering: i64 = sqlx::query_scalar(
        "select count(*) from admin_units u join key_points k on ST_Covers(u.geom, k.location)
         where k.code = 'EDGE-1' and u.level = 'commune' and u.validity @> date '2026-12-02'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("covering");
    assert!(covering >= 2, "the point lies on the boundary of {covering} communes");
    for units_as_of in ["2025-06-30", "2026-12-02"] {
        let expected: Vec<(String, i64)> = sqlx::query_as(
            "select u.code, k.key_points from atlas_commune_key_points($1::date, '2025-06-01 00:00+07',
                 '2025-08-01 00:00+07', null) k join admin_units u on u.id = k.unit_id order by u.code",
        )
        .bind(units_as_of)
        .fetch_all(&db.pool)
        .await
        .expect("oracle");
        assert!(expected.len() > 10, "{units_as_of}: key points in many communes");
        let (status, body) = get_json(
            &router,
            &format!("/api/v1/collections/commune_stats/items?{WINDOW}&units_as_of={units_as_of}&limit=1000"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let mut served: Vec<(String, i64)> = body["features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|f| &f["properties"])
            .filter(|p| p["key_points"].as_i64() != Some(0))
            .map(|p| (p["code"].as_str().expect("code").to_owned(), p["key_points"].as_i64().expect("count")))
            .collect();
        served.sort();
        assert_eq!(served, expected, "units of {units_as_of}");
    }
}
