//! Offline area packages: every tile of an area over a zoom range, each holding one MVT layer
//! per layer the caller may read (the same statements, filters and jurisdiction as the tile
//! route), written to an MBTiles file that QGIS, QField and GDAL open as it is.
//!
//! Analyses are left out: they are computed for a window and parameters a package has no
//! place to ask for, and are read online. The base map is not in the package either: raster
//! and vector tiles cannot share one MBTiles file.

use std::io::Write as _;

use chrono::NaiveDate;
use futures_util::{StreamExt as _, TryStreamExt as _};
use serde_json::json;
use sqlx::PgPool;

use super::layer::{Layer, ReadScope, Sensitivity};
use super::params::Filters;
use super::tiles;
use crate::db::packages as areas;
use crate::spatial::{BBox, TileCoord};
use crate::tilesets::{TilesetError, mbtiles};

/// The most tiles one package may hold. The whole border of the demo (its 10 communes of 2026,
/// 1,236 km²) is 5,903 tiles at zooms 10-16 (the 24 of 2020 are 4,086), a single commune a few
/// hundred; a zoom-16 tile is about 0.32 km² at 22.5°N, so 20,000 leaves room for border
/// communes three times the demo's. The download streams, so the bound is on the build's time
/// (README gives the measured rate), not on the request's timeout.
pub const MAX_TILES: usize = 20_000;
/// The deepest zoom a package may reach (about 0.6 m per pixel at Lào Cai's latitude).
pub const DEEPEST: u8 = 18;
/// Tiles built per zoom to estimate a package's size.
const SAMPLE: usize = 3;

/// Why a package cannot be planned.
#[derive(Debug)]
pub enum PlanError {
    /// The zooms make no range or go too deep; the message says which.
    Zooms(String),
    /// More tiles than [`MAX_TILES`]; the message gives the count and what to change.
    TooBig(String),
    /// The database failed finding the tiles.
    Database(sqlx::Error),
}

impl From<sqlx::Error> for PlanError {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(e)
    }
}

/// What a package holds: its layers and tiles.
#[derive(Debug)]
pub struct Plan {
    /// The layers, each one MVT layer in every tile.
    pub layers: Vec<&'static Layer>,
    /// Every tile that meets the area, zoom by zoom.
    pub tiles: Vec<TileCoord>,
    /// The zoom range.
    pub zooms: (u8, u8),
}

/// The layers of a package for a caller with `scope`: every stored layer it may read.
#[must_use]
pub fn layers_for(scope: &ReadScope) -> Vec<&'static Layer> {
    super::LAYERS.iter().filter(|l| l.sensitivity != Sensitivity::Analysis && scope.may_read(l)).collect()
}

/// The plan of a package of `area` (EWKB, SRID 4326; `bbox` its box: west, south, east, north)
/// at zooms `min..=max`: the tiles that meet the area itself, not its box (a border stretch's
/// box is mostly other communes, and across the border). Found zoom by zoom from [`START`]
/// down, each zoom testing only the children of the tiles kept above: a tile that misses the
/// area has no child that meets it, and one that meets it has at least one, so each zoom holds
/// at least as many as the one above and the candidates stay within four times the bound.
///
/// # Errors
/// Zooms out of order or deeper than [`DEEPEST`]; more than [`MAX_TILES`] tiles; the
/// database fails.
pub async fn plan(
    pool: &PgPool,
    layers: Vec<&'static Layer>,
    area: &[u8],
    bbox: [f64; 4],
    min: u8,
    max: u8,
) -> Result<Plan, PlanError> {
    if min > max || max > DEEPEST {
        return Err(PlanError::Zooms(format!(
            "minzoom {min} and maxzoom {max}: need minzoom <= maxzoom <= {DEEPEST}"
        )));
    }
    let boxed = BBox { min_x: bbox[0], min_y: bbox[1], max_x: bbox[2], max_y: bbox[3], srid: 4326 };
    let start = min.min(START);
    let mut level: Vec<TileCoord> =
        TileCoord::covering(&boxed, start).map_err(|e| PlanError::Zooms(e.0))?.take(4 * MAX_TILES).collect();
    let mut tiles = Vec::new();
    for z in start..=max {
        if z > start {
            level = level.iter().flat_map(|t| children(*t)).collect();
        }
        let (xs, ys): (Vec<i64>, Vec<i64>) = level.iter().map(|t| (i64::from(t.x), i64::from(t.y))).unzip();
        // The database hands back the columns and rows it was given, so they fit again.
        level = areas::tiles_meeting(pool, area, z, &xs, &ys)
            .await?
            .into_iter()
            .filter_map(|(x, y)| Some(TileCoord { z, x: u32::try_from(x).ok()?, y: u32::try_from(y).ok()? }))
            .collect();
        if z >= min {
            tiles.extend_from_slice(&level);
        }
        if tiles.len() > MAX_TILES || level.len() > MAX_TILES {
            return Err(PlanError::TooBig(format!(
                "the package would hold more than {MAX_TILES} tiles (already at zoom {z} of {min}..{max}); \
                 choose a smaller area or a lower maxzoom"
            )));
        }
    }
    Ok(Plan { layers, tiles, zooms: (min, max) })
}

/// The zoom the search for a plan's tiles starts from (or the package's first, if lower): the
/// box of any area of Vietnam covers a few hundred tiles there at most.
const START: u8 = 8;

/// The four tiles of the next zoom within `t`.
fn children(t: TileCoord) -> [TileCoord; 4] {
    let (z, x, y) = (t.z + 1, 2 * t.x, 2 * t.y);
    [
        TileCoord { z, x, y },
        TileCoord { z, x: x + 1, y },
        TileCoord { z, x, y: y + 1 },
        TileCoord { z, x: x + 1, y: y + 1 },
    ]
}

