//! Writes of patrols: the plan (route, time span, units, members) and what was recorded
//! (actual start and end; the tracks are uploaded as GPX, see `db::tracks`). Each function takes
//! the write's transaction, so the caller records the audit row in the same transaction.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use sqlx::PgConnection;

/// A patrol as the audit log and the API show it: the planned route is the `geometry`; the
/// recorded span and length follow from its tracks.
macro_rules! patrol_json {
    () => {
        "jsonb_build_object('id', p.id, 'code', p.code, 'kind', p.kind, 'units', p.units, 'members', p.members,
            'geometry', ST_AsGeoJSON(p.planned_route)::jsonb, 'planned_start', p.planned_start,
            'planned_end', p.planned_end, 'started_at', p.started_at, 'ended_at', p.ended_at, 'note', p.note,
            'archived_at', p.archived_at, 'version', p.version,
            'tracks', (select count(*) from patrol_tracks t where t.patrol_id = p.id),
            'recorded_start', (select min(t.started_at) from patrol_tracks t where t.patrol_id = p.id),
            'recorded_end', (select max(t.ended_at) from patrol_tracks t where t.patrol_id = p.id),
            'recorded_length_m', (select round(coalesce(sum(ST_Length(t.geom::geography)), 0)::numeric, 1)
                                  from patrol_tracks t where t.patrol_id = p.id))"
    };
}

/// A new patrol, as a client sends it (the route as a GeoJSON `LineString` in `geometry`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPatrol {
    /// Unique code, e.g. `TT-2026-0001`.
    pub code: String,
    /// `border`, `joint` or `commune`.
    pub kind: String,
    /// Units taking part.
    #[serde(default)]
    pub units: Vec<String>,
    /// Members taking part.
    #[serde(default)]
    pub members: Vec<String>,
    /// The planned route (GeoJSON `LineString`, WGS 84).
    pub geometry: Option<Value>,
    /// Planned start.
    pub planned_start: Option<DateTime<Utc>>,
    /// Planned end.
    pub planned_end: Option<DateTime<Utc>>,
    /// Actual start.
    pub started_at: Option<DateTime<Utc>>,
    /// Actual end.
    pub ended_at: Option<DateTime<Utc>>,
    /// A note.
    pub note: Option<String>,
}

/// The editable fields of a patrol; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatrolPatch {
    /// `border`, `joint` or `commune`.
    pub kind: Option<String>,
    /// Units taking part (replaces the list).
    pub units: Option<Vec<String>>,
    /// Members taking part (replaces the list).
    pub members: Option<Vec<String>>,
    /// The planned route.
    pub geometry: Option<Value>,
    /// Planned start.
    pub planned_start: Option<DateTime<Utc>>,
    /// Planned end.
    pub planned_end: Option<DateTime<Utc>>,
    /// Actual start.
    pub started_at: Option<DateTime<Utc>>,
    /// Actual end.
    pub ended_at: Option<DateTime<Utc>>,
    /// A note.
    pub note: Option<String>,
    /// Must equal the stored code when sent.
    pub code: Option<String>,
    #[serde(default, rename = "version")]
    _version: Option<Value>,
    #[serde(default, rename = "archived_at")]
    _archived_at: Option<Value>,
    #[serde(default, rename = "tracks")]
    _tracks: Option<Value>,
    #[serde(default, rename = "recorded_start")]
    _recorded_start: Option<Value>,
    #[serde(default, rename = "recorded_end")]
    _recorded_end: Option<Value>,
    #[serde(default, rename = "recorded_length_m")]
    _recorded_length_m: Option<Value>,
}

fn route_text(geometry: Option<&Value>) -> Option<String> {
    geometry.filter(|g| !g.is_null()).map(Value::to_string)
}

/// Inserts a patrol by `user_id`; returns it as JSON.
///
/// # Errors
/// A constraint refuses it (a route that is no `LineString` among them), or the database fails.
#[tracing::instrument(skip(conn, p), fields(code = %p.code), err)]
pub async fn insert(conn: &mut PgConnection, p: &NewPatrol, user_id: i64) -> Result<Value, sqlx::Error> {
    sqlx::query_scalar(concat!(
        "with p as (insert into patrols (code, kind, units, members, planned_route, planned_start, planned_end,
                        started_at, ended_at, note, created_by)
                    values ($1, $2, $3, $4, ST_SetSRID(ST_GeomFromGeoJSON($5), 4326), $6, $7, $8, $9, $10, $11)
                    returning *)
         select ",
        patrol_json!(),
        " from p"
    ))
    .bind(&p.code)
    .bind(&p.kind)
    .bind(&p.units)
    .bind(&p.members)
    .bind(route_text(p.geometry.as_ref()))
    .bind(p.planned_start)
    .bind(p.planned_end)
    .bind(p.started_at)
    .bind(p.ended_at)
    .bind(&p.note)
    .bind(user_id)
    .fetch_one(conn)
    .await
}

/// Patrol `id` as JSON and its route as GeoJSON text (when planned), locked for update;
/// `None` when there is none.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(conn), err)]
pub async fn lock(conn: &mut PgConnection, id: i64) -> Result<Option<(Value, Option<String>)>, sqlx::Error> {
    sqlx::query_as(concat!(
        "select ",
        patrol_json!(),
        ", ST_AsGeoJSON(p.planned_route) from patrols p where p.id = $1 for update"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Applies `q` to patrol `id` by `user_id`; returns it as JSON.
///
/// # Errors
/// A constraint refuses it, or the database fails.
#[tracing::instrument(skip(conn, q), err)]
pub async fn update(
    conn: &mut PgConnection,
    id: i64,
    q: &PatrolPatch,
    user_id: i64,
) -> Result<Value, sqlx::Error> {
    sqlx::query_scalar(concat!(
        "with p as (update patrols set kind = coalesce($2, kind), units = coalesce($3, units),
                        members = coalesce($4, members),
                        planned_route = coalesce(ST_SetSRID(ST_GeomFromGeoJSON($5), 4326), planned_route),
                        planned_start = coalesce($6, planned_start), planned_end = coalesce($7, planned_end),
                        started_at = coalesce($8, started_at), ended_at = coalesce($9, ended_at),
                        note = coalesce($10, note), updated_by = $11
                    where id = $1 returning *)
         select ",
        patrol_json!(),
        " from p"
    ))
    .bind(id)
    .bind(&q.kind)
    .bind(&q.units)
    .bind(&q.members)
    .bind(route_text(q.geometry.as_ref()))
    .bind(q.planned_start)
    .bind(q.planned_end)
    .bind(q.started_at)
    .bind(q.ended_at)
    .bind(&q.note)
    .bind(user_id)
    .fetch_one(conn)
    .await
}

/// Archives patrol `id` by `user_id`; returns it.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(conn), err)]
pub async fn archive(conn: &mut PgConnection, id: i64, user_id: i64) -> Result<Value, sqlx::Error> {
    sqlx::query_scalar(concat!(
        "with p as (update patrols set archived_at = now(), updated_by = $2 where id = $1 returning *)
         select ",
        patrol_json!(),
        " from p"
    ))
    .bind(id)
    .bind(user_id)
    .fetch_one(conn)
    .await
}
