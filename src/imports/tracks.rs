//! A GPX upload for a patrol: its segments become the patrol's recorded tracks, in one
//! transaction with the audit row; the patrol's recorded span and length follow from them (see
//! `db::patrols`), and its version moves on.

use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};

use super::points::Caller;
use super::{ImportError, gpx};
use crate::db::{audit, jurisdiction, patrols, tracks};

/// The segments of `bytes` and their lines as GeoJSON `LineString`s, checked against the
/// caller's jurisdiction: what an upload and its preview share.
async fn read_checked(
    pool: &PgPool,
    bytes: &[u8],
    caller: &Caller,
) -> Result<(Vec<gpx::Segment>, Vec<Value>), ImportError> {
    let segments = gpx::parse(bytes)?;
    let lines: Vec<Value> = segments
        .iter()
        .map(|s| {
            let coordinates: Vec<[f64; 2]> = s.points.iter().map(|(x, y)| [*x, *y]).collect();
            json!({ "type": "LineString", "coordinates": coordinates })
        })
        .collect();
    if let Some(codes) = &caller.jurisdiction {
        let parts: Vec<Value> = lines.iter().map(|l| l["coordinates"].clone()).collect();
        let all = json!({ "type": "MultiLineString", "coordinates": parts });
        if !jurisdiction::covers_geojson(pool, codes, None, &all.to_string()).await? {
            return Err(ImportError::Forbidden("the tracks leave your jurisdiction".into()));
        }
    }
    Ok((segments, lines))
}

/// The patrol `patrol_id` locked in `conn`, refused when missing or archived.
async fn open_patrol(conn: &mut sqlx::PgConnection, patrol_id: i64) -> Result<Value, ImportError> {
    let (before, _) = patrols::lock(conn, patrol_id)
        .await?
        .ok_or_else(|| ImportError::NotFound(format!("patrol {patrol_id}")))?;
    if !before["archived_at"].is_null() {
        return Err(ImportError::Conflict(format!("patrol {patrol_id} is archived; it takes no tracks")));
    }
    Ok(before)
}

/// What [`upload`] would save, writing nothing: a `FeatureCollection` with one `LineString`
/// Feature per segment (track name, points, geodesic length in metres, first and last known
/// time, or none when the device recorded no times), refused exactly as the upload would be.
///
/// # Errors
/// As [`upload`].
pub async fn preview(
    pool: &PgPool,
    patrol_id: i64,
    bytes: &[u8],
    caller: &Caller,
) -> Result<Value, ImportError> {
    let (segments, lines) = read_checked(pool, bytes, caller).await?;
    // A transaction that is rolled back: the lock only waits out a concurrent upload.
    let mut tx = pool.begin().await?;
    open_patrol(&mut tx, patrol_id).await?;
    let texts: Vec<String> = lines.iter().map(Value::to_string).collect();
    let lengths = tracks::lengths_m(&mut tx, &texts).await?;
    tx.rollback().await?;
    let features: Vec<Value> = segments
        .iter()
        .zip(lines)
        .zip(lengths)
        .enumerate()
        .map(|(i, ((s, line), length))| {
            let known = s.times.iter().flatten();
            json!({ "type": "Feature", "id": i + 1, "geometry": line, "properties": {
                "name": s.name, "points": s.points.len(), "length_m": length,
                "started_at": known.clone().min(), "ended_at": known.max() } })
        })
        .collect();
    Ok(json!({ "type": "FeatureCollection", "features": features }))
}

/// Reads the GPX `bytes` and adds its segments to patrol `patrol_id`; returns the patrol after.
///
/// # Errors
/// `Malformed`/`Invalid`/`OverLimit` (see `gpx::parse`), `Forbidden` when a track leaves the
/// caller's jurisdiction, `NotFound`, or the database fails. Nothing is written unless `Ok`.
pub async fn upload(
    pool: &PgPool,
    patrol_id: i64,
    bytes: &[u8],
    caller: &Caller,
) -> Result<Value, ImportError> {
    let mut tx = pool.begin().await?;
    let after = upload_in(&mut tx, pool, patrol_id, bytes, caller).await?;
    tx.commit().await?;
    Ok(after)
}

/// [`upload`] inside `conn`'s transaction, which the caller commits: the HTTP route claims the
/// request's `Idempotency-Key` and keeps its answer in the same one, so a phone's retried
/// upload never stores the track twice. `pool` only reads the jurisdiction.
///
/// # Errors
/// As [`upload`]; the caller rolls back on `Err`.
pub async fn upload_in(
    conn: &mut PgConnection,
    pool: &PgPool,
    patrol_id: i64,
    bytes: &[u8],
    caller: &Caller,
) -> Result<Value, ImportError> {
    let (segments, lines) = read_checked(pool, bytes, caller).await?;
    let before = open_patrol(conn, patrol_id).await?;
    for (segment, line) in segments.iter().zip(&lines) {
        let times = segment.times.iter().any(Option::is_some).then_some(segment.times.as_slice());
        tracks::insert(conn, patrol_id, segment.name.as_deref(), &line.to_string(), times).await?;
    }
    tracks::touch_patrol(conn, patrol_id, caller.entry.user_id).await?;
    let (after, _) = patrols::lock(conn, patrol_id)
        .await?
        .ok_or_else(|| ImportError::NotFound(format!("patrol {patrol_id}")))?;
    let points: usize = segments.iter().map(|s| s.points.len()).sum();
    let entry = audit::Entry { action: "patrol.tracks".into(), ..caller.entry.clone() }
        .with_target(format!("patrol:{patrol_id}"))
        .with_change(Some(before), Some(after.clone()))
        .with_details(json!({ "segments": segments.len(), "points": points }));
    audit::record(&mut *conn, &entry).await?;
    Ok(after)
}
