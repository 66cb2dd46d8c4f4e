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
/// mean Web Mercator position, with `count` and `count_<category>` for each value of the layer's
/// category property (`count_none` for features without one): what pie clusters draw. The same
/// filters and jurisdiction apply as to the features, so the counts add up to them.
///
/// Why: a z8 tile over the province holds tens of thousands of key points; drawn one by one they
/// take a second to encode and are unreadable. A point's place in the WebMercatorQuad unit square
/// (`atlas_web_x`, `atlas_web_y`, migration 0090) gives its cell at any zoom by one
/// multiplication, and the tile's part of the square is a plain range of it: an index on the two
/// (with the category) answers the count from the index alone, with no reprojection. The cells
/// align with tiles and each belongs to one tile (no buffer), so a client summing the tiles'
/// counts counts each feature once. Counts are grouped by cell and category first, then by cell,
/// with the cell as one number so that the planner expects few groups and hashes them.
fn aggregates(layer: &Layer, tile: TileCoord, filters: &Filters, scope: &ReadScope) -> Sql {
    if let Some(cells) = counted_cells(layer, tile, filters, scope) {
        return cells;
    }
    let mut sql = start(layer, filters);
    let z = sql.bind(Value::Int(i64::from(tile.z)));
    let x = sql.bind(Value::Int(i64::from(tile.x)));
    let y = sql.bind(Value::Int(i64::from(tile.y)));
    let conds = conditions(&mut sql, layer, filters, scope);
    // A generic plan guessed 3 points for a tile of 40,000 and sorted them on disk.
    sql.plan_each_time = true;
    let category =
        layer.style.category_property.map_or_else(|| "null::text".to_owned(), |p| format!("l.{p}::text"));
    // The tile's range, exact: multiplying or dividing by a power of two rounds nothing, so
    // x / 2^z <= wx < (x + 1) / 2^z holds exactly when the cell column floor(wx · 64 · 2^z) is
    // one of the tile's 64.
    let range = |f: &str, t: &str| {
        format!(
            "atlas_web_{f}(l.geom) >= {t}::int / 2 ^ {z}::int and atlas_web_{f}(l.geom) < ({t}::int + 1) / 2 ^ {z}::int"
        )
    };
    let rows = format!(
        "select cell, sum(k)::int8 as count, jsonb_object_agg('count_' || coalesce(c, 'none'), k) as counts,
                sum(wx) as wx, sum(wy) as wy
         from (
             select floor(wx * n)::int8 * n::int8 + floor(wy * n)::int8 as cell, c, count(*) as k,
                    sum(wx) as wx, sum(wy) as wy
             from (
                 select atlas_web_x(l.geom) as wx, atlas_web_y(l.geom) as wy, {category} as c,
                        {CELLS} * 2 ^ {z}::int as n
                 from ({source}) l
                 where {xs} and {ys} and {conds}
             ) p group by cell, c
         ) by_category group by cell",
        xs = range("x", &x),
        ys = range("y", &y),
        source = sql.source,
    );
    sql.text = cell_tile(layer, &z, &x, &y, &rows);
    sql
}

/// The MVT of an aggregated tile from `rows` of (`cell`, `count`, `counts` as
/// {"count_<category>": n}, `wx`, `wy`: the sums of the features' places in the unit square):
/// one point per cell at the features' mean position, in the tile's units. Both ways of counting
/// ([`aggregates`], [`counted_cells`]) end here.
fn cell_tile(layer: &Layer, z: &str, x: &str, y: &str, rows: &str) -> String {
    format!(
        "select ST_AsMVT(t, '{name}', {EXTENT}, 'geom', 'fid') from (
             select cell as fid, count, counts,
                    ST_Point(round((wx / count * 2 ^ {z}::int - {x}::int) * {EXTENT}),
                             round((wy / count * 2 ^ {z}::int - {y}::int) * {EXTENT})) as geom
             from ({rows}) r
         ) t",
        name = layer.id,
    )
}

/// The levels of the cells `layer.cell_counts` keeps (2^level cells per side of the unit square),
/// as migration 0091 makes them: a tile at zoom z reads the first level at least z + 6.
const CELL_LEVELS: [u8; 3] = [14, 15, 16];

