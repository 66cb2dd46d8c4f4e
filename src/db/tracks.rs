//! Recorded patrol tracks: one row per GPX segment, with its per-point times (or none), in the
//! caller's transaction.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Inserts one track of patrol `patrol_id`: `geojson` a `LineString`, `times` one per vertex
/// (`None` when the device recorded none); its span is the first and last known time.
///
/// # Errors
/// A constraint refuses it, or the database fails.
#[tracing::instrument(skip(conn, geojson, times), err)]
pub async fn insert(
    conn: &mut PgConnection,
    patrol_id: i64,
    name: Option<&str>,
    geojson: &str,
    times: Option<&[Option<DateTime<Utc>>]>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "insert into patrol_tracks (patrol_id, name, geom, point_times, started_at, ended_at)
         select $1, $2, ST_SetSRID(ST_GeomFromGeoJSON($3), 4326), $4::timestamptz[],
                (select min(t) from unnest($4::timestamptz[]) t), (select max(t) from unnest($4::timestamptz[]) t)
         returning id",
    )
    .bind(patrol_id)
    .bind(name)
    .bind(geojson)
    .bind(times)
    .fetch_one(conn)
    .await
}

/// Marks patrol `id` as changed by `user_id` (its version moves on, so a client holding the old
/// `ETag` learns that the recorded span changed).
///
/// # Errors
/// The database fails.
pub async fn touch_patrol(conn: &mut PgConnection, id: i64, user_id: Option<i64>) -> Result<(), sqlx::Error> {
    sqlx::query("update patrols set updated_by = coalesce($2, updated_by) where id = $1")
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await
        .map(|_| ())
}

/// The geodesic length in metres of each `LineString` in `geojson` (WGS 84), in order: what the
/// stored tracks would measure, for a preview that writes nothing.
///
/// # Errors
/// The database fails.
pub async fn lengths_m(conn: &mut PgConnection, geojson: &[String]) -> Result<Vec<f64>, sqlx::Error> {
    sqlx::query_scalar(
        "select ST_Length(ST_SetSRID(ST_GeomFromGeoJSON(g), 4326)::geography)
         from unnest($1::text[]) with ordinality as t(g, n) order by n",
    )
    .bind(geojson)
    .fetch_all(conn)
    .await
}
