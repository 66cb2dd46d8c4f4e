//! PMTiles version 3 (<https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md>): a
//! 127-byte header, a root directory, JSON metadata, leaf directories and the tiles. A tile's
//! id counts every tile of the lower zooms, then follows the Hilbert curve within its zoom; a
//! directory maps runs of ids to byte ranges, or to a leaf directory. Read for base maps: the
//! root directory is kept in memory, leaf directories and tiles are read when asked for.

use std::io::Read as _;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};

use super::{Tile, TileFormat, TilesetError, TilesetInfo};

/// The first bytes of every PMTiles file (then the version, 3).
pub const MAGIC: &[u8] = b"PMTiles";
/// The header's length.
const HEADER: usize = 127;
/// Directories deeper than this are a malformed (or hostile) file, not a big one.
const MAX_DEPTH: usize = 4;

/// One directory entry: `run_length` tiles from `tile_id` share the bytes at `offset`; a run of
/// 0 points to a leaf directory instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// First tile id of the run.
    pub tile_id: u64,
    /// Bytes from the tile data section's start (or the leaf section's).
    pub offset: u64,
    /// Length in bytes.
    pub length: u32,
    /// Tiles in the run; 0: a leaf directory.
    pub run_length: u32,
}

/// A PMTiles file open for reading.
#[derive(Debug)]
pub struct PmTiles {
    /// The file.
    pub path: PathBuf,
    /// What it holds.
    pub info: TilesetInfo,
    file: std::fs::File,
    root: Vec<Entry>,
    leaves_offset: u64,
    data_offset: u64,
    gzip_internal: bool,
    gzip_tiles: bool,
}

impl PmTiles {
    /// Opens `path`, reads its header, root directory and metadata.
    ///
    /// # Errors
    /// Not version 3, a compression this server cannot serve (brotli, zstd), a tile type it
    /// does not know, or a malformed root directory.
    pub fn open(path: &Path) -> Result<Self, TilesetError> {
        let malformed = |why: String| TilesetError::Malformed { path: path.to_owned(), why };
        let file =
            std::fs::File::open(path).map_err(|source| TilesetError::Io { path: path.to_owned(), source })?;
        let h = read_at(&file, path, 0, HEADER)?;
        if h.len() < HEADER || !h.starts_with(MAGIC) || h[7] != 3 {
            return Err(malformed("not a PMTiles version 3 file".into()));
        }
        let u64_at = |at: usize| u64::from_le_bytes(h[at..at + 8].try_into().unwrap_or_default());
        let deg_at =
            |at: usize| f64::from(i32::from_le_bytes(h[at..at + 4].try_into().unwrap_or_default())) / 1e7;
        let gzip = |c: u8, what: &str| match c {
            1 => Ok(false),
            2 => Ok(true),
            0 if what == "tile" => Ok(false),
            _ => Err(malformed(format!("{what} compression {c} (only none and gzip are served)"))),
        };
        let format = match h[99] {
            1 => TileFormat::Pbf,
            2 => TileFormat::Png,
            3 => TileFormat::Jpg,
            4 => TileFormat::Webp,
            5 => TileFormat::Avif,
            t => return Err(malformed(format!("tile type {t} is unknown"))),
        };
        let mut tiles = Self {
            path: path.to_owned(),
            info: TilesetInfo {
                container: "pmtiles",
                format,
                minzoom: h[100],
                maxzoom: h[101],
                bounds: Some([deg_at(102), deg_at(106), deg_at(110), deg_at(114)]),
                attribution: None,
                vector_layers: None,
            },
            file,
            root: Vec::new(),
            leaves_offset: u64_at(40),
            data_offset: u64_at(56),
            gzip_internal: gzip(h[97], "internal")?,
            gzip_tiles: gzip(h[98], "tile")?,
        };
        if tiles.info.minzoom > tiles.info.maxzoom || tiles.info.maxzoom > crate::spatial::MAX_ZOOM {
            return Err(malformed(format!("zooms {}..{}", tiles.info.minzoom, tiles.info.maxzoom)));
        }
        tiles.root = decode_directory(&tiles.section(u64_at(8), u64_at(16))?).map_err(malformed)?;
        let metadata = tiles.section(u64_at(24), u64_at(32))?;
        // Metadata is optional and free-form; the attribution and the vector layers are used,
        // when they are there.
        let metadata = serde_json::from_slice::<serde_json::Value>(&metadata).ok();
        tiles.info.attribution = metadata
            .as_ref()
            .and_then(|m| m.get("attribution")?.as_str().map(str::to_owned))
            .filter(|a| !a.is_empty());
        tiles.info.vector_layers =
            metadata.and_then(|mut m| m.get_mut("vector_layers").map(serde_json::Value::take));
        Ok(tiles)
    }

    /// `length` bytes at `offset`, unpacked with the internal compression.
    fn section(&self, offset: u64, length: u64) -> Result<Vec<u8>, TilesetError> {
        let length = usize::try_from(length).unwrap_or(usize::MAX).min(64 << 20);
        let bytes = read_at(&self.file, &self.path, offset, length)?;
        if !self.gzip_internal {
            return Ok(bytes);
        }
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .take(64 << 20)
            .read_to_end(&mut out)
            .map_err(|source| TilesetError::Io { path: self.path.clone(), source })?;
        Ok(out)
    }