/// The statement of [`aggregates`] from the layer's table of counts per cell
/// (`Layer::cell_counts`), when one answers the request: the caller reads the whole province (no
/// jurisdiction) and no filter, and a level of cells is fine enough for the tile's zoom. `None`
/// otherwise: the points are counted.
///
/// Why: counting the 33,000-40,000 points of a province-wide z8 or z9 tile takes 50-60 ms; their
/// cells are one row each at levels 14 to 16 (z8 to z10) and are read as they are. Below z8,
/// level 14's cells shifted right by 14 − z − 6 are the tile's cells and are added up. The sums
/// of x and y give the same mean position, so the tile is the one the points give (the test
/// compares them cell by cell).
fn counted_cells(layer: &Layer, tile: TileCoord, filters: &Filters, scope: &ReadScope) -> Option<Sql> {
    let table = layer.cell_counts?;
    let level =
        CELL_LEVELS.into_iter().find(|l| u32::from(*l) >= u32::from(tile.z) + CELLS.trailing_zeros())?;
    let unfiltered = filters.datetime.is_none()
        && filters.properties.is_empty()
        && filters.cql.is_none()
        && filters.params.is_empty();
    if !unfiltered || scope.jurisdiction_for(layer).is_some() {
        return None;
    }
    let mut sql = Sql::default();
    let z = sql.bind(Value::Int(i64::from(tile.z)));
    let x = sql.bind(Value::Int(i64::from(tile.x)));
    let y = sql.bind(Value::Int(i64::from(tile.y)));
    // The level and the shift follow from z in the statement, so that its text and binds are
    // those of any tile of the same form: z8-z10 read the level z + 6 as it is, lower zooms add up
    // the first level's cells.
    let bits = CELLS.trailing_zeros();
    let exact = u32::from(level) == u32::from(tile.z) + bits;
    let first = CELL_LEVELS[0];
    let (lvl, shift) = if exact {
        (format!("({z}::int + {bits})"), "0".to_owned())
    } else {
        (first.to_string(), format!("({} - {z}::int)", u32::from(first) - bits))
    };
    // The tile's cells of the level: [x · 2^(L − z), (x + 1) · 2^(L − z)), in whole numbers; its
    // cell of the tile's grid (64 · 2^z per side) is the level's shifted right.
    let range = |c: &str, t: &str| {
        format!("{c} >= {t}::int << ({lvl} - {z}::int) and {c} < ({t}::int + 1) << ({lvl} - {z}::int)")
    };
    let cells = format!(
        "select (cx >> {shift})::int8 * ({CELLS}::int8 << {z}::int) + (cy >> {shift}) as cell,
                k, counts, sx, sy
         from {table} where level = {lvl} and {xs} and {ys}",
        xs = range("cx", &x),
        ys = range("cy", &y),
    );
    let rows = if exact {
        format!("select cell, k as count, counts, sx as wx, sy as wy from ({cells}) c")
    } else {
        "select cell, count, counts, wx, wy
         from (select cell, sum(k)::int8 as count, sum(sx) as wx, sum(sy) as wy from c group by cell) sums
         join (select cell, jsonb_object_agg(key, n) as counts
               from (select cell, key, sum(value::int8) as n from c, jsonb_each_text(c.counts)
                     group by cell, key) e group by cell) by_category using (cell)"
            .to_owned()
    };
    let with = if exact { String::new() } else { format!("with c as ({cells}) ") };
    sql.text = format!("{with}{}", cell_tile(layer, &z, &x, &y, &rows));
    Some(sql)
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

/// `statement` (see [`statement`]) reading, with the tile, the data version of the tables
/// `layer` reads (`db::data_versions`): one round trip instead of two, and the version is that
/// of the very snapshot the tile was made from. Run with [`run_versioned`].
#[must_use]
pub fn versioned(layer: &Layer, statement: &Sql) -> Sql {
    let mut sql = Sql { text: String::new(), source: statement.source.clone(), ..Sql::default() };
    sql.binds.clone_from(&statement.binds);
    sql.plan_each_time = statement.plan_each_time;
    let tables = sql.bind(Value::Text(layer.reads.join(",")));
    sql.text = format!(
        "select v.version, m.tile from ({tile}) m(tile), ({sum}) v(version)",
        tile = statement.text,
        sum = crate::db::data_versions::sum_of(&tables),
    );
    sql
}

/// The data version and the tile's MVT bytes from [`versioned`]; the bytes are empty when no
/// feature falls in the tile.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip_all, fields(layer), err)]
pub async fn run_versioned(
    pool: &PgPool,
    layer: &Layer,
    statement: &Sql,
) -> Result<(i64, Vec<u8>), sqlx::Error> {
    tracing::Span::current().record("layer", layer.id);
    let row = statement.query().fetch_one(pool).await?;
    let bytes: Option<Vec<u8>> = sqlx::Row::get(&row, 1);
    Ok((sqlx::Row::get(&row, 0), bytes.unwrap_or_default()))
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
