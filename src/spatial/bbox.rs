//! A bounding box checked against its CRS's range.

use super::{Crs, MERCATOR, SpatialError, bad};

/// A bounding box, in longitude/latitude order of its SRID (EPSG:4326 input is swapped here).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    /// West / min x.
    pub min_x: f64,
    /// South / min y.
    pub min_y: f64,
    /// East / max x.
    pub max_x: f64,
    /// North / max y.
    pub max_y: f64,
    /// 4326 or 3857.
    pub srid: i32,
}

impl BBox {
    /// Parses `minx,miny,maxx,maxy` (a 6-number 3D box drops its heights) in `crs`.
    ///
    /// # Errors
    /// Not four (or six) finite numbers, inverted, or outside the CRS's range.
    pub fn parse(raw: &str, crs: Crs) -> Result<Self, SpatialError> {
        let numbers: Vec<f64> = raw
            .split(',')
            .map(|s| s.trim().parse::<f64>().ok().filter(|n| n.is_finite()))
            .collect::<Option<_>>()
            .ok_or_else(|| bad(format!("bbox: '{raw}' is not a list of numbers")))?;
        let ([a, b, c, d] | [a, b, _, c, d, _]) = numbers[..] else {
            return Err(bad(format!("bbox: expected 4 or 6 numbers, got {}", numbers.len())));
        };
        let (min_x, min_y, max_x, max_y, srid) = match crs {
            Crs::Crs84 => (a, b, c, d, 4326),
            Crs::Epsg4326 => (b, a, d, c, 4326),
            Crs::Epsg3857 => (a, b, c, d, 3857),
        };
        if min_x > max_x || min_y > max_y {
            return Err(bad(format!("bbox: '{raw}' has its minimum above its maximum")));
        }
        if srid == 3857 && [min_x, min_y, max_x, max_y].iter().any(|v| v.abs() > MERCATOR) {
            return Err(bad(format!("bbox: '{raw}' is outside Web Mercator's ±{MERCATOR} m")));
        }
        if srid == 4326 && (min_x < -180.0 || max_x > 180.0 || min_y < -90.0 || max_y > 90.0) {
            return Err(bad(format!(
                "bbox: '{raw}' is outside longitude -180..180 / latitude -90..90 (are latitude and longitude swapped?)"
            )));
        }
        Ok(Self { min_x, min_y, max_x, max_y, srid })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bbox_in_epsg_4326_is_latitude_first() {
        let b = BBox::parse("22.4,103.9,22.6,104.1", Crs::Epsg4326).expect("bbox");
        assert_eq!((b.min_x, b.min_y, b.max_x, b.max_y), (103.9, 22.4, 104.1, 22.6));
        assert!(BBox::parse("104.1,22.4,103.9,22.6", Crs::Crs84).is_err(), "inverted");
        assert!(BBox::parse("1,2,3", Crs::Crs84).is_err());
        assert!(BBox::parse("1,2,3,nan", Crs::Crs84).is_err());
        assert!(BBox::parse("22,190,23,191", Crs::Crs84).is_err());
        assert!(BBox::parse("0,0,1e300,1", Crs::Epsg3857).is_err());
        assert!(BBox::parse("11570000,2560000,11590000,2580000", Crs::Epsg3857).is_ok());
    }
}
