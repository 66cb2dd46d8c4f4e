//! A zipped Shapefile as the GeoJSON `FeatureCollection` the boundary import reads: the one
//! `.shp` in the zip, its `.dbf` (attributes) and its `.prj` (the coordinate system, recognised
//! among the four a boundary file may be in). Nothing here touches the database, so the fuzz
//! target calls [`read`] exactly as the service does.
//!
//! Every refusal names the file in the zip and, for a record, its number (from 0, as the
//! import report counts features). The uncompressed size is capped while inflating (the sizes a
//! zip declares are not trusted), so a zip bomb costs at most [`MAX_UNZIPPED_BYTES`].

use std::io::{Cursor, Read};

use serde_json::{Map, Value, json};
use shapefile::dbase::{self, FieldValue};
use shapefile::{PolygonRing, Shape};

use super::ImportError;

/// The most bytes the files of one zip may inflate to, together.
pub const MAX_UNZIPPED_BYTES: u64 = 128 * 1024 * 1024;

/// Whether `bytes` start like a zip archive (a local file header).
#[must_use]
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The Shapefile in the zip `bytes` as a `FeatureCollection`, and the SRID its `.prj` names
/// (`None` without a `.prj`).
///
/// # Errors
/// `Malformed` naming the file (and record) at fault, or an unknown `.prj`; `TooLarge` beyond
/// [`MAX_UNZIPPED_BYTES`].
pub fn read(bytes: &[u8]) -> Result<(Value, Option<i32>), ImportError> {
    let files = unzip(bytes)?;
    let shps: Vec<&String> = files.iter().map(|(n, _)| n).filter(|n| extension(n) == "shp").collect();
    let shp_name = match shps.as_slice() {
        [one] => (*one).clone(),
        [] => return Err(malformed("the zip has no .shp file (a zipped Shapefile was expected)")),
        many => {
            let names: Vec<&str> = many.iter().map(|n| n.as_str()).collect();
            return Err(malformed(format!(
                "the zip holds {} Shapefiles ({}); send one per import",
                many.len(),
                names.join(", ")
            )));
        }
    };
    let stem = &shp_name[..shp_name.len() - 4];
    let sibling = |ext: &str| {
        files.iter().find(|(n, _)| n.len() == stem.len() + 4 && n.starts_with(stem) && extension(n) == ext)
    };
    let Some((dbf_name, dbf)) = sibling("dbf") else {
        return Err(malformed(format!(
            "{stem}.dbf is missing from the zip (the attributes: code, name ...)"
        )));
    };
    let srid = match sibling("prj") {
        None => None,
        Some((name, prj)) => Some(srid_of_prj(name, prj)?),
    };
    let shp = &files.iter().find(|(n, _)| *n == shp_name).map(|(_, b)| b.as_slice()).unwrap_or_default();
    let shapes = read_shapes(&shp_name, shp)?;
    let records = read_records(dbf_name, dbf)?;
    if shapes.len() != records.len() {
        return Err(malformed(format!(
            "{shp_name} has {} records but {dbf_name} has {}; they must match one to one",
            shapes.len(),
            records.len()
        )));
    }
    let features: Vec<Value> = shapes
        .into_iter()
        .zip(records)
        .map(|(geometry, properties)| json!({ "type": "Feature", "geometry": geometry, "properties": properties }))
        .collect();
    Ok((json!({ "type": "FeatureCollection", "features": features }), srid))
}

fn malformed(message: impl Into<String>) -> ImportError {
    ImportError::Malformed(message.into())
}

fn extension(name: &str) -> String {
    name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default()
}

/// Every file of the zip (not directories, not macOS resource forks) with its bytes.
fn unzip(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, ImportError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| malformed(format!("not a readable zip: {e}")))?;
    let mut files = Vec::new();
    let mut budget = MAX_UNZIPPED_BYTES;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| malformed(format!("zip entry {i}: {e}")))?;
        let name = file.name().map_or_else(|_| format!("entry {i}"), std::borrow::Cow::into_owned);
        if file.is_dir() || name.starts_with("__MACOSX/") {
            continue;
        }
        let mut content = Vec::new();
        // One byte over the budget tells a file that is too large from one that fits exactly.
        (&mut file)
            .take(budget + 1)
            .read_to_end(&mut content)
            .map_err(|e| malformed(format!("{name} in the zip cannot be inflated: {e}")))?;
        let used = u64::try_from(content.len()).unwrap_or(u64::MAX);
        if used > budget {
            return Err(ImportError::TooLarge(format!(
                "the zip inflates to more than the limit of {} MiB (at {name})",
                MAX_UNZIPPED_BYTES >> 20
            )));
        }
        budget -= used;
        files.push((name, content));
    }
    Ok(files)
}

