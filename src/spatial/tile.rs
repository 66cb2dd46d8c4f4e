//! Tile addresses of the WebMercatorQuad tile matrix set (OGC 17-083r4, the XYZ scheme of web
//! maps: rows from the north) and the maths of their envelopes.

use std::f64::consts::PI;

use super::{BBox, MERCATOR, SpatialError, bad};

/// Deepest zoom served: about 2 cm per pixel, far below any survey's accuracy.
pub const MAX_ZOOM: u8 = 24;
/// Tile extent in MVT units, and the buffer around it (as martin and most servers use).
pub const EXTENT: i32 = 4096;
/// See [`EXTENT`].
pub const BUFFER: i32 = 64;

/// A tile address that exists in WebMercatorQuad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    pub fn new_checked(z: u32, x: u32, y: u32) -> Result<Self, SpatialError> {
        let z = u8::try_from(z)
            .ok()
            .filter(|z| *z <= MAX_ZOOM)
            .ok_or_else(|| bad(format!("tile zoom {z} is outside 0..={MAX_ZOOM} of WebMercatorQuad")))?;
        let size = 1u64 << z;
        if u64::from(x) >= size || u64::from(y) >= size {
            return Err(bad(format!(
                "tile {z}/{y}/{x} does not exist: at zoom {z} rows and columns run 0..{size}"
            )));
        }
        Ok(Self { z, x, y })
    }

    /// The tile's envelope in Web Mercator metres: (min x, min y, max x, max y), as PostGIS's
    /// `ST_TileEnvelope` computes it.
    #[must_use]
    pub fn bounds_3857(self) -> (f64, f64, f64, f64) {
        let size = 2.0 * MERCATOR / f64::from(1u32 << self.z);
        let min_x = -MERCATOR + f64::from(self.x) * size;
        let max_y = MERCATOR - f64::from(self.y) * size;
        (min_x, max_y - size, min_x + size, max_y)
    }

    /// The tiles of zoom `z` that meet `bbox` (longitude/latitude, EPSG:4326), row by row; the
    /// latitudes are clamped to Web Mercator's ±85.05°.
    ///
    /// # Errors
    /// `z` above [`MAX_ZOOM`], or a box that is not in EPSG:4326.
    pub fn covering(bbox: &BBox, z: u8) -> Result<impl Iterator<Item = Self>, SpatialError> {
        if z > MAX_ZOOM {
            return Err(bad(format!("tile zoom {z} is outside 0..={MAX_ZOOM} of WebMercatorQuad")));
        }
        if bbox.srid != 4326 {
            return Err(bad("tiles are counted over a longitude/latitude box (EPSG:4326)"));
        }
        let (x0, y0) = lonlat_to_tile(bbox.min_x, bbox.max_y, z);
        let (x1, y1) = lonlat_to_tile(bbox.max_x, bbox.min_y, z);
        Ok((y0..=y1).flat_map(move |y| (x0..=x1).map(move |x| Self { z, x, y })))
    }
}

/// The column and row of the tile of zoom `z` holding a point (clamped into the matrix).
#[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "clamped to 0..2^z first")]
fn lonlat_to_tile(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let lat = lat.clamp(-85.051_128_779_806_6, 85.051_128_779_806_6).to_radians();
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let y = ((1.0 - lat.tan().asinh() / PI) / 2.0 * n).floor();
    (x.clamp(0.0, n - 1.0) as u32, y.clamp(0.0, n - 1.0) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spatial::Crs;

    #[test]
    fn tile_coordinates_are_checked_against_the_zoom() {
        assert!(TileCoord::new_checked(0, 0, 0).is_ok());
        assert!(TileCoord::new_checked(10, 1023, 1023).is_ok());
        assert!(TileCoord::new_checked(10, 1024, 0).is_err());
        assert!(TileCoord::new_checked(1, 0, 2).is_err());
        assert!(TileCoord::new_checked(25, 0, 0).is_err());
        assert!(TileCoord::new_checked(400, 0, 0).is_err());
    }

    #[test]
    fn envelopes_match_st_tile_envelope() {
        // SELECT ST_AsText(ST_TileEnvelope(1, 1, 0)) in PostGIS 3.3:
        // POLYGON((0 0,0 20037508.342789244,20037508.342789244 20037508.342789244,...))
        let (a, b, c, d) = TileCoord { z: 1, x: 1, y: 0 }.bounds_3857();
        assert_eq!((a, b, c, d), (0.0, 0.0, MERCATOR, MERCATOR));
    }

    #[test]
    fn the_tiles_covering_lao_cai_city_at_zoom_12() {
        // Lào Cai city lies at about 103.97 E, 22.49 N: at zoom 12 that box spans columns 3230-3231
        // of row 1785 (x = (lon + 180) / 360 * 2^z, y from the Mercator latitude).
        let b = BBox::parse("103.96,22.48,103.98,22.50", Crs::Crs84).expect("bbox");
        let tiles: Vec<TileCoord> = TileCoord::covering(&b, 12).expect("covering").collect();
        assert_eq!(tiles, [TileCoord { z: 12, x: 3230, y: 1785 }, TileCoord { z: 12, x: 3231, y: 1785 }]);
        let world: Vec<TileCoord> =
            TileCoord::covering(&BBox::parse("-180,-90,180,90", Crs::Crs84).expect("world"), 1)
                .expect("z1")
                .collect();
        assert_eq!(world.len(), 4);
    }
}
