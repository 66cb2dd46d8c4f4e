//! GPX uploads for a patrol (`POST /api/v1/patrols/{id}/tracks`, `antq import gpx`): segments
//! become tracks (a gap stays a gap), times are kept or unknown, the patrol's recorded span and
//! length follow; refusals change nothing.
//!
//! Fixture: `seed_small`; the patrol user's jurisdiction is commune 02644 (lon 104.0-104.1).

use antq_atlas::auth::Role;
use axum::Router;
use axum::http::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

use crate::imports::post;
use crate::support::{app, as_user, seed_small, test_db, token};
use crate::writes::fingerprint;

const GPX: &str = "application/gpx+xml";

/// Two tracks, three segments; between the first two segments the device was off for an hour
/// and moved 1.1 km (the gap), which must not count as walked.
const WITH_GAP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  <trk><name>Sáng</name>
    <trkseg>
      <trkpt lat="22.500" lon="104.050"><time>2026-03-01T00:00:00Z</time></trkpt>
      <trkpt lat="22.505" lon="104.050"><time>2026-03-01T00:10:00Z</time></trkpt>
    </trkseg>
    <trkseg>
      <trkpt lat="22.515" lon="104.050"><time>2026-03-01T01:10:00Z</time></trkpt>
      <trkpt lat="22.520" lon="104.050"><time>2026-03-01T01:20:00Z</time></trkpt>
    </trkseg>
  </trk>
  <trk><name>Chiều</name>
    <trkseg>
      <trkpt lat="22.520" lon="104.060"><time>2026-03-01T06:00:00Z</time></trkpt>
      <trkpt lat="22.520" lon="104.070"><time>2026-03-01T06:30:00Z</time></trkpt>
    </trkseg>
  </trk>
</gpx>"#;

async fn patrol(pool: &PgPool) -> i64 {
    seed_small(pool).await;
    sqlx::query_scalar("insert into patrols (code, kind) values ('TT-GPX', 'commune') returning id")
        .fetch_one(pool)
        .await
        .expect("patrol")
}

async fn patrol_user(pool: &PgPool) -> Router {
    as_user(app(pool.clone()), &token(pool, Role::Patrol, &["02644"]).await)
}

#[tokio::test]
async fn segments_become_tracks_and_the_span_and_length_leave_out_the_gap() {
    let db = test_db().await;
    let id = patrol(&db.pool).await;
    let app = patrol_user(&db.pool).await;

    let (status, body) = post(&app, &format!("/api/v1/patrols/{id}/tracks"), GPX, WITH_GAP.into()).await;

    assert_eq!(status, StatusCode::CREATED, "{body}");
    let p = &body["properties"];
    assert_eq!(p["tracks"], 3);
    assert_eq!(p["recorded_start"], "2026-03-01T00:00:00+00:00");
    assert_eq!(p["recorded_end"], "2026-03-01T06:30:00+00:00");
    assert_eq!(p["version"], 2, "the upload is a new version of the patrol");
    // The expected length, by PostGIS on the three segments written out here by hand.
    let expected: f64 = sqlx::query_scalar(
        "select round(sum(ST_Length(ST_GeomFromText(w, 4326)::geography))::numeric, 1)::float8 from unnest(array[
            'LINESTRING(104.05 22.5,104.05 22.505)', 'LINESTRING(104.05 22.515,104.05 22.52)',
            'LINESTRING(104.06 22.52,104.07 22.52)']) w",
    )
    .fetch_one(&db.pool)
    .await
    .expect("length");
    assert!((p["recorded_length_m"].as_f64().expect("length") - expected).abs() < 0.01, "{p} vs {expected}");
    assert!(expected > 2050.0 && expected < 2150.0, "about 0.55 + 0.55 + 1.03 km: {expected}");
    let names: Vec<Option<String>> =
        sqlx::query_scalar("select name from patrol_tracks where patrol_id = $1 order by id")
            .bind(id)
            .fetch_all(&db.pool)
            .await
            .expect("names");
    assert_eq!(names, [Some("Sáng".into()), Some("Sáng".into()), Some("Chiều".into())]);
}

