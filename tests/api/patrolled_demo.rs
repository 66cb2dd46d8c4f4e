//! "Last patrolled" on the demo across the reorganisation of 1/7/2025 (issue 21). The window
//! 20/06/2025 – 10/08/2025 starts before the reorganisation and ends after it. What the service
//! answers is compared with a second measurement made here from the track geometry: for each
//! patrol and segment, the length of the segment inside the union of the patrol's tracks buffered
//! by 250 m (500 m sight width), in EPSG:32648, over the segment's length. The service instead
//! merges the intervals of the segment each track's band covers (migration 0070); the two must
//! agree. In this window three segments are only grazed last: BG-11 (Bản Lầu) by Lào Cai's patrol
//! TT-2025-0174 on 08/08/2025, 55.3 m, after Bản Lầu's own TT-2025-0161 on 23/07 (68 %).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use chrono::NaiveDate;
use serde_json::Value;
use sqlx::PgPool;

use crate::support::{app, as_user, get_json, loaded_db, token};
use antq_atlas::auth::Role;

const WINDOW: &str = "datetime=2025-06-20/2025-08-10";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("{y}-{m}-{d}"))
}

/// A patrol against a segment, measured from the geometry: (segment, patrol, Vietnamese day of
/// its last track's end, metres of the segment within 250 m of its tracks, share).
type Measured = (String, String, NaiveDate, f64, f64);

/// Every patrol that ended before `end` against every segment its tracks come within 250 m of.
async fn measured(pool: &PgPool, end: &str) -> Vec<Measured> {
    sqlx::query_as(
        "with seg as (select code, ST_Transform(geom, 32648) as g from border_segments)
         select seg.code, p.code, (max(coalesce(t.ended_at, p.ended_at)) at time zone 'Asia/Ho_Chi_Minh')::date,
                ST_Length(ST_Intersection(seg.g, ST_Union(ST_Buffer(ST_Transform(t.geom, 32648), 250)))),
                ST_Length(ST_Intersection(seg.g, ST_Union(ST_Buffer(ST_Transform(t.geom, 32648), 250))))
                    / ST_Length(seg.g)
         from seg join patrol_tracks t on ST_DWithin(ST_Transform(t.geom, 32648), seg.g, 250)
         join patrols p on p.id = t.patrol_id
         where coalesce(t.ended_at, p.ended_at) < $1::timestamptz
         group by seg.code, seg.g, p.code order by 1, 3, 2",
    )
    .bind(end)
    .fetch_all(pool)
    .await
    .expect("measured")
}

/// Per segment, from the measurements: the last day a patrol covered at least a quarter of it,
/// and the last day any patrol touched it with the metres it covered (the longer on one day).
fn expected(rows: &[Measured]) -> BTreeMap<String, (Option<NaiveDate>, NaiveDate, f64)> {
    let mut out: BTreeMap<String, (Option<NaiveDate>, NaiveDate, f64)> = BTreeMap::new();
    for (segment, _, day, metres, share) in rows.iter().filter(|r| r.3 > 0.0) {
        let e = out.entry(segment.clone()).or_insert((None, *day, *metres));
        if *share >= 0.25 {
            e.0 = e.0.max(Some(*day));
        }
        if (*day, *metres) > (e.1, e.2) {
            (e.1, e.2) = (*day, *metres);
        }
    }
    out
}

fn day_of(v: &Value) -> Option<NaiveDate> {
    v.as_str().and_then(|s| s.parse().ok())
}

