//! The zipped Shapefile reader of the boundary import (`imports::shp::read`, then `units`), as
//! the service calls it. Random bytes rarely make a zip, so an input that is not one is cut
//! into a .shp, a .dbf and a .prj (at the first two 0xFF 0xFE pairs) and zipped here (stored,
//! so the mutations reach the Shapefile parsers); a zip input is read as it is.
#![no_main]

use std::io::Write as _;

use antq_atlas::imports::{boundaries, shp};
use libfuzzer_sys::fuzz_target;

fn zipped(data: &[u8]) -> Vec<u8> {
    let mut parts = Vec::new();
    let mut rest = data;
    while parts.len() < 2 {
        match rest.windows(2).position(|w| w == [0xFF, 0xFE]) {
            Some(at) => {
                parts.push(&rest[..at]);
                rest = &rest[at + 2..];
            }
            None => break,
        }
    }
    parts.push(rest);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (part, ext) in parts.iter().zip(["shp", "dbf", "prj"]) {
        if zip.start_file(format!("x.{ext}"), stored).is_err() || zip.write_all(part).is_err() {
            return Vec::new();
        }
    }
    zip.finish().map(std::io::Cursor::into_inner).unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    let bytes = if shp::is_zip(data) { data.to_vec() } else { zipped(data) };
    if let Ok((collection, _)) = shp::read(&bytes) {
        let _ = boundaries::units(&collection, "commune");
    }
});