/// The coordinate system a `.prj` (ESRI WKT) describes, matched on its datum and projection
/// parameters rather than on its names alone, which differ between writers.
fn srid_of_prj(name: &str, prj: &[u8]) -> Result<i32, ImportError> {
    let wkt = String::from_utf8_lossy(prj);
    let flat: String = wkt.to_lowercase().chars().filter(char::is_ascii_alphanumeric).collect();
    let datum = wkt
        .to_lowercase()
        .split("datum[\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|d| d.chars().filter(char::is_ascii_alphanumeric).collect::<String>())
        .unwrap_or_default();
    let vn2000 = datum.contains("vietnam2000") || datum.contains("vn2000");
    let wgs84 = datum.contains("wgs1984") || datum.contains("wgs84");
    let parameter = |key: &str| parameter(&wkt, key);
    let tm = |meridian: f64, scale: f64| {
        parameter("central_meridian").is_some_and(|m| (m - meridian).abs() < 1e-9)
            && parameter("scale_factor").is_some_and(|k| (k - scale).abs() < 1e-9)
            && parameter("false_easting").is_some_and(|e| (e - 500_000.0).abs() < 1e-6)
            && parameter("false_northing").is_none_or(|n| n.abs() < 1e-6)
    };
    let srid = if flat.starts_with("projcs") {
        match () {
            () if vn2000 && tm(104.75, 0.9999) => Some(9208),
            () if vn2000 && tm(105.0, 0.9996) => Some(3405),
            () => None,
        }
    } else if flat.starts_with("geogcs") {
        match () {
            () if vn2000 => Some(4756),
            () if wgs84 => Some(4326),
            () => None,
        }
    } else {
        None
    };
    srid.ok_or_else(|| {
        let start: String = wkt.chars().take(80).collect();
        malformed(format!(
            "{name}: unknown coordinate system ({start}...); supported are WGS 84 (4326), VN-2000 \
             (4756), VN-2000 / UTM 48N (3405) and VN-2000 / Lao Cai TM-3 (9208); give --srid (srid=) \
             to override"
        ))
    })
}

/// The value of `PARAMETER["key", value]` in `wkt` (case-insensitive).
fn parameter(wkt: &str, key: &str) -> Option<f64> {
    let lower = wkt.to_lowercase();
    let at = lower.find(&format!("parameter[\"{key}\""))?;
    let rest = &lower[at..];
    let value = rest.split(',').nth(1)?.split(']').next()?;
    value.trim().parse().ok()
}

/// The shapes as GeoJSON geometries (`null` for a null shape, refused later as not a polygon).
fn read_shapes(name: &str, shp: &[u8]) -> Result<Vec<Value>, ImportError> {
    check_record_sizes(name, shp)?;
    let mut reader = shapefile::ShapeReader::new(Cursor::new(shp))
        .map_err(|e| malformed(format!("{name}: unreadable header: {e}")))?;
    let mut geometries = Vec::new();
    for (i, shape) in reader.iter_shapes().enumerate() {
        let shape = shape.map_err(|e| malformed(format!("{name}: record {i}: {e}")))?;
        geometries.push(match shape {
            Shape::NullShape => Value::Null,
            Shape::Polygon(p) => polygon(p.rings().iter().map(|r| (outer(r), xy(r.points())))),
            Shape::PolygonZ(p) => polygon(p.rings().iter().map(|r| (outer(r), xy(r.points())))),
            Shape::PolygonM(p) => polygon(p.rings().iter().map(|r| (outer(r), xy(r.points())))),
            other => json!({ "type": other.shapetype().to_string(), "coordinates": [] }),
        });
    }
    Ok(geometries)
}

/// Walks the record headers before the `shapefile` crate reads them: every record must fit in
/// the file and, for the shapes with parts, its point count in the record, so a forged count
/// can neither reserve gigabytes nor read past the end.
fn check_record_sizes(name: &str, shp: &[u8]) -> Result<(), ImportError> {
    let int = |at: usize, big: bool| -> Option<i64> {
        let b: [u8; 4] = shp.get(at..at + 4)?.try_into().ok()?;
        Some(i64::from(if big { i32::from_be_bytes(b) } else { i32::from_le_bytes(b) }))
    };
    if shp.len() < 100 {
        return Err(malformed(format!("{name}: truncated header ({} of 100 bytes)", shp.len())));
    }
    let mut at = 100;
    let mut i = 0;
    while at + 8 <= shp.len() {
        let words = int(at + 4, true).unwrap_or(-1);
        let content = usize::try_from(words.saturating_mul(2)).unwrap_or(usize::MAX);
        let end = at.saturating_add(8).saturating_add(content);
        if words < 2 || end > shp.len() {
            return Err(malformed(format!("{name}: record {i} is truncated or its length is wrong")));
        }
        let kind = int(at + 8, false).unwrap_or_default();
        // Polyline and polygon kinds (plain, Z, M) and multipatch carry parts and points.
        if [3, 5, 13, 15, 23, 25, 31].contains(&kind) {
            let parts = int(at + 44, false).unwrap_or(-1);
            let points = int(at + 48, false).unwrap_or(-1);
            let needed = 44 + 4 * parts.max(0) + 16 * points.max(0);
            if parts < 0 || points < 0 || usize::try_from(needed).unwrap_or(usize::MAX) > content {
                return Err(malformed(format!(
                    "{name}: record {i} claims {points} points in {parts} parts, more than its {content} bytes hold"
                )));
            }
            // Each part starts at a point index; the crate sizes a ring by the difference of two
            // starts, so a start out of order (found by fuzzing: -1442840576) asks for gigabytes.
            let starts: Vec<i64> = (0..usize::try_from(parts).unwrap_or_default())
                .map(|k| int(at + 52 + 4 * k, false).unwrap_or(-1))
                .collect();
            let ordered = starts.first().is_none_or(|s| *s == 0)
                && starts.windows(2).all(|w| w[0] <= w[1])
                && starts.iter().all(|s| (0..points.max(1)).contains(s));
            if !ordered {
                return Err(malformed(format!(
                    "{name}: record {i} has part starts {starts:?} that are not in order within its {points} points"
                )));
            }
        }
        at = end;
        i += 1;
    }
    Ok(())
}

fn outer<P>(ring: &PolygonRing<P>) -> bool {
    matches!(ring, PolygonRing::Outer(_))
}

fn xy<P: shapefile::record::traits::HasXY>(points: &[P]) -> Vec<[f64; 2]> {
    points.iter().map(|p| [p.x(), p.y()]).collect()
}

/// Rings as a GeoJSON `MultiPolygon`: each outer ring starts a polygon and the holes after it
/// belong to it (the order Shapefile writers use). Shapefile outer rings run clockwise; they
/// are turned to GeoJSON's counter-clockwise here, as that is the format's rule, not a fault of
/// the file to report.
fn polygon(rings: impl Iterator<Item = (bool, Vec<[f64; 2]>)>) -> Value {
    let mut polygons: Vec<Vec<Vec<[f64; 2]>>> = Vec::new();
    for (is_outer, mut ring) in rings {
        ring.reverse();
        match polygons.last_mut() {
            Some(last) if !is_outer => last.push(ring),
            _ => polygons.push(vec![ring]),
        }
    }
    json!({ "type": "MultiPolygon", "coordinates": polygons })
}

/// The attributes, by lower-case field name, as the GeoJSON import's properties. DBF names are
/// at most 10 characters, so `parent_cod` (what GDAL makes of `parent_code`) is `parent_code`.
fn read_records(name: &str, dbf: &[u8]) -> Result<Vec<Map<String, Value>>, ImportError> {
    let mut reader = dbase::ReaderBuilder::new()
        .with_encoding(dbase::Unicode)
        .build(Cursor::new(dbf))
        .map_err(|e| malformed(format!("{name}: unreadable header: {e}")))?;
    let mut records = Vec::new();
    for (i, record) in reader.iter_records().enumerate() {
        let record =
            record.map_err(|e| malformed(format!("{name}: record {i}: {e} (text must be UTF-8)")))?;
        let mut properties = Map::new();
        for (field, value) in record {
            let key = match field.to_lowercase().as_str() {
                "parent_cod" | "parent" => "parent_code".to_owned(),
                other => other.to_owned(),
            };
            let value = match value {
                FieldValue::Character(Some(s)) | FieldValue::Memo(s) => json!(s.trim()),
                // A code stored as a number keeps no decimals (02635 read as 2635 cannot be
                // told apart, so the code check will name it).
                FieldValue::Numeric(Some(n)) if n.fract() == 0.0 && n.abs() < 1e15 => {
                    json!(format!("{n:.0}"))
                }
                FieldValue::Numeric(Some(n)) | FieldValue::Double(n) => json!(n),
                FieldValue::Integer(n) => json!(n.to_string()),
                _ => Value::Null,
            };
            properties.insert(key, value);
        }
        records.push(properties);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TM3: &str = r#"PROJCS["VN-2000 / TM-3 104-45",GEOGCS["VN-2000",DATUM["Vietnam_2000",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",104.75],PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1]]"#;

    #[test]
    fn prj_files_are_told_apart_by_datum_and_parameters() {
        assert_eq!(srid_of_prj("a.prj", TM3.as_bytes()).expect("tm3"), 9208);
        let utm = TM3.replace("104.75", "105").replace("0.9999", "0.9996");
        assert_eq!(srid_of_prj("a.prj", utm.as_bytes()).expect("utm"), 3405);
        let vn_geo = r#"GEOGCS["VN-2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]]"#;
        assert_eq!(srid_of_prj("a.prj", vn_geo.as_bytes()).expect("vn"), 4756);
        let wgs = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]]"#;
        assert_eq!(srid_of_prj("a.prj", wgs.as_bytes()).expect("wgs"), 4326);
        // The Lao Cai meridian on the WGS 84 datum is not VN-2000 / TM-3: refused, named.
        let other = TM3.replace("Vietnam_2000", "WGS_1984");
        let err = srid_of_prj("xa.prj", other.as_bytes()).expect_err("unknown");
        assert!(err.to_string().starts_with("xa.prj: unknown coordinate system"), "{err}");
    }

    #[test]
    fn a_zip_without_a_shapefile_and_a_forged_point_count_are_named() {
        let err = read(b"PK\x03\x04 not really").expect_err("broken zip");
        assert!(err.to_string().contains("not a readable zip"), "{err}");
        let mut shp = vec![0u8; 100];
        // One polygon record of 44 content bytes (22 words) claiming a billion points.
        shp.extend_from_slice(&1i32.to_be_bytes());
        shp.extend_from_slice(&22i32.to_be_bytes());
        shp.extend_from_slice(&5i32.to_le_bytes());
        shp.extend_from_slice(&[0u8; 32]);
        shp.extend_from_slice(&1i32.to_le_bytes());
        shp.extend_from_slice(&1_000_000_000i32.to_le_bytes());
        let err = check_record_sizes("x.shp", &shp).expect_err("forged");
        assert!(err.to_string().starts_with("x.shp: record 0 claims 1000000000 points"), "{err}");
    }

    #[test]
    fn fuzzing_found_a_part_start_that_asked_for_23_gb_now_a_named_400() {
        // fuzz/artifacts/shapefile/oom-e36259d8... (cargo fuzz, 2026-11-28): a polygon of 5
        // points in 1 part starting at index -1442840576; the shapefile crate reserved
        // (5 - start) points, 23 GB. Kept as the input's .shp (the fuzz target's first part).
        let hex = concat!(
            "0000270a000000000000000000000000000000000000000000000076e803000005000000b23241aa",
            "f929194142dbd2c120e84241ee4f48a8b9cb19412cd421d3dcfd4241000000000000000000000000",
            "0000000000000000000000000000000000000000000000010000004005000000b23241aaf9291941",
            "42dbd2c120e84241ee4f48a8b9cb19412cd421d3dcfd42410100000005000000000000aa320041b2",
            "f929194123770b273ce84241dd3fa39ff42a19412cd421d3dcfd4241ee4f48a8b9cb1941e17d4655",
            "c1fd42410384373bdcca194157dbd2c120e84241b23241aaf9fb194123770b273ce84241",
        );
        let hex: String = hex.chars().filter(char::is_ascii_hexdigit).collect();
        let shp: Vec<u8> =
            (0..hex.len()).step_by(2).filter_map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok()).collect();
        assert_eq!(shp.len(), 236);
        let err = read_shapes("x.shp", &shp).expect_err("refused");
        assert!(err.to_string().starts_with("x.shp: record 0 has part starts [-1442840576]"), "{err}");
    }
}
