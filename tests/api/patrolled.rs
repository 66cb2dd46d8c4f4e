//! "Last patrolled" by the share rule (issue 21, migration 0070): a patrol counts as having
//! patrolled a segment only when it covered at least `min_share` of it. Known answers on a border
//! drawn in UTM 48N (EPSG:32648, metres; straight two-vertex lines keep exact lengths there), width
//! 500 m (a band of 250 m either side of a track, with round ends whose vertices include the
//! points straight ahead, so a track on the border's line reaches exactly 250 m past its end):
//!
//! - BG-P1 (400, 2500)–(410, 2500) km, 10,000 m; BG-P2 (410, 2500)–(415, 2500) km, 5,000 m,
//!   continuing it; BG-P3 (400, 2510)–(402, 2510) km, 2,000 m.
//! - PA, 2020-05-10 21:00 to 05-11 00:30 (+07): a track on BG-P1's line, x 400.25–405.75 km,
//!   covering 0–6,000 m: 60 %. It ended on 11/05 in Vietnam (10/05 in UTC).
//! - PB, 2020-06-20 08:00–12:00: a track on the line, x 410.209–412 km. Its band reaches back to
//!   x 409.959 km: 41 m of BG-P1 (0.41 %) and 2,250 m of BG-P2 (45 %): one patrol, two segments,
//!   each by its own share.
//! - PC, 2020-06-05: a track crossing BG-P3 at right angles at x 401 km: its band's straight sides
//!   cut 500 m, exactly 25 %. PD, 2020-06-15: crossing at x 400.249 km, cut by the segment's
//!   start: 0–499 m, 24.95 %, just below.

use axum::http::StatusCode;
use chrono::NaiveDate;
use serde_json::Value;
use sqlx::PgPool;

use crate::support::{app, as_user, get_json, loaded_db, test_db, token};
use antq_atlas::auth::Role;

fn line(x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    format!("ST_Transform(ST_GeomFromText('LINESTRING({x0} {y0},{x1} {y1})', 32648), 4326)")
}