#[tokio::test]
async fn across_the_reorganisation_every_segments_last_patrol_is_the_one_its_tracks_give() {
    let db = loaded_db().await;
    let app = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let want = expected(&measured(&db.pool, "2025-08-11 00:00+07").await);
    assert_eq!(want.len(), 21, "every demo segment was patrolled by then: {want:?}");

    let (status, body) =
        get_json(&app, &format!("/api/v1/collections/border_coverage/items?{WINDOW}&limit=100")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let features = body["features"].as_array().unwrap_or_else(|| panic!("{body}"));
    assert_eq!(features.len(), 21);
    let mut grazed = Vec::new();
    for f in features {
        let p = &f["properties"];
        let code = p["code"].as_str().unwrap_or_default();
        let (last, touched, metres) = want[code];
        assert_eq!(day_of(&p["last_patrolled"]), last, "{code}: {p}");
        let days = last.map(|d| (date(2025, 8, 10) - d).num_days());
        assert_eq!(p["days_since_patrolled"].as_i64(), days, "{code}: {p}");
        assert_eq!(day_of(&p["last_touched"]), Some(touched), "{code}: {p}");
        assert!(
            (p["last_touched_m"].as_f64().unwrap_or(f64::NAN) - metres).abs() < 0.1,
            "{code}: {p} vs {metres}"
        );
        if last < Some(touched) {
            grazed.push(code.to_owned());
        }
    }
    // The rule changes the answer here, after the reorganisation as before it.
    assert_eq!(grazed, ["BG-02", "BG-06", "BG-11"]);
    assert_eq!(want["BG-11"].0, Some(date(2025, 7, 23)));

    // The planning view's gaps ahead from 11/08/2025 (no demo plan then): the same dates, the days
    // counted to the window's first day.
    let (status, plan) = get_json(&app, "/api/v1/analysis/plan-coverage?from=2025-08-11&weeks=1").await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    let gaps = plan["gaps"].as_array().unwrap_or_else(|| panic!("{plan}"));
    assert_eq!(gaps.len(), 21, "{plan}");
    for g in gaps {
        let code = g["code"].as_str().unwrap_or_default();
        let last = want[code].0;
        assert_eq!(day_of(&g["last_patrolled"]), last, "{code}: {g}");
        assert_eq!(
            g["days_since_patrolled"].as_i64(),
            last.map(|d| (date(2025, 8, 11) - d).num_days()),
            "{g}"
        );
    }
}

#[tokio::test]
async fn bg11s_history_after_the_reorganisation_lists_the_graze_and_the_patrol_that_counts() {
    let db = loaded_db().await;
    let app = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let (status, body) =
        get_json(&app, &format!("/api/v1/analysis/border-segments/BG-11/patrols?{WINDOW}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let listed: Vec<(String, Option<NaiveDate>, f64, f64, bool, bool)> = body["patrols"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|p| {
            let n = |k: &str| p[k].as_f64().unwrap_or(f64::NAN);
            let code = p["code"].as_str().unwrap_or_default().to_owned();
            (
                code,
                day_of(&p["date"]),
                n("covered_m"),
                n("share"),
                p["counts"] == true,
                p["in_window"] == true,
            )
        })
        .collect();
    // The window's patrols of BG-11, newest first, from the geometry.
    let mut own: Vec<Measured> = measured(&db.pool, "2025-08-11 00:00+07")
        .await
        .into_iter()
        .filter(|m| m.0 == "BG-11" && m.2 >= date(2025, 6, 20))
        .collect();
    own.reverse();
    let codes: Vec<&str> = listed.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(codes, own.iter().map(|m| m.1.as_str()).collect::<Vec<_>>(), "{body}");
    assert_eq!(codes, ["TT-2025-0174", "TT-2025-0161"]);
    for (l, m) in listed.iter().zip(&own) {
        assert_eq!(l.1, Some(m.2), "{l:?} {m:?}");
        assert!((l.2 - m.3).abs() < 0.1 && (l.3 - m.4).abs() < 1e-4, "{l:?} {m:?}");
        assert_eq!((l.4, l.5), (m.4 >= 0.25, true), "{l:?}");
    }
    assert_eq!((&body["last_patrolled"], &body["days_since_patrolled"]), (&"2025-07-23".into(), &18.into()));
}

/// Nậm Chảy (02770) joined Mường Khương (02761) on 1/7/2025. An editor of 02761 reads BG-10,
/// Nậm Chảy's segment, in a window that ends after the merger, and not in one before it.
#[tokio::test]
async fn a_segments_history_follows_the_jurisdiction_through_the_merger() {
    let db = loaded_db().await;
    let editor = as_user(app(db.pool.clone()), &token(&db.pool, Role::Editor, &["02761"]).await);
    let uri = |window: &str| format!("/api/v1/analysis/border-segments/BG-10/patrols?datetime={window}");
    let (status, after) = get_json(&editor, &uri("2025-06-20/2025-08-10")).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["last_patrolled"], "2025-08-05", "{after}");
    let (status, before) = get_json(&editor, &uri("2025-05-01/2025-06-30")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{before}");
}
