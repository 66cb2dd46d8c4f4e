//! MBTiles 1.3 (<https://github.com/mapbox/mbtiles-spec>): a SQLite file with a `metadata`
//! table of name/value pairs and a `tiles` table whose rows count from the south (TMS), so a
//! web map's row `y` is `2^z - 1 - y` here. Read for base maps, written for area packages.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::{Tile, TileFormat, TilesetError, TilesetInfo, is_gzip};

/// An MBTiles file open for reading.
#[derive(Debug)]
pub struct MbTiles {
    /// The file.
    pub path: PathBuf,
    /// What it holds.
    pub info: TilesetInfo,
    // One connection: a tile read is one indexed lookup, far shorter than the HTTP around it.
    conn: Mutex<Connection>,
}

impl MbTiles {
    /// Opens `path` read-only and reads its metadata.
    ///
    /// # Errors
    /// Not SQLite, no `tiles` table, or no format to tell (neither `format` metadata nor a tile
    /// whose bytes say it).
    pub fn open(path: &Path) -> Result<Self, TilesetError> {
        let sql = |source| TilesetError::Sqlite { path: path.to_owned(), source };
        let malformed = |why: &str| TilesetError::Malformed { path: path.to_owned(), why: why.to_owned() };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql)?;
        let meta = |name: &str| -> Result<Option<String>, TilesetError> {
            // Some writers leave `metadata` out; the spec requires it but the tiles are usable.
            match conn.query_row("select value from metadata where name = ?1", [name], |r| r.get(0)) {
                Ok(v) => Ok(Some(v)),
                Err(rusqlite::Error::QueryReturnedNoRows | rusqlite::Error::SqliteFailure(..)) => Ok(None),
                Err(e) => Err(sql(e)),
            }
        };
        let (min, max): (Option<i64>, Option<i64>) = conn
            .query_row("select min(zoom_level), max(zoom_level) from tiles", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|_| malformed("no tiles table (zoom_level, tile_column, tile_row, tile_data)"))?;
        let format = if let Some(name) = meta("format")? {
            TileFormat::from_name(&name).ok_or_else(|| {
                malformed(&format!("metadata format '{name}' is not png, jpg, webp, avif or pbf"))
            })?
        } else {
            let first: Option<Vec<u8>> = conn
                .query_row("select tile_data from tiles limit 1", [], |r| r.get(0))
                .optional()
                .map_err(sql)?;
            first
                .as_deref()
                .and_then(sniff)
                .ok_or_else(|| malformed("no format metadata and no tile to tell it"))?
        };
        let zoom = |name: &str, fallback: Option<i64>| -> Result<u8, TilesetError> {
            let v = meta(name)?.and_then(|v| v.trim().parse::<i64>().ok()).or(fallback).unwrap_or(0);
            u8::try_from(v)
                .ok()
                .filter(|z| *z <= crate::spatial::MAX_ZOOM)
                .ok_or_else(|| malformed(&format!("{name} {v}")))
        };
        let bounds = meta("bounds")?.and_then(|b| {
            let v: Vec<f64> = b.split(',').filter_map(|p| p.trim().parse().ok()).collect();
            <[f64; 4]>::try_from(v).ok()
        });
        let info = TilesetInfo {
            container: "mbtiles",
            format,
            minzoom: zoom("minzoom", min)?,
            maxzoom: zoom("maxzoom", max)?,
            bounds,
            attribution: meta("attribution")?.filter(|a| !a.is_empty()),
            vector_layers: meta("json")?
                .and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok())
                .and_then(|mut j| j.get_mut("vector_layers").map(serde_json::Value::take)),
        };
        Ok(Self { path: path.to_owned(), info, conn: Mutex::new(conn) })
    }

    /// The tile at `z`/`x`/`y` (XYZ rows), if stored.
    ///
    /// # Errors
    /// SQLite fails.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Tile>, TilesetError> {
        let row = (1u32 << z) - 1 - y;
        let conn = self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let bytes: Option<Vec<u8>> = conn
            .prepare_cached(
                "select tile_data from tiles where zoom_level = ?1 and tile_column = ?2 and tile_row = ?3",
            )
            .and_then(|mut s| s.query_row(params![z, x, row], |r| r.get(0)).optional())
            .map_err(|source| TilesetError::Sqlite { path: self.path.clone(), source })?;
        Ok(bytes.map(|bytes| Tile { gzip: is_gzip(&bytes), bytes }))
    }
}

/// The format a tile's first bytes say (PNG, JPEG, WebP signatures; gzip or raw protobuf is a
/// vector tile).
fn sniff(bytes: &[u8]) -> Option<TileFormat> {
    if bytes.starts_with(b"\x89PNG") {
        Some(TileFormat::Png)
    } else if bytes.starts_with(&[0xff, 0xd8]) {
        Some(TileFormat::Jpg)
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some(TileFormat::Webp)
    } else if is_gzip(bytes) || bytes.first() == Some(&0x1a) {
        // 0x1a: field 3 (layers), length-delimited: how every MVT starts.
        Some(TileFormat::Pbf)
    } else {
        None
    }
}

/// An MBTiles file being written (an area package). Tiles go in one transaction, committed by
/// [`Writer::finish`]; a writer dropped before that leaves no tiles.
pub struct Writer {
    conn: Connection,
    path: PathBuf,
}

impl Writer {
    /// Creates `path` (which must not exist) with the spec's tables and `metadata`.
    ///
    /// # Errors
    /// SQLite fails.
    pub fn create(path: &Path, metadata: &[(&str, String)]) -> Result<Self, TilesetError> {
        let sql = |source| TilesetError::Sqlite { path: path.to_owned(), source };
        let conn = Connection::open(path).map_err(sql)?;
        conn.execute_batch(
            "pragma journal_mode = off;
             pragma synchronous = off;
             create table metadata (name text, value text);
             create table tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob);
             create unique index tile_index on tiles (zoom_level, tile_column, tile_row);
             begin;",
        )
        .map_err(sql)?;
        for (name, value) in metadata {
            conn.execute("insert into metadata (name, value) values (?1, ?2)", params![name, value])
                .map_err(sql)?;
        }
        Ok(Self { conn, path: path.to_owned() })
    }

    /// Stores the tile `z`/`x`/`y` (XYZ rows; stored as TMS rows).
    ///
    /// # Errors
    /// SQLite fails (the same tile twice, a full disk).
    pub fn put(&self, z: u8, x: u32, y: u32, bytes: &[u8]) -> Result<(), TilesetError> {
        let row = (1u32 << z) - 1 - y;
        self.conn
            .prepare_cached(
                "insert into tiles (zoom_level, tile_column, tile_row, tile_data) values (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| s.execute(params![z, x, row, bytes]))
            .map(drop)
            .map_err(|source| TilesetError::Sqlite { path: self.path.clone(), source })
    }

    /// Commits the tiles and closes the file.
    ///
    /// # Errors
    /// SQLite fails.
    pub fn finish(self) -> Result<(), TilesetError> {
        let sql = |source| TilesetError::Sqlite { path: self.path.clone(), source };
        self.conn.execute_batch("commit;").map_err(sql)?;
        self.conn.close().map_err(|(_, e)| sql(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_the_formats_web_maps_use() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n"), Some(TileFormat::Png));
        assert_eq!(sniff(&[0xff, 0xd8, 0xff, 0xe0]), Some(TileFormat::Jpg));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(TileFormat::Webp));
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Some(TileFormat::Pbf));
        assert_eq!(sniff(b"GIF89a"), None);
    }
}
