//! A GPX upload for a patrol: its segments become the patrol's recorded tracks, in one
//! transaction with the audit row; the patrol's recorded span and length follow from them (see
//! `db::patrols`), and its version moves on.

use serde_json::{Value, json};
use sqlx::PgPool;

use super::points::Caller;
use super::{ImportError, gpx};
use crate::db::{audit, jurisdiction, patrols, tracks};

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
    let segments = gpx::parse(bytes)?;
    let lines: Vec<Value> =
        segments.iter().map(|s| json!({ "type": "LineString", "coordinates": s.points.iter().map(|(x, y)| [x, y]).collect::<Vec<_>>() })).collect();
    if let Some(codes) = &caller.jurisdiction {
        let all = json!({ "type": "MultiLineString", "coordinates": lines.iter().map(|l| l["coordinates"].clone()).collect::<Vec<_>>() });
        if !jurisdiction::covers_geojson(pool, codes, &all.to_string()).await? {
            return Err(ImportError::Forbidden("the tracks leave your jurisdiction".into()));
        }
    }
    let mut tx = pool.begin().await?;
    let (before, _) = patrols::lock(&mut tx, patrol_id)
        .await?
        .ok_or_else(|| ImportError::NotFound(format!("patrol {patrol_id}")))?;
    if !before["archived_at"].is_null() {
        return Err(ImportError::Conflict(format!("patrol {patrol_id} is archived; it takes no tracks")));
    }
    for (segment, line) in segments.iter().zip(&lines) {
        let times = segment.times.iter().any(Option::is_some).then_some(segment.times.as_slice());
        tracks::insert(&mut tx, patrol_id, segment.name.as_deref(), &line.to_string(), times).await?;
    }
    tracks::touch_patrol(&mut tx, patrol_id, caller.entry.user_id).await?;
    let (after, _) = patrols::lock(&mut tx, patrol_id)
        .await?
        .ok_or_else(|| ImportError::NotFound(format!("patrol {patrol_id}")))?;
    let points: usize = segments.iter().map(|s| s.points.len()).sum();
    let entry = audit::Entry { action: "patrol.tracks".into(), ..caller.entry.clone() }
        .with_target(format!("patrol:{patrol_id}"))
        .with_change(Some(before), Some(after.clone()))
        .with_details(json!({ "segments": segments.len(), "points": points }));
    audit::record(&mut *tx, &entry).await?;
    tx.commit().await?;
    Ok(after)
}
