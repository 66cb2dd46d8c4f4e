//! Patrol effort, border coverage and gaps on a world built so the answers can be worked out on
//! paper. Everything is drawn in UTM 48N (EPSG:32648, metres) and stored in WGS 84; a straight
//! two-vertex line comes back to the same straight line in EPSG:32648, so its lengths there are
//! exact.
//!
//! - Province 90 = district 901 = the square x 390–420 km, y 2490–2520 km.
//! - Commune 90001 (x 390–405 km; population 2,000; key security, no effective model) with
//!   especially difficult villages 9000101 (x 390–397.5 km, no model) and 9000102 (x 397.5–405 km,
//!   one model site rated fair); commune 90002 (x 405–420 km; population unknown; key security
//!   with an effective model).
//! - Border segment BG-T1 from (400, 2500) to (410, 2500) km, 10,000 m, of commune 90001;
//!   BG-T2 from (400, 2510) to (405, 2510) km, never patrolled.
//! - Patrol P1 (units "Đồn A", "CA xã X"), 2020-06-10 08:00–12:00 (+07): a track parallel to
//!   BG-T1, 100 m north, x 403–407 km. Patrol P2 ("CA xã X"), 2020-06-20 22:00 to 06-21 02:00: a
//!   track at y 2505 km, x 395–399 km, inside commune 90001, far from both segments.
//! - Key points in June 2020: two `drugs` and one `crime` in 90001, one `crime` in 90002; one
//!   archived `drugs` in 90001 and one `drugs` in 90001 in 2019 (neither counts).

use axum::Router;
use axum::http::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

use crate::support::{app, as_user, get_json, get_raw, test_db, token};
use antq_atlas::auth::Role;

/// A box in EPSG:32648 kilometres as a WGS 84 multipolygon expression.
fn square(x0: f64, x1: f64) -> String {
    format!(
        "ST_Multi(ST_Transform(ST_MakeEnvelope({}, 2490000, {}, 2520000, 32648), 4326))",
        x0 * 1000.0,
        x1 * 1000.0
    )
}

/// A straight line between two EPSG:32648 points (metres), in WGS 84.
fn line(x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    format!("ST_Transform(ST_GeomFromText('LINESTRING({x0} {y0},{x1} {y1})', 32648), 4326)")
}

fn point(x: f64, y: f64) -> String {
    format!("ST_Transform(ST_SetSRID(ST_MakePoint({x}, {y}), 32648), 4326)")
}

