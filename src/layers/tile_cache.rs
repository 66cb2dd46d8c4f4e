//! The in-memory tile cache (issue #17): tiles bounded in bytes, keyed by everything that decides
//! their bytes, so an entry is never stale.
//!
//! A key ([`TileKey`]) digests the layer, the tile, the statement with its bound values (the
//! filters, the "as of" date with today resolved, the analysis run, the caller's jurisdiction),
//! the caller's read flags and the Vietnamese day (the sources whose default window ends today).
//! Each entry keeps the data version of the tables the layer reads (migration 0040) that its tile
//! was made at, read in the same statement as the tile (`tiles::versioned`). A write moves the
//! version, so the next read finds the entry stale and makes the tile again, replacing it.
//!
//! Eviction is CLOCK (second chance): an entry read since the hand last passed it stays for one
//! more round. It approximates least-recently-used with one bit per entry and no list to
//! reorder on every read, which is what the map's many repeated reads of the same tiles want.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};

use sha2::{Digest, Sha256};

use super::layer::{Layer, ReadScope};
use super::sql::Sql;
use super::values::today;
use crate::spatial::TileCoord;

/// What decides a tile's bytes, digested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileKey([u8; 32]);

impl TileKey {
    /// The key of `tile` of `layer` as `statement` asks it of a caller with `scope`.
    #[must_use]
    pub fn new(layer: &Layer, tile: TileCoord, statement: &Sql, scope: &ReadScope) -> Self {
        let mut h = Sha256::new();
        h.update(layer.id.as_bytes());
        h.update([0]);
        for n in [u32::from(tile.z), tile.x, tile.y] {
            h.update(n.to_le_bytes());
        }
        // A default window or date ends today (Vietnam): tomorrow the same request means more.
        h.update(today().to_string().as_bytes());
        let flags = [scope.public, scope.internal, scope.restricted, scope.patrols, scope.analyse];
        h.update(flags.map(u8::from));
        statement.digest_into(&mut h);
        Self(h.finalize().into())
    }

    /// A weak entity tag for the tile at data version `version` (weak: two processes may order a
    /// tile's features differently, the same meaning in different bytes). It follows the version,
    /// so a client's `If-None-Match` is answered 304 only while nothing the tile reads has
    /// changed; digested, so it does not tell how many writes there were.
    #[must_use]
    pub fn etag(&self, version: i64) -> String {
        let digest: [u8; 32] =
            Sha256::new().chain_update(self.0).chain_update(version.to_le_bytes()).finalize().into();
        let mut tag = String::with_capacity(36);
        tag.push_str("W/\"");
        for b in &digest[..16] {
            let _ = write!(tag, "{b:02x}");
        }
        tag.push('"');
        tag
    }
}

/// A tile's bytes as cached (shared, not copied, into each response): empty for a tile without
/// features (answered 204).
pub type TileBytes = bytes::Bytes;

/// Tiles in memory, at most a budget of bytes (0: caching off).
#[derive(Debug)]
pub struct TileCache {
    budget: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<TileKey, Entry>,
    /// The clock's ring: every key once, the hand at the front.
    ring: VecDeque<TileKey>,
    bytes: usize,
}

#[derive(Debug)]
struct Entry {
    tile: TileBytes,
    /// The data version the tile was made at.
    version: i64,
    referenced: bool,
}

/// What an entry costs beyond its bytes (key, ring slot, map slot): an empty tile costs too.
const OVERHEAD: usize = 96;

impl TileCache {
    /// A cache of at most `budget` bytes.
    #[must_use]
    pub fn new(budget: usize) -> Self {
        Self { budget, inner: Mutex::default() }
    }

    /// Whether the cache keeps anything.
    #[must_use]
    pub fn enabled(&self) -> bool {
        self.budget > 0
    }

    /// The bytes held now (tiles and their overhead).
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// The tile stored under `key` and the data version it was made at, if any.
    #[must_use]
    pub fn get(&self, key: &TileKey) -> Option<(i64, TileBytes)> {
        let mut inner = self.lock();
        let entry = inner.entries.get_mut(key)?;
        entry.referenced = true;
        Some((entry.version, entry.tile.clone()))
    }

