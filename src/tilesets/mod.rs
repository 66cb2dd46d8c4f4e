//! Tile files: MBTiles (SQLite) and PMTiles (one file of directories and tiles), raster or
//! vector. An operator's base map is read from one (`--basemap-file`), and offline area
//! packages are written as MBTiles. No HTTP and no database here: the edge (`http/basemap.rs`,
//! `http/packages.rs`) calls these blocking functions on the blocking pool.

pub mod mbtiles;
pub mod pmtiles;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::spatial::TileCoord;

/// What went wrong reading a tile file.
#[derive(Debug, thiserror::Error)]
pub enum TilesetError {
    /// The file is neither format, or breaks its format's rules; the message says how.
    #[error("{path}: {why}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// Reading the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// SQLite refused (an MBTiles file).
    #[error("{path}: {source}")]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// The error.
        source: rusqlite::Error,
    },
}

/// The encoding of the tiles of a file, as the HTTP answer declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TileFormat {
    /// PNG images.
    Png,
    /// JPEG images.
    Jpg,
    /// WebP images.
    Webp,
    /// AVIF images.
    Avif,
    /// Mapbox Vector Tiles (protobuf).
    Pbf,
}

impl TileFormat {
    /// The format named by MBTiles' `format` metadata (`png`, `jpg`, `webp`, `pbf`...).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "png" => Some(Self::Png),
            "jpg" | "jpeg" => Some(Self::Jpg),
            "webp" => Some(Self::Webp),
            "avif" => Some(Self::Avif),
            "pbf" | "mvt" => Some(Self::Pbf),
            _ => None,
        }
    }

    /// The media type of one tile.
    #[must_use]
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpg => "image/jpeg",
            Self::Webp => "image/webp",
            Self::Avif => "image/avif",
            Self::Pbf => "application/vnd.mapbox-vector-tile",
        }
    }

    /// Whether the tiles are vector tiles (a MapLibre vector source), not images.
    #[must_use]
    pub fn is_vector(self) -> bool {
        self == Self::Pbf
    }
}

/// What a client needs to know of a base map to draw it.
#[derive(Debug, Clone, Serialize)]
pub struct TilesetInfo {
    /// `mbtiles` or `pmtiles`.
    pub container: &'static str,
    /// The tiles' format.
    pub format: TileFormat,
    /// Lowest zoom with tiles.
    pub minzoom: u8,
    /// Highest zoom with tiles.
    pub maxzoom: u8,
    /// West, south, east, north (EPSG:4326), when the file says.
    pub bounds: Option<[f64; 4]>,
    /// Attribution from the file's metadata (HTML in MBTiles; shown as text).
    pub attribution: Option<String>,
    /// A vector file's layers (TileJSON `vector_layers`), copied into packages of its tiles so
    /// that GDAL and QGIS know the layers.
    #[serde(skip)]
    pub vector_layers: Option<serde_json::Value>,
}

/// One tile's bytes and whether they are gzipped (vector tiles usually are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    /// The tile as stored.
    pub bytes: Vec<u8>,
    /// Stored gzipped: the answer says `Content-Encoding: gzip` rather than unpacking it.
    pub gzip: bool,
}

/// An operator's base map file, opened once at start.
#[derive(Debug)]
pub enum Basemap {
    /// An MBTiles file.
    MbTiles(mbtiles::MbTiles),
    /// A PMTiles (version 3) file.
    PmTiles(pmtiles::PmTiles),
}

impl Basemap {
    /// Opens `path`, telling the format from its first bytes (SQLite's or PMTiles' magic), and
    /// reads what [`TilesetInfo`] holds: a file that cannot be served is refused at start.
    ///
    /// # Errors
    /// The file cannot be read, is neither format, or lacks what serving needs (its format).
    pub fn open(path: &Path) -> Result<Self, TilesetError> {
        let io = |source| TilesetError::Io { path: path.to_owned(), source };
        let mut magic = [0u8; 16];
        let n = std::io::Read::read(&mut std::fs::File::open(path).map_err(io)?, &mut magic).map_err(io)?;
        if magic[..n].starts_with(b"SQLite format 3\0") {
            Ok(Self::MbTiles(mbtiles::MbTiles::open(path)?))
        } else if magic[..n].starts_with(pmtiles::MAGIC) {
            Ok(Self::PmTiles(pmtiles::PmTiles::open(path)?))
        } else {
            Err(TilesetError::Malformed {
                path: path.to_owned(),
                why: "neither an MBTiles (SQLite) nor a PMTiles file".into(),
            })
        }
    }

    /// What the file holds.
    #[must_use]
    pub fn info(&self) -> &TilesetInfo {
        match self {
            Self::MbTiles(m) => &m.info,
            Self::PmTiles(p) => &p.info,
        }
    }

    /// The file's path (served whole as `/basemap.pmtiles` when it is a PMTiles file).
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            Self::MbTiles(m) => &m.path,
            Self::PmTiles(p) => &p.path,
        }
    }

    /// The tile at zoom `z`, column `x`, row `y` counted from the north (XYZ), if the file has
    /// it. Blocking: call it on the blocking pool.
    ///
    /// # Errors
    /// Reading fails or the file is malformed where the tile is looked up.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Tile>, TilesetError> {
        match self {
            Self::MbTiles(m) => m.tile(z, x, y),
            Self::PmTiles(p) => p.tile(z, x, y),
        }
    }
}

impl Basemap {
    /// The number and bytes of the tiles the file holds among `tiles`. Blocking.
    ///
    /// # Errors
    /// Reading fails.
    pub fn measure(&self, tiles: &[TileCoord]) -> Result<(usize, u64), TilesetError> {
        let (mut count, mut bytes) = (0, 0u64);
        for t in tiles {
            if let Some(tile) = self.tile(t.z, t.x, t.y)? {
                count += 1;
                bytes += tile.bytes.len() as u64;
            }
        }
        Ok((count, bytes))
    }

    /// Copies the tiles the file holds among `tiles`, as stored, into a new MBTiles file at
    /// `path` (which must not exist) with `metadata`; returns how many. Blocking.
    ///
    /// # Errors
    /// Reading or writing fails.
    pub fn extract(
        &self,
        tiles: &[TileCoord],
        path: &Path,
        metadata: &[(&str, String)],
    ) -> Result<usize, TilesetError> {
        let out = mbtiles::Writer::create(path, metadata)?;
        let mut count = 0;
        for t in tiles {
            if let Some(tile) = self.tile(t.z, t.x, t.y)? {
                out.put(t.z, t.x, t.y, &tile.bytes)?;
                count += 1;
            }
        }
        out.finish()?;
        Ok(count)
    }
}

/// Whether `bytes` start as gzip does (RFC 1952's ID1 ID2).
#[must_use]
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}