pub async fn world(pool: &PgPool) {
    let unit = |code: &str, level: &str, kind: &str, parent: &str, pop: &str, geom: String| {
        format!(
            "insert into admin_units (code, level, kind, name, parent_id, valid_from, population, geom)
             values ('{code}', '{level}', '{kind}', 'Đơn vị {code}',
                     (select id from admin_units where code = '{parent}'), '2000-01-01', {pop}, {geom})"
        )
    };
    let designate = |code: &str, kind: &str| {
        format!(
            "insert into designations (unit_id, kind, valid_from) select id, '{kind}', '2011-05-11'
             from admin_units where code = '{code}'"
        )
    };
    let kp = |code: &str, category: &str, at: &str, x: f64, y: f64, archived: bool| {
        format!(
            "insert into key_points (code, category, observed_at, location, archived_at)
             values ('{code}', '{category}', '{at}', {}, {})",
            point(x, y),
            if archived { "now()" } else { "null" }
        )
    };
    let statements = vec![
        unit("90", "province", "tỉnh", "", "null", square(390.0, 420.0)),
        unit("901", "district", "huyện", "90", "null", square(390.0, 420.0)),
        unit("90001", "commune", "xã", "901", "2000", square(390.0, 405.0)),
        unit("90002", "commune", "xã", "901", "null", square(405.0, 420.0)),
        unit("9000101", "village", "thôn", "90001", "null", square(390.0, 397.5)),
        unit("9000102", "village", "thôn", "90001", "null", square(397.5, 405.0)),
        designate("90001", "key_security"),
        designate("90002", "key_security"),
        designate("90001", "border_commune"),
        designate("9000101", "especially_difficult_village"),
        designate("9000102", "especially_difficult_village"),
        "insert into model_types (code, name_vi, name_en) values ('T1', 'Thôn bản bình yên', 'Peaceful village')"
            .to_owned(),
        format!(
            "insert into model_sites (code, type_code, name, host_kind, effectiveness, started_on, geom) values
             ('M1', 'T1', 'Mô hình 1', 'village', 'fair', '2015-01-01', {}),
             ('M2', 'T1', 'Mô hình 2', 'village', 'effective', '2015-01-01', {})",
            point(401_000.0, 2_495_000.0),
            point(410_000.0, 2_495_000.0)
        ),
        format!(
            "insert into border_segments (code, name, commune_id, geom) values
             ('BG-T1', 'Đoạn thử 1', (select id from admin_units where code = '90001'), {}),
             ('BG-T2', 'Đoạn thử 2', null, {})",
            line(400_000.0, 2_500_000.0, 410_000.0, 2_500_000.0),
            line(400_000.0, 2_510_000.0, 405_000.0, 2_510_000.0)
        ),
        "insert into patrols (code, kind, units, started_at, ended_at) values
         ('P1', 'joint', '{Đồn A,CA xã X}', '2020-06-10 08:00+07', '2020-06-10 12:00+07'),
         ('P2', 'commune', '{CA xã X}', '2020-06-20 22:00+07', '2020-06-21 02:00+07')"
            .to_owned(),
        format!(
            "insert into patrol_tracks (patrol_id, geom, started_at, ended_at) values
             ((select id from patrols where code = 'P1'), {}, '2020-06-10 08:00+07', '2020-06-10 12:00+07'),
             ((select id from patrols where code = 'P2'), {}, '2020-06-20 22:00+07', '2020-06-21 02:00+07')",
            line(403_000.0, 2_500_100.0, 407_000.0, 2_500_100.0),
            line(395_000.0, 2_505_000.0, 399_000.0, 2_505_000.0)
        ),
        kp("K1", "drugs", "2020-06-02 10:00+07", 392_000.0, 2_495_000.0, false),
        kp("K2", "drugs", "2020-06-12 10:00+07", 393_000.0, 2_496_000.0, false),
        kp("K3", "crime", "2020-06-15 10:00+07", 399_000.0, 2_497_000.0, false),
        kp("K4", "crime", "2020-06-16 10:00+07", 415_000.0, 2_497_000.0, false),
        kp("K5", "drugs", "2020-06-17 10:00+07", 392_000.0, 2_498_000.0, true),
        kp("K6", "drugs", "2019-06-17 10:00+07", 392_000.0, 2_499_000.0, false),
    ];
    for statement in statements {
        sqlx::query(sqlx::AssertSqlSafe(statement.clone()))
            .execute(pool)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

/// The world and a router for `role` (jurisdiction `codes` for bound roles).
pub async fn world_app(role: Role, codes: &[&str]) -> (crate::support::TestDb, Router) {
    let db = test_db().await;
    world(&db.pool).await;
    let token = token(&db.pool, role, codes).await;
    let app = as_user(app(db.pool.clone()), &token);
    (db, app)
}

/// Covered length of BG-T1 in June 2020, sight width 500 m (half-width 250 m). The track runs
/// 100 m from the segment over x 403–407 km, so the segment is covered there (4,000 m) and, past
/// each end of the track, as far as the round end of the buffer reaches it:
/// √(250² − 100²) = √52,500 = 229.129 m on each side. 4,000 + 2 × 229.129 = 4,458.258 m.
/// PostGIS draws the round end with 8 chords per quarter circle; the chord under the crossing (at
/// asin(100/250) = 23.6°, between the vertices at 22.5° and 33.75°) lies at most
/// 250 × (1 − cos 5.625°) ≈ 1.2 m inside the circle at each end, so allow 3 m.
const COVERED_M: f64 = 4_000.0 + 2.0 * 229.128_784_747_792;

fn num(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

async fn coverage_rows(
    pool: &PgPool,
    width: f64,
) -> Vec<(String, f64, f64, f64, Option<chrono::NaiveDate>, Option<i32>)> {
    sqlx::query_as(
        "select code, length_m, covered_m, share, last_patrolled, days_since_patrolled
         from atlas_border_coverage('2020-06-01 00:00+07', '2020-07-01 00:00+07', $1, 0.25) order by code",
    )
    .bind(width)
    .fetch_all(pool)
    .await
    .expect("coverage")
}

#[tokio::test]
async fn coverage_of_a_constructed_segment_matches_the_arithmetic() {
    let db = test_db().await;
    world(&db.pool).await;
    let rows = coverage_rows(&db.pool, 500.0).await;
    let (code, length, covered, share, last, days) = rows[0].clone();
    assert_eq!(code, "BG-T1");
    assert!((length - 10_000.0).abs() < 0.05, "length {length}");
    assert!((covered - COVERED_M).abs() < 3.0, "covered {covered}, expected {COVERED_M}");
    assert!((share - COVERED_M / 10_000.0).abs() < 3e-4, "share {share}");
    // Last patrolled 2020-06-10; the window's last day is 2020-06-30: 20 days.
    assert_eq!(last, chrono::NaiveDate::from_ymd_opt(2020, 6, 10));
    assert_eq!(days, Some(20));
    // BG-T2 was never patrolled.
    assert_eq!(rows[1].0, "BG-T2");
    assert_eq!((rows[1].2, rows[1].3, rows[1].4, rows[1].5), (0.0, 0.0, None, None));

    // With a width of 150 m (75 m either side) the track, 100 m off, sees nothing.
    let narrow = coverage_rows(&db.pool, 150.0).await;
    assert_eq!((narrow[0].2, narrow[0].4), (0.0, None));
    // With 2,000 m the buffer reaches √(1000² − 100²) = 994.987 m past each end:
    // 4,000 + 1,989.975 = 5,989.975 m. The crossing, at asin(100/1000) = 5.7°, is near the middle
    // of the chord from 0° to 11.25°, which lies 1000 × (1 − cos 5.625°) ≈ 4.8 m inside the
    // circle: up to 9.7 m less in all (measured: 5,980.3 m).
    let wide = coverage_rows(&db.pool, 2000.0).await;
    assert!((wide[0].2 - 5_989.975).abs() < 10.0, "covered {}", wide[0].2);
}

#[tokio::test]
async fn uncovered_stretches_and_covered_length_add_up_to_the_segment() {
    let db = test_db().await;
    world(&db.pool).await;
    let gaps: Vec<(String, f64, f64)> = sqlx::query_as(
        "select segment_code, from_m, length_m
         from atlas_coverage_gaps('2020-06-01 00:00+07', '2020-07-01 00:00+07', 500) order by id",
    )
    .fetch_all(&db.pool)
    .await
    .expect("gaps");
    // BG-T1: from 0 to 3,000 − 229.129 m and from 7,000 + 229.129 m to 10,000 m; BG-T2 whole.
    let t1: Vec<_> = gaps.iter().filter(|g| g.0 == "BG-T1").collect();
    assert_eq!(t1.len(), 2, "{gaps:?}");
    let side = 3_000.0 - 229.128_784_747_792;
    assert!(t1[0].1.abs() < 0.05 && (t1[0].2 - side).abs() < 3.0, "{t1:?}");
    assert!((t1[1].1 - (10_000.0 - side)).abs() < 3.0 && (t1[1].2 - side).abs() < 3.0, "{t1:?}");
    let covered = coverage_rows(&db.pool, 500.0).await[0].2;
    let sum: f64 = t1.iter().map(|g| g.2).sum();
    // Each figure is rounded to 0.1 m.
    assert!((sum + covered - 10_000.0).abs() < 0.2, "gaps {sum} + covered {covered}");
    let t2: Vec<_> = gaps.iter().filter(|g| g.0 == "BG-T2").collect();
    assert_eq!(t2.len(), 1);
    assert!((t2[0].2 - 5_000.0).abs() < 0.05, "{t2:?}");
}

/// Geodesic length of a 4,000 m line of EPSG:32648 near x = 400 km: the UTM scale factor there
/// is 0.9996 × (1 + (100 km)² / (2 × 6,378 km²)) ≈ 0.99972, so 4 / 0.99972 = 4.0011 km.
const FOUR_KM_GEODESIC: f64 = 4.0 / 0.999_72;

fn row<'a>(rows: &'a Value, key: &str) -> &'a Value {
    rows["rows"]
        .as_array()
        .and_then(|r| r.iter().find(|x| x["key"] == key))
        .unwrap_or_else(|| panic!("no row {key} in {rows}"))
}

#[tokio::test]
async fn effort_by_month_unit_and_commune() {
    let (_db, app) = world_app(Role::Analyst, &[]).await;
    let (status, by_month) = get_json(&app, "/api/v1/analysis/effort?datetime=2020-06-01/2020-06-30").await;
    assert_eq!(status, StatusCode::OK, "{by_month}");
    // P1: one day, 4 h; P2: 22:00 to 02:00, two calendar days, 4 h.
    let june = row(&by_month, "2020-06");
    assert_eq!((june["patrols"].as_i64(), june["patrol_days"].as_i64()), (Some(2), Some(3)));
    assert!((num(june, "hours") - 8.0).abs() < 1e-9, "{june}");
    assert!((num(june, "km") - 2.0 * FOUR_KM_GEODESIC).abs() < 0.002, "{june}");

    let (_, by_unit) = get_json(&app, "/api/v1/analysis/effort?datetime=2020-06-01/2020-06-30&by=unit").await;
    let x = row(&by_unit, "CA xã X");
    assert_eq!((x["patrols"].as_i64(), x["patrol_days"].as_i64(), num(x, "hours")), (Some(2), Some(3), 8.0));
    let a = row(&by_unit, "Đồn A");
    assert_eq!((a["patrols"].as_i64(), a["patrol_days"].as_i64(), num(a, "hours")), (Some(1), Some(1), 4.0));

    // P1's track crosses from 90001 into 90002 at x = 405 km: 2 km (and 2 of its 4 h) each side.
    let (_, by_commune) =
        get_json(&app, "/api/v1/analysis/effort?datetime=2020-06-01/2020-06-30&by=commune").await;
    let c1 = row(&by_commune, "90001");
    assert_eq!((c1["patrols"].as_i64(), c1["patrol_days"].as_i64()), (Some(2), Some(3)));
    assert!(
        (num(c1, "hours") - 6.0).abs() < 0.01 && (num(c1, "km") - 1.5 * FOUR_KM_GEODESIC).abs() < 0.002,
        "{c1}"
    );
    let c2 = row(&by_commune, "90002");
    assert!(
        (num(c2, "hours") - 2.0).abs() < 0.01 && (num(c2, "km") - 0.5 * FOUR_KM_GEODESIC).abs() < 0.002,
        "{c2}"
    );

    // Outside the window: nothing.
    let (_, none) = get_json(&app, "/api/v1/analysis/effort?datetime=2021-01-01/2021-12-31").await;
    assert_eq!(none["rows"], serde_json::json!([]));
}

#[tokio::test]
async fn effort_as_csv_is_audited_and_an_editor_sees_its_jurisdiction_only() {
    let (db, app) = world_app(Role::Editor, &["90002"]).await;
    let (status, headers, body) =
        get_raw(&app, "/api/v1/analysis/effort?datetime=2020-06-01/2020-06-30&by=commune&f=csv", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let text = String::from_utf8(body).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "key,name,patrols,patrol_days,hours,km");
    // Only 90002 (P1 reaches it; P2 does not), not its neighbour 90001.
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].starts_with("90002,"), "{text}");
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'export' and target = 'analysis:effort:commune'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("audit");
    assert_eq!(audited, 1);
    // By month, only P1 reaches the jurisdiction.
    let (_, by_month) = get_json(&app, "/api/v1/analysis/effort?datetime=2020-06-01/2020-06-30").await;
    assert_eq!(row(&by_month, "2020-06")["patrols"].as_i64(), Some(1), "{by_month}");
}

#[tokio::test]
async fn effort_is_refused_to_viewers_and_bad_parameters_are_named() {
    let (db, app) = world_app(Role::Analyst, &[]).await;
    for (uri, name) in [
        ("/api/v1/analysis/effort?by=week", "by: 'week' is not one of month, unit, commune"),
        ("/api/v1/analysis/effort?datetime=2020-06-30/2020-06-01", "datetime: "),
        ("/api/v1/analysis/effort?width=-5", "width: unknown parameter"),
    ] {
        let (status, body) = get_json(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert!(body["description"].as_str().unwrap_or_default().starts_with(name), "{uri}: {body}");
    }
    let viewer = as_user(
        crate::support::app(db.pool.clone()),
        &crate::support::token(&db.pool, Role::Viewer, &[]).await,
    );
    let (status, _) = get_json(&viewer, "/api/v1/analysis/effort").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