    /// The tile at `z`/`x`/`y` (XYZ rows), if the file has it.
    ///
    /// # Errors
    /// Reading fails or a leaf directory is malformed.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Tile>, TilesetError> {
        let id = tile_id(z, x, y);
        let mut dir = std::borrow::Cow::Borrowed(&self.root);
        for _ in 0..MAX_DEPTH {
            let Some(entry) = find(&dir, id) else { return Ok(None) };
            if entry.run_length > 0 {
                let bytes =
                    read_at(&self.file, &self.path, self.data_offset + entry.offset, entry.length as usize)?;
                return Ok(Some(Tile { bytes, gzip: self.gzip_tiles }));
            }
            let leaf = self.section(self.leaves_offset + entry.offset, u64::from(entry.length))?;
            let entries = decode_directory(&leaf).map_err(|why| TilesetError::Malformed {
                path: self.path.clone(),
                why: format!("leaf directory: {why}"),
            })?;
            dir = std::borrow::Cow::Owned(entries);
        }
        Err(TilesetError::Malformed {
            path: self.path.clone(),
            why: format!("directories deeper than {MAX_DEPTH}"),
        })
    }
}

fn read_at(file: &std::fs::File, path: &Path, offset: u64, length: usize) -> Result<Vec<u8>, TilesetError> {
    let mut buf = vec![0; length];
    let mut done = 0;
    while done < length {
        match file.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(source) => return Err(TilesetError::Io { path: path.to_owned(), source }),
        }
    }
    buf.truncate(done);
    Ok(buf)
}

/// The entry whose run holds `id`, or the leaf directory that may: the last entry starting at
/// or before it.
fn find(entries: &[Entry], id: u64) -> Option<Entry> {
    let at = entries.partition_point(|e| e.tile_id <= id).checked_sub(1)?;
    let e = entries[at];
    (e.run_length == 0 || id - e.tile_id < u64::from(e.run_length)).then_some(e)
}

/// The tile id of `z`/`x`/`y`: the tiles of every lower zoom, then the position on the Hilbert
/// curve of zoom `z`.
#[must_use]
pub fn tile_id(z: u8, x: u32, y: u32) -> u64 {
    let before = ((1u64 << (2 * u32::from(z))) - 1) / 3;
    let side = 1u64 << z;
    let (mut col, mut row) = (u64::from(x), u64::from(y));
    let mut along = 0;
    let mut half = side / 2;
    while half > 0 {
        let rx = u64::from(col & half > 0);
        let ry = u64::from(row & half > 0);
        along += half * half * ((3 * rx) ^ ry);
        // Rotate the quadrant so the curve's pattern repeats inside it.
        if ry == 0 {
            if rx == 1 {
                col = side - 1 - col;
                row = side - 1 - row;
            }
            std::mem::swap(&mut col, &mut row);
        }
        half /= 2;
    }
    before + along
}

/// A directory's entries: the count, then the ids (as deltas), run lengths, lengths and offsets
/// (each plus one; 0 means right after the previous entry), every number a varint.
///
/// # Errors
/// The bytes end early, or a number overflows.
pub fn decode_directory(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    let mut at = 0;
    let mut next = || -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *bytes.get(at).ok_or("the directory ends early")?;
            at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("a number of the directory overflows".into())
    };
    let n = usize::try_from(next()?).map_err(|_| "too many entries")?;
    if n > bytes.len() {
        return Err(format!("{n} entries in {} bytes", bytes.len()));
    }
    let mut entries = vec![Entry { tile_id: 0, offset: 0, length: 0, run_length: 0 }; n];
    let mut id = 0u64;
    for e in &mut entries {
        id = id.checked_add(next()?).ok_or("tile ids overflow")?;
        e.tile_id = id;
    }
    let small = |v: u64| u32::try_from(v).map_err(|_| format!("{v} is out of range"));
    for e in &mut entries {
        e.run_length = small(next()?)?;
    }
    for e in &mut entries {
        e.length = small(next()?)?;
    }
    for i in 0..n {
        let v = next()?;
        entries[i].offset = match (v, i) {
            (0, i) if i > 0 => entries[i - 1].offset + u64::from(entries[i - 1].length),
            (0, _) => return Err("the first entry has no offset".into()),
            (v, _) => v - 1,
        };
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_ids_follow_the_specs_examples() {
        // From the spec's reference implementations (js/src/index.ts tests).
        assert_eq!(tile_id(0, 0, 0), 0);
        assert_eq!(tile_id(1, 0, 0), 1);
        assert_eq!(tile_id(1, 0, 1), 2);
        assert_eq!(tile_id(1, 1, 1), 3);
        assert_eq!(tile_id(1, 1, 0), 4);
        assert_eq!(tile_id(2, 0, 0), 5);
        assert_eq!(tile_id(12, 3423, 1763), 19_078_479);
    }

    #[test]
    fn a_directory_decodes_and_finds_runs_and_leaves() {
        // Two entries: ids 5 (run 2, 10 bytes at 0) and 9 (leaf, 7 bytes right after).
        let bytes = [2, 5, 4, 2, 0, 10, 7, 1, 0];
        let dir = decode_directory(&bytes).expect("decodes");
        assert_eq!(dir[0], Entry { tile_id: 5, offset: 0, length: 10, run_length: 2 });
        assert_eq!(dir[1], Entry { tile_id: 9, offset: 10, length: 7, run_length: 0 });
        assert_eq!(find(&dir, 6), Some(dir[0]));
        assert_eq!(find(&dir, 7), None);
        assert_eq!(find(&dir, 4), None);
        assert_eq!(find(&dir, 100), Some(dir[1]));
        assert!(decode_directory(&[3, 1]).is_err());
    }
}
