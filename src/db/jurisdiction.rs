//! A jurisdiction as geometry: the union of its admin units valid today.

use sqlx::PgPool;

/// The union of the units named by `codes` and valid today, as EWKB (SRID 4326). Codes naming no
/// current unit contribute nothing; no unit at all gives an empty geometry, which intersects
/// nothing, so a user without a jurisdiction sees and writes nothing restricted (never everything).
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn geometry_ewkb(pool: &PgPool, codes: &[String]) -> Result<Vec<u8>, sqlx::Error> {
    sqlx::query_scalar(
        "select ST_AsEWKB(coalesce(ST_Union(geom), ST_SetSRID('GEOMETRYCOLLECTION EMPTY'::geometry, 4326)))
         from admin_units where code = any($1) and validity @> current_date and geom is not null",
    )
    .bind(codes)
    .fetch_one(pool)
    .await
}

/// Whether the point (`lon`, `lat`) lies in the union of the units named by `codes` valid today.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn covers_point(pool: &PgPool, codes: &[String], lon: f64, lat: f64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "select exists (select 1 from admin_units
                        where code = any($1) and validity @> current_date
                          and ST_Intersects(geom, ST_SetSRID(ST_MakePoint($2, $3), 4326)))",
    )
    .bind(codes)
    .bind(lon)
    .bind(lat)
    .fetch_one(pool)
    .await
}

/// Whether the GeoJSON geometry `geojson` (WGS 84) lies inside the union of the units named by
/// `codes` valid today. A geometry PostGIS cannot read is not inside.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool, geojson), err)]
pub async fn covers_geojson(pool: &PgPool, codes: &[String], geojson: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "select coalesce(ST_CoveredBy(ST_SetSRID(ST_GeomFromGeoJSON($2), 4326), ST_Union(geom)), false)
         from admin_units where code = any($1) and validity @> current_date and geom is not null",
    )
    .bind(codes)
    .bind(geojson)
    .fetch_one(pool)
    .await
}