/// The filters of every layer of a package: read as of `date`.
fn filters(date: NaiveDate) -> Filters {
    Filters { as_of: Some(date), ..Filters::default() }
}

/// One tile of the package: its layers' MVTs one after the other (an MVT is a list of layers,
/// so concatenated tiles are one tile), empty when no layer has a feature there.
///
/// # Errors
/// The database fails.
pub async fn tile(
    pool: &PgPool,
    plan: &Plan,
    coord: TileCoord,
    date: NaiveDate,
    scope: &ReadScope,
) -> Result<Vec<u8>, sqlx::Error> {
    let filters = filters(date);
    let mut out = Vec::new();
    for layer in &plan.layers {
        let statement = tiles::statement(layer, coord, &filters, scope);
        out.extend(tiles::run(pool, layer, &statement).await?);
    }
    Ok(out)
}

/// The estimated size in bytes of the package: zoom by zoom, the mean gzipped size of up to
/// [`SAMPLE`] tiles spread over that zoom times its tiles, plus the file's own pages. Per zoom,
/// because a low zoom's tile carries far more than a deep one's (one mean over all zooms, tried
/// first, came out three times the demo's file).
///
/// # Errors
/// The database fails.
pub async fn estimate(
    pool: &PgPool,
    plan: &Plan,
    date: NaiveDate,
    scope: &ReadScope,
) -> Result<u64, sqlx::Error> {
    let mut total = 32 * 1024;
    for z in plan.zooms.0..=plan.zooms.1 {
        let level: Vec<TileCoord> = plan.tiles.iter().copied().filter(|t| t.z == z).collect();
        let step = level.len().div_ceil(SAMPLE).max(1);
        let (mut bytes, mut built) = (0usize, 0usize);
        for coord in level.iter().step_by(step) {
            bytes += gzip(&tile(pool, plan, *coord, date, scope).await?).len();
            built += 1;
        }
        total += bytes.checked_div(built).unwrap_or(0) * level.len();
    }
    Ok(total as u64)
}

/// The MBTiles metadata of the package (MBTiles 1.3, with `json` listing the vector layers and
/// their fields, which GDAL and QGIS read to know the layers).
#[must_use]
pub fn metadata(plan: &Plan, name: &str, description: &str, bbox: [f64; 4]) -> Vec<(&'static str, String)> {
    let (min, max) = plan.zooms;
    let vector_layers: Vec<_> = plan
        .layers
        .iter()
        .map(|l| json!({ "id": l.id, "description": l.title_vi, "fields": tiles::vector_fields(l), "minzoom": min, "maxzoom": max }))
        .collect();
    let [w, s, e, n] = bbox;
    vec![
        ("name", name.to_owned()),
        ("format", "pbf".to_owned()),
        ("type", "overlay".to_owned()),
        ("version", "1".to_owned()),
        ("description", description.to_owned()),
        ("minzoom", min.to_string()),
        ("maxzoom", max.to_string()),
        ("bounds", format!("{w},{s},{e},{n}")),
        ("center", format!("{},{},{min}", f64::midpoint(w, e), f64::midpoint(s, n))),
        ("json", json!({ "vector_layers": vector_layers }).to_string()),
    ]
}

/// `bytes` gzipped, as MBTiles' vector tiles are stored.
#[must_use]
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = gz.write_all(bytes);
    gz.finish().unwrap_or_default()
}

/// [`tile`] with its address (an `async fn`, not a closure's `async` block: a spawned build
/// must be `Send` for every lifetime of the borrows, which the compiler proves only for this).
async fn tile_at(
    pool: &PgPool,
    plan: &Plan,
    coord: TileCoord,
    date: NaiveDate,
    scope: &ReadScope,
) -> Result<(TileCoord, Vec<u8>), sqlx::Error> {
    Ok((coord, tile(pool, plan, coord, date, scope).await?))
}

/// How many tiles of a package are made at once.
const BUILD_CONCURRENCY: usize = 4;

/// Builds the package into the MBTiles file `path` (which must not exist): every non-empty
/// tile, gzipped. Returns how many tiles it holds.
///
/// # Errors
/// The database fails, or writing the file does.
pub async fn build(
    pool: &PgPool,
    plan: &Plan,
    date: NaiveDate,
    scope: &ReadScope,
    path: std::path::PathBuf,
    metadata: Vec<(&'static str, String)>,
) -> anyhow::Result<usize> {
    // SQLite writes on the blocking pool while the tiles are made here: a channel between them.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(TileCoord, Vec<u8>)>(64);
    let writer = tokio::task::spawn_blocking(move || -> Result<usize, TilesetError> {
        let out = mbtiles::Writer::create(&path, &metadata)?;
        let mut count = 0;
        while let Some((c, bytes)) = rx.blocking_recv() {
            out.put(c.z, c.x, c.y, &bytes)?;
            count += 1;
        }
        out.finish()?;
        Ok(count)
    });
    // A few tiles at a time, in order: one tile's statements wait on the database in turn, so
    // one at a time left the server's cores idle (the demo's whole border, 1,924 tiles: 28 s).
    // Few, so that a package does not take the pool from the map's readers.
    let mut made = futures_util::stream::iter(plan.tiles.iter().copied())
        .map(|coord| tile_at(pool, plan, coord, date, scope))
        .buffered(BUILD_CONCURRENCY);
    while let Some((coord, bytes)) = made.try_next().await? {
        if !bytes.is_empty() && tx.send((coord, gzip(&bytes))).await.is_err() {
            break; // The writer failed: its error is the one to report.
        }
    }
    drop(tx);
    Ok(writer.await??)
}
