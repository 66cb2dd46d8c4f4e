//! The area of an offline package: the chosen communes of a date, or a stretch of border
//! buffered by a width; its union and box, and which of the chosen lie outside a jurisdiction.

use chrono::NaiveDate;
use sqlx::PgPool;

/// One commune or border segment of a package, as of the package's date.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Commune {
    /// Its code.
    pub code: String,
    /// Its name at the date.
    pub name: String,
}

/// The package's area: the communes or segments found, their area (EWKB, SRID 4326) and box.
#[derive(Debug, Clone)]
pub struct Area {
    /// The communes of the date among the codes asked for, by code; for a stretch of border,
    /// the communes of the date its area reaches into.
    pub communes: Vec<Commune>,
    /// The border segments asked for, by code (empty for communes).
    pub segments: Vec<Commune>,
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
    Ok(Some(Area { communes, segments: Vec::new(), ewkb, bbox: [w, s, e, n] }))
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

/// Of the tiles of zoom `z` at columns `xs` and rows `ys` (paired), those whose envelope meets
/// `area` (EWKB, SRID 4326). A tile's envelope is a longitude/latitude rectangle too (Web
/// Mercator keeps meridians and parallels straight), so the test is exact in 4326; the one area
/// is compared with every tile, which PostGIS prepares once for the statement.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip_all, fields(z, tiles = xs.len()), err)]
pub async fn tiles_meeting(
    pool: &PgPool,
    area: &[u8],
    z: u8,
    xs: &[i64],
    ys: &[i64],
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "with a as (select ST_GeomFromEWKB($4) as g)
         select t.x, t.y from a, unnest($2::int8[], $3::int8[]) as t(x, y)
         where ST_Intersects(ST_Transform(ST_TileEnvelope($1, t.x::int, t.y::int), 4326), a.g)
         order by t.y, t.x",
    )
    .bind(i32::from(z))
    .bind(xs)
    .bind(ys)
    .bind(area)
    .fetch_all(pool)
    .await
}

/// The area of the border segments `codes`: their lines buffered by `width` metres (in UTM 48N,
/// as the coverage analyses measure), clipped to the provinces of `on` the buffer meets, since
/// the far side of the border is no one's to patrol and would only add tiles. `None` when no
/// code is a segment.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(pool), err)]
pub async fn segment_area(
    pool: &PgPool,
    codes: &[String],
    width: f64,
    on: NaiveDate,
) -> Result<Option<Area>, sqlx::Error> {
    let segments: Vec<Commune> =
        sqlx::query_as("select code, name from border_segments where code = any($1) order by code")
            .bind(codes)
            .fetch_all(pool)
            .await?;
    if segments.is_empty() {
        return Ok(None);
    }
    let (ewkb, w, s, e, n): (Vec<u8>, f64, f64, f64, f64) = sqlx::query_as(
        "with b as (
             select ST_Transform(ST_Buffer(ST_Transform(ST_Union(geom), 32648), $2), 4326) as g
             from border_segments where code = any($1)
         ),
         p as (
             select ST_Union(u.geom) as g from admin_units u, b
             where u.level = 'province' and u.validity @> $3::date and ST_Intersects(u.geom, b.g)
         ),
         a as (
             select ST_Multi(ST_CollectionExtract(
                        case when p.g is null then b.g else ST_Intersection(b.g, p.g) end, 3)) as g
             from b, p
         )
         select ST_AsEWKB(g), ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g) from a",
    )
    .bind(codes)
    .bind(width)
    .bind(on)
    .fetch_one(pool)
    .await?;
    let communes: Vec<Commune> = sqlx::query_as(
        "select code, name from admin_units
         where level = 'commune' and validity @> $2::date
           and ST_Intersects(geom, ST_GeomFromEWKB($1))
           and ST_Relate(geom, ST_GeomFromEWKB($1), 'T********')
         order by code",
    )
    .bind(&ewkb)
    .bind(on)
    .fetch_all(pool)
    .await?;
    Ok(Some(Area { communes, segments, ewkb, bbox: [w, s, e, n] }))
}

/// The segments among `codes` that do not meet `jurisdiction` (EWKB), as the coverage routes
/// judge a segment (`db/coverage.rs`).
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(pool, jurisdiction), err)]
pub async fn segments_outside(
    pool: &PgPool,
    codes: &[String],
    jurisdiction: &[u8],
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "select code from border_segments
         where code = any($1) and not ST_Intersects(geom, ST_GeomFromEWKB($2))
         order by code",
    )
    .bind(codes)
    .bind(jurisdiction)
    .fetch_all(pool)
    .await
}

/// The part of `area` within `jurisdiction` (both EWKB): where a stretch of border's buffer
/// reaches past a bound caller's units, its restricted records stop at them.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip_all, err)]
pub async fn within(pool: &PgPool, area: &[u8], jurisdiction: &[u8]) -> Result<Vec<u8>, sqlx::Error> {
    sqlx::query_scalar("select ST_AsEWKB(ST_Intersection(ST_GeomFromEWKB($1), ST_GeomFromEWKB($2)))")
        .bind(area)
        .bind(jurisdiction)
        .fetch_one(pool)
        .await
}

/// The area `ewkb` (an [`Area`]'s union) as GeoJSON geometry text, 6 decimals (about 0.1 m),
/// exterior rings counter-clockwise (RFC 7946).
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip_all, err)]
pub async fn geojson(pool: &PgPool, ewkb: &[u8]) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("select ST_AsGeoJSON(ST_ForcePolygonCCW(ST_GeomFromEWKB($1)), 6)")
        .bind(ewkb)
        .fetch_one(pool)
        .await
}
