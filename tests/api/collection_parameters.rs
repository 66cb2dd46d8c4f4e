//! `GET /collections/{id}` states the parameters a request of the layer actually uses, defaults
//! resolved (issue 21, `layers/used.rs`): the hexagon edge and radius of the analysis run, the
//! window as the layer's SQL reads it, the sight width and minimum share.

use axum::http::StatusCode;
use chrono::{Duration, FixedOffset, Utc};
use serde_json::Value;

use crate::support::{app, as_user, get_json, loaded_db, test_db, token};
use antq_atlas::auth::Role;

/// The hot spots' default edge is the shorter side of the province's bounding box / 50, rounded
/// down to 100 m (docs/analysis.md): 2,000 m for Lao Cai before 1/7/2025 (100.7 km), 3,200 m for
/// the merged province after (162.2 km). The radius is the run's, the one the PAI answer echoes
/// for the same key points.
#[tokio::test]
async fn the_hotspots_metadata_states_the_runs_cell_radius_and_window() {
    let db = loaded_db().await;
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let (status, before) =
        get_json(&analyst, "/api/v1/collections/hotspots?as_of=2020-06-30&datetime=2019-01-01/2019-12-31")
            .await;
    assert_eq!(status, StatusCode::OK, "{before}");
    let used = &before["parametersUsed"];
    assert_eq!((used["cell"].as_f64(), &used["as_of"]), (Some(2000.0), &"2020-06-30".into()), "{used}");
    assert_eq!(used["datetime"][0], "2018-12-31T17:00:00+00:00", "{used}");
    assert_eq!(used["category"], Value::Null, "all categories: {used}");
    let (status, pai) = get_json(
        &analyst,
        "/api/v1/analysis/pai?train=2019-01-01/2019-12-31&test=2020-01-01/2020-12-31&as_of=2020-06-30",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{pai}");
    assert_eq!(pai["cell_m"].as_f64(), Some(2000.0), "{pai}");
    let radius = used["radius"].as_f64().unwrap_or(f64::NAN);
    assert!(
        radius > 0.0 && (radius - pai["radius_m"].as_f64().unwrap_or(f64::NAN)).abs() < 1e-6,
        "{used} {pai}"
    );

    let (_, after) =
        get_json(&analyst, "/api/v1/collections/hotspots?as_of=2026-01-01&datetime=2025-07-01/2025-12-31")
            .await;
    assert_eq!(after["parametersUsed"]["cell"].as_f64(), Some(3200.0), "{after}");
    let (_, given) = get_json(&analyst, "/api/v1/collections/hotspots?as_of=2020-06-30&cell=5000").await;
    assert_eq!(given["parametersUsed"]["cell"].as_f64(), Some(5000.0), "{given}");
}

#[tokio::test]
async fn coverage_and_effort_state_their_window_width_and_cell() {
    let db = test_db().await;
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let (status, coverage) =
        get_json(&analyst, "/api/v1/collections/border_coverage?datetime=2020-03-01/2020-03-31").await;
    assert_eq!(status, StatusCode::OK, "{coverage}");
    let used = &coverage["parametersUsed"];
    assert_eq!(used["datetime"][0], "2020-02-29T17:00:00+00:00", "{used}");
    assert_eq!((used["width"].as_f64(), used["min_share"].as_f64()), (Some(500.0), Some(0.25)), "{used}");

    // No window: the 30 days up to today in Vietnam, [today - 29 days 00:00, tomorrow 00:00) +07.
    let (status, effort) = get_json(&analyst, "/api/v1/collections/patrol_effort").await;
    assert_eq!(status, StatusCode::OK, "{effort}");
    let vn = FixedOffset::east_opt(7 * 3600).expect("UTC+7");
    let tomorrow = (Utc::now().with_timezone(&vn).date_naive() + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(vn).single())
        .expect("a Vietnamese midnight")
        .with_timezone(&Utc);
    let used = &effort["parametersUsed"];
    assert_eq!(used["cell"].as_f64(), Some(1000.0), "{used}");
    assert_eq!(used["datetime"][1], Value::from(tomorrow.to_rfc3339()), "{used}");
    assert_eq!(used["datetime"][0], Value::from((tomorrow - Duration::days(30)).to_rfc3339()), "{used}");

    // A layer without parameters states none; the list computes nothing.
    let (_, segments) = get_json(&analyst, "/api/v1/collections/border_segments").await;
    assert!(segments.get("parametersUsed").is_none(), "{segments}");
    let (_, list) = get_json(&analyst, "/api/v1/collections").await;
    assert!(
        list["collections"].as_array().is_some_and(|c| c.iter().all(|c| c.get("parametersUsed").is_none()))
    );

    for (uri, name) in [
        ("/api/v1/collections/patrol_effort?cell=5", "cell"),
        ("/api/v1/collections/border_coverage?min_share=2", "min_share"),
        ("/api/v1/collections/border_coverage?colour=red", "colour"),
        ("/api/v1/collections/border_coverage?f=xml", "f"),
        ("/api/v1/collections/border_coverage?bbox=103,22,104,23", "filters belong to its items"),
    ] {
        let (status, body) = get_json(&analyst, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert!(body["description"].as_str().unwrap_or_default().contains(name), "{uri}: {body}");
    }
}
