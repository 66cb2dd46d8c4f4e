//! Mapbox Vector Tiles of a layer in the WebMercatorQuad tile matrix set, made by PostGIS.

use std::fmt::Write as _;

use sqlx::PgPool;

use super::layer::{Layer, PropType, ReadScope};
use super::params::Filters;
use super::query::{conditions, start, text_expr};
use super::sql::Sql;
use super::values::Value;
use crate::spatial::{BUFFER, EXTENT, TileCoord};

/// The most features one tile carries; beyond it a tile is too heavy to draw anyway.
pub const FEATURE_LIMIT: i64 = 20_000;

/// The statement that makes `tile` of `layer` for a caller with `scope`, every value bound.
///
/// The SQL text is the same for every tile of a layer (with the same filters present), so each
/// connection prepares it once.
#[must_use]
pub fn statement(layer: &Layer, tile: TileCoord, filters: &Filters, scope: &ReadScope) -> Sql {
    if layer.aggregate_below.is_some_and(|below| tile.z < below) {
        return aggregates(layer, tile, filters, scope);
    }
    let mut sql = start(layer, filters);
    let z = sql.bind(Value::Int(i64::from(tile.z)));
    let x = sql.bind(Value::Int(i64::from(tile.x)));
    let y = sql.bind(Value::Int(i64::from(tile.y)));
    let conds = conditions(&mut sql, layer, filters, scope);
    let mut props = String::new();
    for p in layer.properties {
        // MVT has no date type, nor lists: dates and instants travel as ISO text, lists joined.
        let expr = match p.ty {
            PropType::Date | PropType::Timestamp | PropType::TextList => text_expr(p),
            _ => format!("l.{}", p.name),
        };
        let _ = write!(props, "{expr} as {}, ", p.name);
    }
    let envelope = format!("ST_TileEnvelope({z}::int, {x}::int, {y}::int)");
    sql.text = format!(
        "select ST_AsMVT(t, '{name}', {EXTENT}, 'geom', 'fid') from (
             select l.{id} as fid, {props}
                    ST_AsMVTGeom(ST_Transform(l.geom, 3857), {envelope}, {EXTENT}, {BUFFER}, true) as geom
             from ({source}) l
             where l.geom && ST_Transform(ST_TileEnvelope({z}::int, {x}::int, {y}::int, margin => {margin}), 4326)
               and {conds}
             limit {FEATURE_LIMIT}
         ) t where t.geom is not null",
        margin = f64::from(BUFFER) / f64::from(EXTENT),
        name = layer.id,
        id = layer.id_column,
        source = sql.source,
    );
    sql
}

/// Cells per tile side of an aggregated tile: 64 cells of 64 pixels (at the extent's 4,096).
pub const CELLS: i64 = 64;

/// The statement of an aggregated tile (below the layer's `aggregate_below` zoom): one point per
/// cell of a [`CELLS`]×[`CELLS`] grid on the tile holding at least one feature, at the features'
/// mean position, with `count` and `count_<category>` for each value of the layer's category
/// property (`count_none` for features without one): what the map's pie clusters draw. The
/// same filters and jurisdiction apply as to the features, so the counts add up to them.
///
/// Why: a z8 tile over the province holds tens of thousands of key points; drawn one by one they
/// take a second to encode and are unreadable. Counting needs no reprojection: the cell of a
/// point comes from its longitude and latitude by the Web Mercator formulas (`spatial::tile`),
/// and only the cells' points are transformed. The cells align with tiles and each belongs to
/// one tile (no buffer), so a client summing the tiles' counts counts each feature once.
fn aggregates(layer: &Layer, tile: TileCoord, filters: &Filters, scope: &ReadScope) -> Sql {
    let mut sql = start(layer, filters);
    let z = sql.bind(Value::Int(i64::from(tile.z)));
    let x = sql.bind(Value::Int(i64::from(tile.x)));
    let y = sql.bind(Value::Int(i64::from(tile.y)));
    let conds = conditions(&mut sql, layer, filters, scope);
    let category =
        layer.style.category_property.map_or_else(|| "null::text".to_owned(), |p| format!("l.{p}::text"));
    sql.text = format!(
        "with p as (
             select ST_X(l.geom) as lon, ST_Y(l.geom) as lat, {category} as c,
                    {CELLS} * 2 ^ {z}::int as n
             from ({source}) l
             where l.geom && ST_Transform(ST_TileEnvelope({z}::int, {x}::int, {y}::int), 4326) and {conds}
         ), q as (
             select floor((lon + 180) / 360 * n)::int8 as i,
                    floor((1 - ln(tan(radians(lat)) + 1 / cos(radians(lat))) / pi()) / 2 * n)::int8 as j,
                    n::int8 as n, lon, lat, c
             from p
         ), by_category as (
             select i, j, n, c, count(*) as k, sum(lon) as lon, sum(lat) as lat from q
             where i between {x}::int8 * {CELLS} and {x}::int8 * {CELLS} + {last}
               and j between {y}::int8 * {CELLS} and {y}::int8 * {CELLS} + {last}
             group by i, j, n, c
         ), cells as (
             select i * n + j as fid, sum(k)::int8 as count, sum(lon) / sum(k) as lon, sum(lat) / sum(k) as lat,
                    jsonb_object_agg('count_' || coalesce(c, 'none'), k) as counts
             from by_category group by i, j, n
         )
         select ST_AsMVT(t, '{name}', {EXTENT}, 'geom', 'fid') from (
             select fid, count, counts,
                    ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 3857),
                                 ST_TileEnvelope({z}::int, {x}::int, {y}::int), {EXTENT}, {BUFFER}, true) as geom
             from cells
         ) t where t.geom is not null",
        last = CELLS - 1,
        name = layer.id,
        source = sql.source,
    );
    sql
}

/// The fields of `layer`'s vector tiles by their TileJSON type (`Number`, `Boolean`, `String`),
/// for TileJSON's and MBTiles' `vector_layers`.
#[must_use]
pub fn vector_fields(layer: &Layer) -> serde_json::Map<String, serde_json::Value> {
    layer
        .properties
        .iter()
        .map(|p| {
            let ty = match p.ty {
                PropType::Integer | PropType::Number => "Number",
                PropType::Boolean => "Boolean",
                _ => "String",
            };
            (p.name.to_owned(), serde_json::Value::from(ty))
        })
        .collect()
}

/// The tile's MVT bytes from `statement` (see [`statement`]); empty when no feature falls in it.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip_all, fields(layer), err)]
pub async fn run(pool: &PgPool, layer: &Layer, statement: &Sql) -> Result<Vec<u8>, sqlx::Error> {
    tracing::Span::current().record("layer", layer.id);
    let row = statement.query().fetch_one(pool).await?;
    let bytes: Option<Vec<u8>> = sqlx::Row::get(&row, 0);
    Ok(bytes.unwrap_or_default())
}
