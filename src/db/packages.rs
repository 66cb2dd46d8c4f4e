//! The area of an offline package: the chosen communes of a date, their union and its box, and
//! which of them lie outside a jurisdiction.

use chrono::NaiveDate;
use sqlx::PgPool;

/// One chosen commune, as of the package's date.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Commune {
    /// Its code.
    pub code: String,
    /// Its name at the date.
    pub name: String,
}

/// The package's area: the communes found, their union (EWKB, SRID 4326) and its box.
#[derive(Debug, Clone)]
pub struct Area {
    /// The communes of the date among the codes asked for, by code.
    pub communes: Vec<Commune>,
    /// Their union as EWKB.
    pub ewkb: Vec<u8>,
    /// West, south, east, north.
    pub bbox: [f64; 4],
}

/// The communes `codes` valid at `on`, and their union. `None` when none of them is one.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(pool), err)]
pub async fn area(pool: &PgPool, codes: &[String], on: NaiveDate) -> Result<Option<Area>, sqlx::Error> {
    let communes: Vec<Commune> = sqlx::query_as(
        "select code, name from admin_units
         where level = 'commune' and code = any($1) and validity @> $2::date order by code",
    )
    .bind(codes)
    .bind(on)
    .fetch_all(pool)
    .await?;
    if communes.is_empty() {
        return Ok(None);
    }
    let (ewkb, w, s, e, n): (Vec<u8>, f64, f64, f64, f64) = sqlx::query_as(
        "with u as (
             select ST_Union(geom) as g from admin_units
             where level = 'commune' and code = any($1) and validity @> $2::date
         )
         select ST_AsEWKB(g), ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g) from u",
    )
    .bind(codes)
    .bind(on)
    .fetch_one(pool)
    .await?;
    Ok(Some(Area { communes, ewkb, bbox: [w, s, e, n] }))
}

/// The codes among `codes` (communes at `on`) that do not lie in `jurisdiction` (EWKB): a
/// commune counts as inside when a point surely in it (`ST_PointOnSurface`) is, so a shared
/// edge drawn a little differently in the union does not push it out.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(pool, jurisdiction), err)]
pub async fn outside(
    pool: &PgPool,
    codes: &[String],
    on: NaiveDate,
    jurisdiction: &[u8],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "select code from admin_units
         where level = 'commune' and code = any($1) and validity @> $2::date
           and not ST_Intersects(ST_PointOnSurface(geom), ST_GeomFromEWKB($3))
         order by code",
    )
    .bind(codes)
    .bind(on)
    .bind(jurisdiction)
    .fetch_all(pool)
    .await
}
