//! Coordinate reference systems: those a bounding box may be given in, and the SRIDs a boundary
//! import may arrive in.

use super::{SpatialError, bad};

/// Coordinate reference systems accepted for `bbox-crs` (and `filter-crs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    /// OGC CRS84: longitude, latitude (the default).
    Crs84,
    /// EPSG:4326, whose axis order is latitude, longitude.
    Epsg4326,
    /// Web Mercator, metres.
    Epsg3857,
}

impl Crs {
    /// The URIs of the supported CRSs, for collection metadata.
    pub const URIS: [&'static str; 3] = [
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "http://www.opengis.net/def/crs/EPSG/0/4326",
        "http://www.opengis.net/def/crs/EPSG/0/3857",
    ];

    /// Parses a CRS URI (or its short `EPSG:n` / `CRS84` form).
    ///
    /// # Errors
    /// Not one of [`Crs::URIS`]; the message names `param`.
    pub fn parse(param: &str, raw: &str) -> Result<Self, SpatialError> {
        match raw {
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84" | "CRS84" | "OGC:CRS84" => Ok(Self::Crs84),
            "http://www.opengis.net/def/crs/EPSG/0/4326" | "EPSG:4326" => Ok(Self::Epsg4326),
            "http://www.opengis.net/def/crs/EPSG/0/3857" | "EPSG:3857" => Ok(Self::Epsg3857),
            _ => Err(bad(format!("{param}: '{raw}' is not supported; use one of {}", Self::URIS.join(", ")))),
        }
    }
}

/// The SRIDs a boundary import may arrive in: WGS 84, VN-2000 geographic, VN-2000 / UTM 48N and
/// VN-2000 / Lao Cai TM-3 (the last defined by the schema, migration 0002).
pub const IMPORT_SRIDS: [i32; 4] = [4326, 4756, 3405, 9208];

/// `Ok` when `srid` is one of [`IMPORT_SRIDS`].
///
/// # Errors
/// Any other SRID, named with the supported ones.
pub fn check_import_srid(srid: i32) -> Result<i32, SpatialError> {
    if IMPORT_SRIDS.contains(&srid) {
        Ok(srid)
    } else {
        Err(bad(format!("EPSG:{srid} is not supported; use one of 4326, 4756, 3405, 9208")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crs_uris_and_short_forms_parse_and_others_are_named() {
        assert_eq!(Crs::parse("bbox-crs", "EPSG:3857"), Ok(Crs::Epsg3857));
        assert_eq!(Crs::parse("bbox-crs", Crs::URIS[1]), Ok(Crs::Epsg4326));
        let e = Crs::parse("bbox-crs", "EPSG:32648").expect_err("unsupported");
        assert!(e.0.starts_with("bbox-crs: 'EPSG:32648' is not supported"), "{e}");
        assert!(check_import_srid(9208).is_ok() && check_import_srid(32648).is_err());
    }
}