async fn border(pool: &PgPool) {
    let patrol = |code: &str, from: &str, to: &str, geom: String| {
        format!(
            "with p as (insert into patrols (code, kind, units, started_at, ended_at)
                        values ('{code}', 'border', '{{Đồn {code}}}', '{from}', '{to}') returning id)
             insert into patrol_tracks (patrol_id, geom, started_at, ended_at) select id, {geom}, '{from}', '{to}' from p"
        )
    };
    let statements = [
        format!(
            "insert into border_segments (code, name, geom) values
             ('BG-P1', 'Đoạn 1', {}), ('BG-P2', 'Đoạn 2', {}), ('BG-P3', 'Đoạn 3', {})",
            line(400_000.0, 2_500_000.0, 410_000.0, 2_500_000.0),
            line(410_000.0, 2_500_000.0, 415_000.0, 2_500_000.0),
            line(400_000.0, 2_510_000.0, 402_000.0, 2_510_000.0)
        ),
        patrol(
            "PA",
            "2020-05-10 21:00+07",
            "2020-05-11 00:30+07",
            line(400_250.0, 2_500_000.0, 405_750.0, 2_500_000.0),
        ),
        patrol(
            "PB",
            "2020-06-20 08:00+07",
            "2020-06-20 12:00+07",
            line(410_209.0, 2_500_000.0, 412_000.0, 2_500_000.0),
        ),
        patrol(
            "PC",
            "2020-06-05 08:00+07",
            "2020-06-05 12:00+07",
            line(401_000.0, 2_509_000.0, 401_000.0, 2_511_000.0),
        ),
        patrol(
            "PD",
            "2020-06-15 08:00+07",
            "2020-06-15 12:00+07",
            line(400_249.0, 2_509_000.0, 400_249.0, 2_511_000.0),
        ),
    ];
    for statement in statements {
        sqlx::query(sqlx::AssertSqlSafe(statement.clone()))
            .execute(pool)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

type Row = (String, f64, f64, Option<NaiveDate>, Option<i32>, Option<NaiveDate>, Option<f64>);

/// Each segment's June 2020 coverage at 500 m with the minimum share `min_share`.
async fn june(pool: &PgPool, min_share: f64) -> Vec<Row> {
    sqlx::query_as(
        "select code, covered_m, share, last_patrolled, days_since_patrolled, last_touched, last_touched_m
         from atlas_border_coverage('2020-06-01 00:00+07', '2020-07-01 00:00+07', 500, $1) order by code",
    )
    .bind(min_share)
    .fetch_all(pool)
    .await
    .expect("coverage")
}

fn day(m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(2020, m, d)
}

#[tokio::test]
async fn a_graze_later_does_not_hide_a_patrol_a_month_earlier() {
    let db = test_db().await;
    border(&db.pool).await;
    let rows = june(&db.pool, 0.25).await;
    let p1 = &rows[0];
    assert_eq!(p1.0, "BG-P1");
    // June saw only PB's 41 m of it.
    assert!((p1.1 - 41.0).abs() < 0.05 && (p1.2 - 0.0041).abs() < 1e-9, "{p1:?}");
    // Last patrolled by PA (60 %), on 11/05 in Vietnam; 50 days to 30/06. Last touched by PB, 41 m.
    assert_eq!((p1.3, p1.4), (day(5, 11), Some(50)), "{p1:?}");
    assert_eq!(p1.5, day(6, 20), "{p1:?}");
    assert!((p1.6.unwrap_or_default() - 41.0).abs() < 0.05, "{p1:?}");
    // With no minimum, the graze counts: the old answer, kept available on purpose.
    assert_eq!(june(&db.pool, 0.0).await[0].3, day(6, 20));
}

#[tokio::test]
async fn one_patrol_across_two_segments_counts_for_each_by_its_own_share() {
    let db = test_db().await;
    border(&db.pool).await;
    let shares: Vec<(String, String, f64, f64)> = sqlx::query_as(
        "select s.code, p.code, x.covered_m, x.share
         from atlas_segment_patrols('-infinity', '2020-07-01 00:00+07', 500) x
         join border_segments s on s.id = x.segment_id join patrols p on p.id = x.patrol_id order by 1, 2",
    )
    .fetch_all(&db.pool)
    .await
    .expect("shares");
    let pb: Vec<_> = shares.iter().filter(|r| r.1 == "PB").collect();
    assert_eq!(pb.len(), 2, "{shares:?}");
    assert_eq!((pb[0].0.as_str(), pb[1].0.as_str()), ("BG-P1", "BG-P2"));
    assert!((pb[0].2 - 41.0).abs() < 0.05 && (pb[0].3 - 0.0041).abs() < 1e-9, "{pb:?}");
    assert!((pb[1].2 - 2250.0).abs() < 0.05 && (pb[1].3 - 0.45).abs() < 1e-9, "{pb:?}");
    let rows = june(&db.pool, 0.25).await;
    assert_eq!((rows[1].0.as_str(), rows[1].3, rows[1].4), ("BG-P2", day(6, 20), Some(10)));
    assert_eq!(rows[0].3, day(5, 11), "the same patrol does not count for BG-P1");
}

#[tokio::test]
async fn the_minimum_share_counts_at_and_not_just_below() {
    let db = test_db().await;
    border(&db.pool).await;
    let shares: Vec<(String, f64)> = sqlx::query_as(
        "select p.code, x.share from atlas_segment_patrols('-infinity', '2020-07-01 00:00+07', 500) x
         join border_segments s on s.id = x.segment_id join patrols p on p.id = x.patrol_id
         where s.code = 'BG-P3' order by 1",
    )
    .fetch_all(&db.pool)
    .await
    .expect("shares");
    assert_eq!(shares, [("PC".to_owned(), 0.25), ("PD".to_owned(), 0.2495)]);
    // At 25 %: PC (exactly 25 %) counts, PD (24.95 %, later) only touched it.
    let p3 = june(&db.pool, 0.25).await.remove(2);
    assert_eq!((p3.3, p3.4, p3.5), (day(6, 5), Some(25), day(6, 15)), "{p3:?}");
    assert!((p3.6.unwrap_or_default() - 499.0).abs() < 0.05, "{p3:?}");
    // At 24.95 % PD counts; just above 25 % neither does.
    assert_eq!(june(&db.pool, 0.2495).await[2].3, day(6, 15));
    assert_eq!(june(&db.pool, 0.2501).await[2].3, None);
}

#[tokio::test]
async fn the_coverage_and_gaps_layers_apply_the_rule_and_take_min_share() {
    let db = test_db().await;
    border(&db.pool).await;
    let app = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let uri = "/api/v1/collections/border_coverage/items?datetime=2020-06-01/2020-06-30";
    let (status, body) = get_json(&app, uri).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let p1 = &body["features"][0]["properties"];
    assert_eq!(
        (&p1["code"], &p1["last_patrolled"], &p1["days_since_patrolled"]),
        (&"BG-P1".into(), &"2020-05-11".into(), &50.into())
    );
    assert_eq!(p1["last_touched"], "2020-06-20");
    assert_eq!((p1["last_touched_m"].as_f64(), p1["min_share"].as_f64()), (Some(41.0), Some(0.25)), "{p1}");
    let (_, low) = get_json(&app, &format!("{uri}&min_share=0.2495")).await;
    assert_eq!(low["features"][2]["properties"]["last_patrolled"], "2020-06-15");
    let (status, bad) = get_json(&app, &format!("{uri}&min_share=1.5")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    assert!(bad["description"].as_str().unwrap_or_default().contains("min_share"), "{bad}");

    // Gaps as of 30/06 over 30 days: BG-P1 (patrolled 50 days before, grazed 10 days before).
    let (status, gaps) =
        get_json(&app, "/api/v1/collections/gaps/items?as_of=2020-06-30&kind=border_not_patrolled").await;
    assert_eq!(status, StatusCode::OK, "{gaps}");
    let codes: Vec<&Value> = gaps["features"]
        .as_array()
        .map(|f| f.iter().map(|f| &f["properties"]["code"]).collect())
        .unwrap_or_default();
    assert_eq!(codes, [&Value::from("BG-P1")], "{gaps}");
    let gap = &gaps["features"][0]["properties"];
    assert_eq!(gap["days_since_patrolled"], 50);
    assert_eq!(gap["detail"], "Tuần tra gần nhất 11/05/2020 (50 ngày); lần chạm gần nhất 20/06/2020 (41 m)");
    // With no minimum the graze counts and BG-P1 is no gap.
    let (_, none) = get_json(
        &app,
        "/api/v1/collections/gaps/items?as_of=2020-06-30&kind=border_not_patrolled&min_share=0",
    )
    .await;
    assert_eq!(none["features"].as_array().map(Vec::len), Some(0), "{none}");
}

/// The gaps ahead of the planning view (migration 0071): the border has no plans, so every
/// segment is a gap; each carries its last patrol by the rule up to the window's first day, and
/// the days from then to that day. Window from 01/07/2020: BG-P1 by PA on 11/05 (51 days; PB
/// grazed it on 20/06, 41 m), BG-P2 by PB on 20/06 (45 %, 11 days), BG-P3 by PC on 05/06 (25 %,
/// 26 days; PD's 24.95 % on 15/06 only touched it). From 10/06, PB and PD come after the start.
#[tokio::test]
async fn the_gaps_ahead_give_the_last_patrol_by_the_rule() {
    let db = test_db().await;
    border(&db.pool).await;
    let app = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let gaps = |body: &Value| -> Vec<(String, Value, Value, Value, Option<f64>)> {
        body["gaps"]
            .as_array()
            .unwrap_or_else(|| panic!("no gaps in {body}"))
            .iter()
            .map(|g| {
                let code = g["code"].as_str().unwrap_or_default().to_owned();
                let last = (g["last_patrolled"].clone(), g["days_since_patrolled"].clone());
                (code, last.0, last.1, g["last_touched"].clone(), g["last_touched_m"].as_f64())
            })
            .collect()
    };
    let row = |code: &str, last: Value, days: Value, touched: &str, m: f64| {
        (code.to_owned(), last, days, Value::from(touched), Some(m))
    };
    let (status, july) = get_json(&app, "/api/v1/analysis/plan-coverage?from=2020-07-01&weeks=2").await;
    assert_eq!(status, StatusCode::OK, "{july}");
    assert_eq!(july["min_share"].as_f64(), Some(0.25), "{july}");
    assert_eq!(
        gaps(&july),
        [
            row("BG-P1", "2020-05-11".into(), 51.into(), "2020-06-20", 41.0),
            row("BG-P2", "2020-06-20".into(), 11.into(), "2020-06-20", 2250.0),
            row("BG-P3", "2020-06-05".into(), 26.into(), "2020-06-15", 499.0),
        ]
    );
    // The minimum is the panel's parameter: at 24.95 % PD counts for BG-P3.
    let (_, low) =
        get_json(&app, "/api/v1/analysis/plan-coverage?from=2020-07-01&weeks=2&min_share=0.2495").await;
    assert_eq!(gaps(&low)[2].1, "2020-06-15", "{low}");
    // Only what came before the window counts.
    let (_, june) = get_json(&app, "/api/v1/analysis/plan-coverage?from=2020-06-10&weeks=2").await;
    assert_eq!(
        gaps(&june),
        [
            row("BG-P1", "2020-05-11".into(), 30.into(), "2020-05-11", 6000.0),
            (String::from("BG-P2"), Value::Null, Value::Null, Value::Null, None),
            row("BG-P3", "2020-06-05".into(), 5.into(), "2020-06-05", 500.0),
        ]
    );
    // The plan_coverage layer gives the same figures.
    let (status, layer) =
        get_json(&app, "/api/v1/collections/plan_coverage/items?from=2020-07-01&weeks=2&min_share=0.2495")
            .await;
    assert_eq!(status, StatusCode::OK, "{layer}");
    let p3 = &layer["features"][2]["properties"];
    assert_eq!(
        (&p3["code"], &p3["last_patrolled"], &p3["days_since_patrolled"]),
        (&"BG-P3".into(), &"2020-06-15".into(), &16.into())
    );
    assert_eq!((p3["gap"].as_bool(), p3["min_share"].as_f64()), (Some(true), Some(0.2495)), "{p3}");
    let (status, bad) = get_json(&app, "/api/v1/analysis/plan-coverage?min_share=-1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    assert!(bad["description"].as_str().unwrap_or_default().starts_with("min_share"), "{bad}");
}

/// The demo's case in issue 21: in March 2020, BG-11 (Bản Lầu) was grazed by a neighbouring
/// post's patrol on 19/03 and BG-15 on 30/03, but neither was patrolled by the rule since before
/// March (BG-11 last on 11/02/2020, the check's finding).
#[tokio::test]
async fn on_the_demo_bg11_and_bg15_show_dates_older_than_march() {
    let db = loaded_db().await;
    let rows: Vec<Row> = sqlx::query_as(
        "select code, covered_m, share, last_patrolled, days_since_patrolled, last_touched, last_touched_m
         from atlas_border_coverage('2020-03-01 00:00+07', '2020-04-01 00:00+07', 500, 0.25)
         where code in ('BG-11', 'BG-15') order by code",
    )
    .fetch_all(&db.pool)
    .await
    .expect("coverage");
    let march = day(3, 1);
    for r in &rows {
        assert!(r.3.is_some() && r.3 < march, "{r:?}");
        assert!(r.5 >= march, "{r:?}");
    }
    assert_eq!((rows[0].3, rows[0].4, rows[0].5), (day(2, 11), Some(49), day(3, 19)), "{rows:?}");
    assert!((rows[0].6.unwrap_or_default() - 41.0).abs() < 1.0, "the check's 41 m: {rows:?}");
    assert_eq!((rows[1].3, rows[1].5), (day(2, 27), day(3, 30)), "{rows:?}");
}

/// The patrols of a segment, as (code, date, metres, share, counts, in the window).
fn history(body: &Value) -> Vec<(String, String, f64, f64, bool, bool)> {
    body["patrols"]
        .as_array()
        .unwrap_or_else(|| panic!("no patrols in {body}"))
        .iter()
        .map(|p| {
            let text = |k: &str| p[k].as_str().unwrap_or_default().to_owned();
            let num = |k: &str| p[k].as_f64().unwrap_or(f64::NAN);
            (
                text("code"),
                text("date"),
                num("covered_m"),
                num("share"),
                p["counts"] == true,
                p["in_window"] == true,
            )
        })
        .collect()
}

#[tokio::test]
async fn a_segments_history_shows_why_its_date_is_what_it_is() {
    let db = test_db().await;
    border(&db.pool).await;
    let app = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let june = "datetime=2020-06-01/2020-06-30";
    let (status, p1) =
        get_json(&app, &format!("/api/v1/analysis/border-segments/BG-P1/patrols?{june}")).await;
    assert_eq!(status, StatusCode::OK, "{p1}");
    // June's graze, then the patrol before the window that gives the date.
    assert_eq!(
        history(&p1),
        [
            ("PB".to_owned(), "2020-06-20".to_owned(), 41.0, 0.0041, false, true),
            ("PA".to_owned(), "2020-05-11".to_owned(), 6000.0, 0.6, true, false)
        ]
    );
    assert_eq!(
        (&p1["last_patrolled"], &p1["days_since_patrolled"], &p1["code"]),
        (&"2020-05-11".into(), &50.into(), &"BG-P1".into())
    );
    assert_eq!((p1["width_m"].as_f64(), p1["min_share"].as_f64()), (Some(500.0), Some(0.25)), "{p1}");
    assert_eq!(p1["patrols"][0]["units"][0], "Đồn PB");

    let (_, p3) =
        get_json(&app, &format!("/api/v1/analysis/border-segments/BG-P3/patrols?{june}&min_share=0.2495"))
            .await;
    let codes: Vec<_> = history(&p3).into_iter().map(|p| (p.0, p.4)).collect();
    assert_eq!(codes, [("PD".to_owned(), true), ("PC".to_owned(), true)]);
    assert_eq!(p3["last_patrolled"], "2020-06-15");

    let (status, body) = get_json(&app, "/api/v1/analysis/border-segments/BG-99/patrols").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = get_json(&app, "/api/v1/analysis/border-segments/BG-P1/patrols?min_share=2").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["description"].as_str().unwrap_or_default().contains("min_share"), "{body}");
}

#[tokio::test]
async fn a_segment_outside_an_editors_jurisdiction_is_403() {
    let db = test_db().await;
    border(&db.pool).await;
    sqlx::query(
        "insert into admin_units (code, level, kind, name, valid_from, geom) values ('91', 'province', 'tỉnh', 'Tỉnh 91',
         '2000-01-01', ST_Multi(ST_Transform(ST_MakeEnvelope(380000, 2490000, 395000, 2520000, 32648), 4326)))",
    )
    .execute(&db.pool)
    .await
    .expect("unit");
    let app = as_user(app(db.pool.clone()), &token(&db.pool, Role::Editor, &["91"]).await);
    let (status, body) = get_json(&app, "/api/v1/analysis/border-segments/BG-P1/patrols").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let viewer = as_user(crate::support::app(db.pool.clone()), &token(&db.pool, Role::Viewer, &[]).await);
    assert_eq!(
        get_json(&viewer, "/api/v1/analysis/border-segments/BG-P1/patrols").await.0,
        StatusCode::FORBIDDEN
    );
}
