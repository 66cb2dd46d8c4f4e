//! Patrol planning (issue 11) on a constructed set of plans whose answers can be worked out on
//! paper. Lines are drawn in UTM 48N (EPSG:32648, metres) and stored in WGS 84, as in `coverage`;
//! the sight width is 500 m, so a stretch counts within 250 m of a route.
//!
//! The window is 2 weeks from Monday 2030-01-07: [2030-01-07 00:00, 2030-01-21 00:00) +07.
//! A route covers the border beside it, not beyond its ends (flat ends, see migration 0022).
//! - S1 from (400, 2500) to (410, 2500) km (10,000 m). On 2030-01-08: A (border, {Đồn A})
//!   07:00–13:00 and D (border, {Đồn A, CA xã Z}) 07:00–09:00 on x 395–405 km, so covering x
//!   400–405; B (commune, {CA xã X}) 10:00–16:00 and C (joint, {Đồn B, CA xã Y}) 10:00–16:00 on
//!   x 402–408. On 2030-01-09, E (border, {CA xã W}) as B. Forecast share
//!   0.8 (x 400–408). Conflicts: A–B only (disjoint units, neither joint, 10:00–13:00 shared,
//!   stretch x 402–405 = 3,000 m); C is joint; D shares Đồn A with A and ends before B starts; E
//!   is another day.
//! - S2 from (400, 2510) to (405, 2510) km: F starts at the window's end, H ends at its start,
//!   I is archived: S2 is a gap ahead.
//! - S3 from (400, 2520) to (404, 2520) km: G (border, {Đồn G}) from 2030-01-06 20:00 to 01-07
//!   02:00 overlaps the window's first night; its route x 398–402 covers x 400–402, exactly half
//!   of S3.

use axum::http::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

use crate::coverage::world_app;
use crate::support::{app, as_user, get_json, get_raw, test_db, token};
use antq_atlas::auth::Role;

/// A straight line between two EPSG:32648 points (km), in WGS 84.
fn line(x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    let m = |v: f64| v * 1000.0;
    format!(
        "ST_Transform(ST_GeomFromText('LINESTRING({} {},{} {})', 32648), 4326)",
        m(x0),
        m(y0),
        m(x1),
        m(y1)
    )
}

async fn run(pool: &PgPool, statement: &str) {
    sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
        .execute(pool)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

async fn plans(pool: &PgPool) {
    run(
        pool,
        &format!(
            "insert into border_segments (code, name, geom) values ('S1', 'Đoạn 1', {}), ('S2', 'Đoạn 2', {}),
             ('S3', 'Đoạn 3', {})",
            line(400.0, 2500.0, 410.0, 2500.0),
            line(400.0, 2510.0, 405.0, 2510.0),
            line(400.0, 2520.0, 404.0, 2520.0)
        ),
    )
    .await;
    let west = line(395.0, 2500.0, 405.0, 2500.0);
    let east = line(402.0, 2500.0, 408.0, 2500.0);
    let s2 = line(400.0, 2510.0, 405.0, 2510.0);
    let plan = |code: &str, kind: &str, units: &str, t0: &str, t1: &str, route: &str| {
        format!("('{code}', '{kind}', '{units}', '{t0}', '{t1}', {route})")
    };
    let rows = [
        plan("A", "border", "{Đồn A}", "2030-01-08 07:00+07", "2030-01-08 13:00+07", &west),
        plan("D", "border", "{Đồn A,CA xã Z}", "2030-01-08 07:00+07", "2030-01-08 09:00+07", &west),
        plan("B", "commune", "{CA xã X}", "2030-01-08 10:00+07", "2030-01-08 16:00+07", &east),
        plan("C", "joint", "{Đồn B,CA xã Y}", "2030-01-08 10:00+07", "2030-01-08 16:00+07", &east),
        plan("E", "border", "{CA xã W}", "2030-01-09 10:00+07", "2030-01-09 16:00+07", &east),
        plan("F", "border", "{Đồn F}", "2030-01-21 00:00+07", "2030-01-21 06:00+07", &s2),
        plan("H", "border", "{Đồn H}", "2030-01-06 18:00+07", "2030-01-07 00:00+07", &s2),
        plan("I", "border", "{Đồn I}", "2030-01-10 07:00+07", "2030-01-10 12:00+07", &s2),
        plan(
            "G",
            "border",
            "{Đồn G}",
            "2030-01-06 20:00+07",
            "2030-01-07 02:00+07",
            &line(398.0, 2520.0, 402.0, 2520.0),
        ),
    ];
    run(
        pool,
        &format!(
            "insert into patrols (code, kind, units, planned_start, planned_end, planned_route) values {}",
            rows.join(", ")
        ),
    )
    .await;
    run(pool, "update patrols set archived_at = now() where code = 'I'").await;
}

async fn planned_app(role: Role) -> (crate::support::TestDb, axum::Router) {
    let db = test_db().await;
    plans(&db.pool).await;
    let token = token(&db.pool, role, &[]).await;
    let app = as_user(app(db.pool.clone()), &token);
    (db, app)
}

const WINDOW: &str = "from=2030-01-07&weeks=2";

fn segment<'a>(body: &'a Value, code: &str) -> &'a Value {
    body["segments"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["code"] == code))
        .unwrap_or_else(|| panic!("no segment {code} in {body}"))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn codes(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect()
}

