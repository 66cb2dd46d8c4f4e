//! Mapbox Vector Tiles of a layer in the WebMercatorQuad tile matrix set, made by PostGIS.

use std::fmt::Write as _;

use sqlx::PgPool;

use super::params::{Filters, ParamError, Value};
use super::query::{conditions, start, text_expr};
use super::{Layer, PropType, ReadScope};

/// Deepest zoom served: about 2 cm per pixel, far below any survey's accuracy.
pub const MAX_ZOOM: u8 = 24;
/// Tile extent in MVT units, and the buffer around it (as martin and most servers use).
const EXTENT: i32 = 4096;
const BUFFER: i32 = 64;
/// The most features one tile carries; beyond it a tile is too heavy to draw anyway.
pub const FEATURE_LIMIT: i64 = 20_000;

/// A tile address that exists in WebMercatorQuad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileCoord {
    /// Zoom level.
    pub z: u8,
    /// Column.
    pub x: u32,
    /// Row, from the north.
    pub y: u32,
}

impl TileCoord {
    /// Checks `x` and `y` fall inside the matrix of zoom `z`.
    ///
    /// # Errors
    /// The zoom is above [`MAX_ZOOM`] or the column / row outside `0..2^z`.
    pub fn new_checked(z: u32, x: u32, y: u32) -> Result<Self, ParamError> {
        let z = u8::try_from(z).ok().filter(|z| *z <= MAX_ZOOM).ok_or_else(|| {
            ParamError(format!("tile zoom {z} is outside 0..={MAX_ZOOM} of WebMercatorQuad"))
        })?;
        let size = 1u64 << z;
        if u64::from(x) >= size || u64::from(y) >= size {
            return Err(ParamError(format!(
                "tile {z}/{y}/{x} does not exist: at zoom {z} rows and columns run 0..{size}"
            )));
        }
        Ok(Self { z, x, y })
    }
}

/// The tile's MVT bytes, or `None` when no feature falls in it.
///
/// The SQL text is the same for every tile of a layer (with the same filters present), so each
/// connection prepares it once.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip_all, fields(layer = layer.id, z = tile.z, x = tile.x, y = tile.y), err)]
pub async fn tile(
    pool: &PgPool,
    layer: &Layer,
    tile: TileCoord,
    filters: &Filters,
    scope: &ReadScope,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
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
    let row = sql.query().fetch_one(pool).await?;
    let bytes: Option<Vec<u8>> = sqlx::Row::get(&row, 0);
    Ok(bytes.filter(|b| !b.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_coordinates_are_checked_against_the_zoom() {
        assert!(TileCoord::new_checked(0, 0, 0).is_ok());
        assert!(TileCoord::new_checked(10, 1023, 1023).is_ok());
        assert!(TileCoord::new_checked(10, 1024, 0).is_err());
        assert!(TileCoord::new_checked(1, 0, 2).is_err());
        assert!(TileCoord::new_checked(25, 0, 0).is_err());
        assert!(TileCoord::new_checked(400, 0, 0).is_err());
    }
}
