//! A jurisdiction as geometry: the union of the units its codes name at a date, read through the
//! lineage (`atlas_jurisdiction`, migration 0035), so a code of a closed unit stands for the units
//! it became and a jurisdiction may name units of any date. A date of `None` is today in Vietnam,
//! the day a write acts.

use chrono::NaiveDate;
use sqlx::PgPool;

/// The jurisdiction `codes` at `on`, as EWKB (SRID 4326). Codes naming nothing of that date
/// contribute nothing; no unit at all gives an empty geometry, which intersects nothing, so a user
/// without a jurisdiction sees and writes nothing restricted (never everything).
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn geometry_ewkb(
    pool: &PgPool,
    codes: &[String],
    on: Option<NaiveDate>,
) -> Result<Vec<u8>, sqlx::Error> {
    sqlx::query_scalar("select ST_AsEWKB(atlas_jurisdiction($1, coalesce($2::date, (now() at time zone 'Asia/Ho_Chi_Minh')::date)))")
        .bind(codes)
        .bind(on)
        .fetch_one(pool)
        .await
}

/// Whether the point (`lon`, `lat`) lies in the jurisdiction `codes` at `on`.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn covers_point(
    pool: &PgPool,
    codes: &[String],
    on: Option<NaiveDate>,
    lon: f64,
    lat: f64,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("select ST_Intersects(atlas_jurisdiction($1, coalesce($2::date, (now() at time zone 'Asia/Ho_Chi_Minh')::date)),
                              ST_SetSRID(ST_MakePoint($3, $4), 4326))")
        .bind(codes)
        .bind(on)
        .bind(lon)
        .bind(lat)
        .fetch_one(pool)
        .await
}

/// Whether the GeoJSON geometry `geojson` (WGS 84) lies inside the jurisdiction `codes` at `on`.
/// A geometry PostGIS cannot read is not inside.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool, geojson), err)]
pub async fn covers_geojson(
    pool: &PgPool,
    codes: &[String],
    on: Option<NaiveDate>,
    geojson: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "select coalesce(ST_CoveredBy(ST_SetSRID(ST_GeomFromGeoJSON($3), 4326), 
                                    atlas_jurisdiction($1, coalesce($2::date, (now() at time zone 'Asia/Ho_Chi_Minh')::date))), false)",
    )
    .bind(codes)
    .bind(on)
    .bind(geojson)
    .fetch_one(pool)
    .await
}

/// A jurisdiction code that names no unit valid at the date, with the codes of the units it
/// stands for then (empty: nothing of it existed, the jurisdiction gives nothing there).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Stale {
    /// The code as the user's jurisdiction names it.
    pub code: String,
    /// The codes of the units valid at the date that it resolves to, sorted.
    pub successors: Vec<String>,
}

/// The codes of `codes` that name no unit valid at `on` (closed, or not yet opened), each with
/// what it resolves to then, in the order given.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn stale_codes(pool: &PgPool, codes: &[String], on: NaiveDate) -> Result<Vec<Stale>, sqlx::Error> {
    sqlx::query_as(
        "select c.code, coalesce((select array_agg(distinct r.code order by r.code)
                                  from admin_unit_resolve(c.code, $2) r), '{}') as successors
         from unnest($1::text[]) with ordinality c(code, n)
         where not exists (select 1 from admin_units u where u.code = c.code and u.validity @> $2)
         order by c.n",
    )
    .bind(codes)
    .bind(on)
    .fetch_all(pool)
    .await
}
