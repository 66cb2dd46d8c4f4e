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
    let mut sql = start(layer, filters);
    let z = sql.bind(Value::Int(i64::from(tile.z)));
    let x = sql.bind(Value::Int(i64::from(tile.x)));
    let y = sql.bind(Value::Int(i64::from(tile.y)));
    let conds = conditions(&mut sql, layer, filters, scope);
    let mut props = String::new();
    for p in layer.properties {
        // MVT has no date type: dates and instants travel as ISO text.
        let expr = match p.ty {
            PropType::Date | PropType::Timestamp => text_expr(p),
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