#[tokio::test]
async fn plans_give_the_expected_gaps_conflicts_and_shares() {
    let (_db, app) = planned_app(Role::Analyst).await;
    let (status, body) = get_json(&app, &format!("/api/v1/analysis/plan-coverage?{WINDOW}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["window_start"], &body["window_end"]),
        (&"2030-01-06T17:00:00+00:00".into(), &"2030-01-20T17:00:00+00:00".into()),
        "{body}"
    );
    let s1 = segment(&body, "S1");
    assert_eq!(codes(&s1["plans"]), ["A", "D", "B", "C", "E"], "in order of planned start: {s1}");
    assert!((s1["share"].as_f64().unwrap_or_default() - 0.8).abs() < 2e-4, "{s1}");
    assert_eq!((&s1["gap"], &s1["conflicts"]), (&Value::Bool(false), &Value::from(1)));
    // The window's edges: F starts at its end and H ends at its start (ends are exclusive), I is
    // archived; G runs over its start.
    let s2 = segment(&body, "S2");
    assert_eq!((&s2["gap"], num(&s2["share"]), codes(&s2["plans"]).len()), (&Value::Bool(true), 0.0, 0));
    assert_eq!(codes(&body["gaps"]), ["S2"]);
    let s3 = segment(&body, "S3");
    assert_eq!(codes(&s3["plans"]), ["G"]);
    // Known answer: G covers x 400–402 of 400–404 km, half of S3.
    assert_eq!((num(&s3["share"]), num(&s3["planned_m"])), (0.5, 2000.0), "{s3}");

    let conflicts = body["conflicts"].as_array().unwrap_or_else(|| panic!("{body}"));
    assert_eq!(conflicts.len(), 1, "only A–B: C is joint, D shares a unit with A, E is another day: {body}");
    let c = &conflicts[0];
    assert_eq!(
        (&c["segment_code"], &c["a"]["code"], &c["b"]["code"]),
        (&"S1".into(), &"A".into(), &"B".into())
    );
    assert_eq!(
        (&c["a"]["units"], &c["b"]["units"]),
        (&serde_json::json!(["Đồn A"]), &serde_json::json!(["CA xã X"]))
    );
    assert_eq!(
        (&c["overlap_start"], &c["overlap_end"]),
        (&"2030-01-08T03:00:00+00:00".into(), &"2030-01-08T06:00:00+00:00".into())
    );
    assert!((c["shared_m"].as_f64().unwrap_or_default() - 3000.0).abs() < 0.5, "x 402–405 km: {c}");

    // Another window: the week after sees no plan at all, every segment a gap.
    let (_, later) = get_json(&app, "/api/v1/analysis/plan-coverage?from=2030-01-14&weeks=1").await;
    assert_eq!(codes(&later["gaps"]), ["S1", "S2", "S3"], "{later}");
    assert_eq!(later["conflicts"], serde_json::json!([]));
    // A window that starts at F's start sees it.
    let (_, f) = get_json(&app, "/api/v1/analysis/plan-coverage?from=2030-01-21&weeks=1").await;
    assert_eq!(codes(&segment(&f, "S2")["plans"]), ["F"]);
}

#[tokio::test]
async fn the_layers_serve_the_same_figures() {
    let (_db, app) = planned_app(Role::Analyst).await;
    let (status, body) = get_json(&app, &format!("/api/v1/collections/plan_coverage/items?{WINDOW}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let features = body["features"].as_array().unwrap_or_else(|| panic!("{body}"));
    let s2 = features.iter().find(|f| f["properties"]["code"] == "S2").unwrap_or_else(|| panic!("{body}"));
    assert_eq!(
        (&s2["properties"]["gap"], &s2["geometry"]["type"]),
        (&Value::Bool(true), &"LineString".into())
    );
    let (status, conflicts) =
        get_json(&app, &format!("/api/v1/collections/plan_conflicts/items?{WINDOW}")).await;
    assert_eq!(status, StatusCode::OK, "{conflicts}");
    assert_eq!(conflicts["numberReturned"], 1, "{conflicts}");
    let p = &conflicts["features"][0]["properties"];
    assert_eq!(
        (&p["patrol_a"], &p["patrol_b"], &p["units_b"]),
        (&"A".into(), &"B".into(), &"CA xã X".into())
    );
    let (status, _, csv) =
        get_raw(&app, &format!("/api/v1/collections/plan_coverage/export?f=csv&{WINDOW}"), &[]).await;
    let csv = String::from_utf8_lossy(&csv);
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(csv.lines().any(|l| l.contains("S1") && l.contains("0.8")), "{csv}");
}

#[tokio::test]
async fn parameters_are_refused_by_name_and_roles_checked() {
    let (db, app) = planned_app(Role::Analyst).await;
    for (uri, name) in [
        ("/api/v1/analysis/plan-coverage?weeks=0", "weeks"),
        ("/api/v1/analysis/plan-coverage?weeks=27", "weeks"),
        ("/api/v1/analysis/plan-coverage?from=07/01/2030", "from"),
        ("/api/v1/analysis/plan-coverage?width=1", "width"),
        ("/api/v1/analysis/plan-coverage?window=4", "window"),
        ("/api/v1/collections/plan_coverage/items?weeks=52", "weeks"),
        ("/api/v1/collections/plan_conflicts/items?from=2030-02-30", "from"),
    ] {
        let (status, body) = get_json(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert!(body["description"].as_str().unwrap_or_default().contains(name), "{uri}: {body}");
    }
    // As the coverage analyses: viewers and patrol users may not, nor anonymous callers.
    for role in [Role::Viewer, Role::Patrol] {
        let token = token(&db.pool, role, &[]).await;
        let app = as_user(app_of(&db), &token);
        let (status, body) = get_json(&app, &format!("/api/v1/analysis/plan-coverage?{WINDOW}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role:?}: {body}");
        let (status, _) = get_json(&app, &format!("/api/v1/collections/plan_conflicts/items?{WINDOW}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role:?}");
    }
    let (status, _) = get_json(&app_of(&db), "/api/v1/analysis/plan-coverage").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

fn app_of(db: &crate::support::TestDb) -> axum::Router {
    app(db.pool.clone())
}

/// Plan against record on the world of `coverage`: patrol R plans x 391–395 km at y 2495 km in
/// commune 90001 (4,000 m) on 2020-06-12 and walks x 391–391.75 km of it; within 250 m of the
/// track the route is walked from 391 to 392 km (the round end reaches 250 m on along the axis),
/// 1,000 m: a share of 0.25. Patrol Q has a plan and no track yet: no share.
#[tokio::test]
async fn the_share_of_the_plan_walked_is_on_the_map_and_in_the_commune_report() {
    let (db, app) = world_app(Role::Analyst, &[]).await;
    run(
        &db.pool,
        &format!(
            "insert into patrols (code, kind, units, planned_start, planned_end, planned_route) values
             ('R', 'commune', '{{CA xã X}}', '2020-06-12 08:00+07', '2020-06-12 12:00+07', {route}),
             ('Q', 'commune', '{{CA xã X}}', '2020-06-14 08:00+07', '2020-06-14 12:00+07', {route})",
            route = line(391.0, 2495.0, 395.0, 2495.0)
        ),
    )
    .await;
    run(
        &db.pool,
        &format!(
            "insert into patrol_tracks (patrol_id, geom, started_at, ended_at)
             select id, {}, '2020-06-12 08:10+07', '2020-06-12 09:00+07' from patrols where code = 'R'",
            line(391.0, 2495.0, 391.75, 2495.0)
        ),
    )
    .await;
    let (status, routes) = get_json(&app, "/api/v1/collections/patrol_routes/items?code=R").await;
    assert_eq!(status, StatusCode::OK, "{routes}");
    let r = &routes["features"][0]["properties"];
    assert_eq!(
        (num(&r["planned_m"]), num(&r["walked_m"]), num(&r["walked_share"])),
        (4000.0, 1000.0, 0.25),
        "{r}"
    );
    let (status, report) =
        get_json(&app, "/api/v1/reports/communes/90001?as_of=2020-06-30&datetime=2020-06-01/2020-06-30")
            .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let rows = report["plans_vs_records"].as_array().unwrap_or_else(|| panic!("{report}"));
    assert_eq!(codes(&report["plans_vs_records"]), ["R", "Q"], "{report}");
    assert_eq!((num(&rows[0]["walked_share"]), &rows[1]["walked_share"]), (0.25, &Value::Null), "{report}");
    assert_eq!(rows[1]["planned_m"].as_f64(), Some(4000.0));
    // Another commune's report does not list them.
    let (_, other) =
        get_json(&app, "/api/v1/reports/communes/90002?as_of=2020-06-30&datetime=2020-06-01/2020-06-30")
            .await;
    assert_eq!(other["plans_vs_records"], serde_json::json!([]), "{other}");
}