    /// Stores `tile`, made at data version `version`, under `key` (replacing an older version's),
    /// evicting until the budget holds. A tile larger than the whole budget is not stored.
    pub fn put(&self, key: TileKey, version: i64, tile: TileBytes) {
        let cost = tile.len() + OVERHEAD;
        if cost > self.budget {
            return;
        }
        let mut inner = self.lock();
        match inner.entries.get(&key).map(|e| e.version) {
            // A concurrent reader stored this version first, or a newer one.
            Some(held) if held >= version => return,
            Some(_) => {
                // Stale: out of the map and the byte count. Its ring slot stays (finding it would
                // cost a pass over the ring): the new entry then has two, and the hand treats it
                // at the first as at any slot; a slot whose key has no entry is just dropped.
                if let Some(old) = inner.entries.remove(&key) {
                    inner.bytes -= old.tile.len() + OVERHEAD;
                }
            }
            None => {}
        }
        while inner.bytes + cost > self.budget {
            let Some(victim) = inner.ring.pop_front() else { break };
            let second_chance =
                inner.entries.get_mut(&victim).is_some_and(|e| std::mem::take(&mut e.referenced));
            if second_chance {
                inner.ring.push_back(victim);
            } else if let Some(gone) = inner.entries.remove(&victim) {
                inner.bytes -= gone.tile.len() + OVERHEAD;
            }
        }
        inner.bytes += cost;
        inner.ring.push_back(key);
        inner.entries.insert(key, Entry { tile, version, referenced: false });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves whole entries (every update completes before
        // anything can panic), so the cache stays usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> TileKey {
        TileKey([n; 32])
    }

    fn tile(len: usize) -> TileBytes {
        TileBytes::from(vec![7; len])
    }

    #[test]
    fn the_budget_bounds_the_bytes_held() {
        let cache = TileCache::new(10 * (100 + OVERHEAD));
        for n in 0..50 {
            cache.put(key(n), 1, tile(100));
            assert!(cache.bytes() <= 10 * (100 + OVERHEAD), "after {n}: {}", cache.bytes());
        }
        assert_eq!(cache.bytes(), 10 * (100 + OVERHEAD));
        assert!(cache.get(&key(49)).is_some(), "the newest stays");
        assert!(cache.get(&key(0)).is_none(), "the oldest went");
    }

    #[test]
    fn a_tile_read_since_the_hand_passed_survives_one_round() {
        let cache = TileCache::new(3 * (10 + OVERHEAD));
        for n in 0..3 {
            cache.put(key(n), 1, tile(10));
        }
        assert!(cache.get(&key(0)).is_some());
        cache.put(key(3), 1, tile(10));
        assert!(cache.get(&key(0)).is_some(), "read, so kept");
        assert!(cache.get(&key(1)).is_none(), "unread, so evicted");
    }

    #[test]
    fn off_and_oversized_tiles_are_not_kept() {
        let off = TileCache::new(0);
        off.put(key(1), 1, tile(0));
        assert!(!off.enabled());
        assert!(off.get(&key(1)).is_none());
        let small = TileCache::new(1000);
        small.put(key(1), 1, tile(2000));
        assert!(small.get(&key(1)).is_none());
        assert_eq!(small.bytes(), 0);
    }

    #[test]
    fn etags_are_weak_and_differ_with_the_key_and_the_version() {
        assert!(key(1).etag(5).starts_with("W/\""));
        assert_ne!(key(1).etag(5), key(2).etag(5));
        assert_ne!(key(1).etag(5), key(1).etag(6));
    }

    #[test]
    fn a_newer_version_replaces_the_entry_and_an_older_one_does_not() {
        let cache = TileCache::new(10_000);
        cache.put(key(1), 5, tile(10));
        cache.put(key(1), 6, tile(20));
        assert_eq!(cache.get(&key(1)).map(|(v, t)| (v, t.len())), Some((6, 20)));
        assert_eq!(cache.bytes(), 20 + OVERHEAD, "the stale entry's bytes are given back");
        cache.put(key(1), 5, tile(30));
        assert_eq!(cache.get(&key(1)).map(|(v, _)| v), Some(6), "a slower reader's older tile");
    }
}