#[tokio::test]
async fn a_gpx_without_times_is_accepted_with_its_times_unknown() {
    let db = test_db().await;
    let id = patrol(&db.pool).await;
    let app = patrol_user(&db.pool).await;
    let untimed = r#"<gpx version="1.1"><trk><trkseg><trkpt lat="22.5" lon="104.05"/><trkpt lat="22.51" lon="104.05"/></trkseg></trk></gpx>"#;

    let (status, body) = post(&app, &format!("/api/v1/patrols/{id}/tracks"), GPX, untimed.into()).await;

    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["properties"]["tracks"], 1);
    assert_eq!(body["properties"]["recorded_start"], Value::Null);
    let times: (Option<Vec<chrono::DateTime<chrono::Utc>>>, Option<chrono::DateTime<chrono::Utc>>) =
        sqlx::query_as("select point_times, started_at from patrol_tracks where patrol_id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .expect("times");
    assert_eq!(times, (None, None));
}

#[tokio::test]
async fn bad_gpx_is_refused_naming_the_line_or_every_bad_point_and_nothing_changes() {
    let db = test_db().await;
    let id = patrol(&db.pool).await;
    let app = patrol_user(&db.pool).await;
    let uri = format!("/api/v1/patrols/{id}/tracks");
    let before = fingerprint(&db.pool).await;
    let unclosed = "<gpx>\n<trk>\n<trkseg>\n<trkpt lat=\"22.5\" lon=\"104.05\">\n</trkseg>\n</trk>\n</gpx>\n";
    let bad_points = r#"<gpx><trk><trkseg><trkpt lat="122.5" lon="104.05"/><trkpt lon="104.05"/></trkseg><trkseg><trkpt lat="22.5" lon="104.05"/></trkseg></trk></gpx>"#;
    let outside = r#"<gpx><trk><trkseg><trkpt lat="22.5" lon="103.95"/><trkpt lat="22.5" lon="104.05"/></trkseg></trk></gpx>"#;

    let (malformed, why) = post(&app, &uri, GPX, unclosed.into()).await;
    let (invalid, list) = post(&app, &uri, GPX, bad_points.into()).await;
    let (forbidden, why_outside) = post(&app, &uri, GPX, outside.into()).await;
    let (wrong_type, why_type) = post(&app, &uri, "application/json", WITH_GAP.into()).await;
    let (missing, _) = post(&app, "/api/v1/patrols/999999/tracks", GPX, WITH_GAP.into()).await;

    assert_eq!(malformed, StatusCode::BAD_REQUEST, "{why}");
    assert!(why["description"].as_str().expect("text").starts_with("line 5: malformed GPX"), "{why}");
    assert_eq!(invalid, StatusCode::UNPROCESSABLE_ENTITY, "{list}");
    let fields: Vec<(u64, &str)> = list["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["index"].as_u64().expect("segment"), e["field"].as_str().expect("field")))
        .collect();
    assert_eq!(fields, [(0, "trkpt[0]"), (0, "trkpt[1]"), (1, "trkseg")]);
    assert_eq!(forbidden, StatusCode::FORBIDDEN, "{why_outside}");
    assert_eq!(wrong_type, StatusCode::BAD_REQUEST, "{why_type}");
    assert_eq!(missing, StatusCode::NOT_FOUND);
    assert_eq!(fingerprint(&db.pool).await, before);
}

#[tokio::test]
async fn the_command_line_uploads_a_gpx_into_a_patrol() {
    let db = test_db().await;
    let id = patrol(&db.pool).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("tuan-tra.gpx");
    std::fs::write(&file, WITH_GAP).expect("write");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_antq"))
        .args(["import", "gpx"])
        .arg(&file)
        .args(["--patrol", &id.to_string()])
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run antq");

    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("patrol TT-GPX now has 3 tracks"), "{stdout}");
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'patrol.tracks' and username like 'cli:%'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("audit");
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_dry_run_answers_the_tracks_it_would_save_and_writes_nothing() {
    let db = test_db().await;
    let id = patrol(&db.pool).await;
    let app = patrol_user(&db.pool).await;
    let uri = format!("/api/v1/patrols/{id}/tracks?dry_run=true");
    let untimed = r#"<gpx><trk><trkseg><trkpt lat="22.5" lon="104.05"/><trkpt lat="22.51" lon="104.05"/></trkseg></trk></gpx>"#;
    let outside = r#"<gpx><trk><trkseg><trkpt lat="22.5" lon="103.95"/><trkpt lat="22.5" lon="104.05"/></trkseg></trk></gpx>"#;
    let before = fingerprint(&db.pool).await;

    let (status, body) = post(&app, &uri, GPX, WITH_GAP.into()).await;
    let (untimed_status, untimed_body) = post(&app, &uri, GPX, untimed.into()).await;
    let (forbidden, _) = post(&app, &uri, GPX, outside.into()).await;
    let (invalid, _) =
        post(&app, &uri, GPX, "<gpx><trk><trkseg><trkpt lon=\"1\"/></trkseg></trk></gpx>".into()).await;
    let (missing, _) = post(&app, "/api/v1/patrols/999999/tracks?dry_run=true", GPX, WITH_GAP.into()).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["type"], "FeatureCollection");
    let rows: Vec<(Value, u64, Value, Value)> = body["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            let p = &f["properties"];
            (
                p["name"].clone(),
                p["points"].as_u64().expect("points"),
                p["started_at"].clone(),
                p["ended_at"].clone(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Sáng".into(), 2, "2026-03-01T00:00:00Z".into(), "2026-03-01T00:10:00Z".into()),
            ("Sáng".into(), 2, "2026-03-01T01:10:00Z".into(), "2026-03-01T01:20:00Z".into()),
            ("Chiều".into(), 2, "2026-03-01T06:00:00Z".into(), "2026-03-01T06:30:00Z".into()),
        ]
    );
    // 0.005° of latitude at 22.5° N is about 553 m (PostGIS geography, as the upload stores it).
    let first = body["features"][0]["properties"]["length_m"].as_f64().expect("length");
    assert!((first - 553.0).abs() < 2.0, "{first}");
    assert_eq!(untimed_status, StatusCode::OK, "{untimed_body}");
    assert_eq!(untimed_body["features"][0]["properties"]["started_at"], Value::Null);
    assert_eq!(forbidden, StatusCode::FORBIDDEN);
    assert_eq!(invalid, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing, StatusCode::NOT_FOUND);
    assert_eq!(fingerprint(&db.pool).await, before, "a dry run writes nothing, not even an audit row");
}

/// Posts `gpx` to `uri` with `Idempotency-Key: key`: the status, the replay header, the body.
async fn post_keyed(app: &Router, uri: &str, gpx: &str, key: &str) -> (StatusCode, Option<String>, Value) {
    use axum::body::Body;
    use axum::http::{Request, header};
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, GPX)
        .header("Idempotency-Key", key)
        .body(Body::from(gpx.to_owned()))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("the router answers");
    let replayed =
        response.headers().get("idempotent-replayed").map(|v| v.to_str().expect("ascii").to_owned());
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, replayed, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_replayed_upload_with_its_idempotency_key_answers_the_first_answer_and_stores_once() {
    let db = test_db().await;
    let id = patrol(&db.pool).await;
    let app = patrol_user(&db.pool).await;
    let uri = format!("/api/v1/patrols/{id}/tracks");
    let key = "\"0b7e4c1a-9d2f-4e8b-a6c3-5f1d2e3a4b5c\"";
    let tracks = |pool: PgPool| async move {
        sqlx::query_scalar::<_, i64>("select count(*) from patrol_tracks where patrol_id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .expect("count")
    };

    let (first, first_replayed, first_body) = post_keyed(&app, &uri, WITH_GAP, key).await;
    let before = fingerprint(&db.pool).await;
    let (again, replayed, again_body) = post_keyed(&app, &uri, WITH_GAP, key).await;
    let after_replay = fingerprint(&db.pool).await;
    let other_file = WITH_GAP.replace("Chiều", "Tối");
    let (mismatch, _, why) = post_keyed(&app, &uri, &other_file, key).await;

    assert_eq!(first, StatusCode::CREATED, "{first_body}");
    assert_eq!(first_replayed, None);
    assert_eq!(again, StatusCode::CREATED, "{again_body}");
    assert_eq!(replayed.as_deref(), Some("true"));
    assert_eq!(again_body, first_body, "the replay is the first answer");
    assert_eq!(after_replay, before, "the replay wrote nothing, audit included");
    assert_eq!(tracks(db.pool.clone()).await, 3, "three segments, stored once");
    assert_eq!(mismatch, StatusCode::UNPROCESSABLE_ENTITY, "{why}");
    assert!(why["description"].as_str().expect("text").starts_with("Idempotency-Key: "), "{why}");
    assert_eq!(tracks(db.pool.clone()).await, 3);
}
