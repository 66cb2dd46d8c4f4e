//! The GeoJSON (and CSV) readers of the imports, as the service calls them: the point import's
//! `records::read`, and the boundary import's `parse` then `units` (the checks before the
//! database). Any input must give records or an `ImportError`, never a panic.
#![no_main]

use antq_atlas::imports::{boundaries, records};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = records::read(data, records::looks_like_json(data), 1000);
    if let Ok((collection, _)) = boundaries::parse(data, None) {
        let _ = boundaries::units(&collection, "commune");
    }
});
