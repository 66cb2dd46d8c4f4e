//! The `bbox` parameter in each accepted CRS: a box or a `ParamError`, never a panic, and an
//! accepted box is ordered and finite.
#![no_main]

use antq_atlas::layers::params::{BBox, Crs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(raw) = std::str::from_utf8(rest) else { return };
    let crs = [Crs::Crs84, Crs::Epsg4326, Crs::Epsg3857][usize::from(pick) % 3];
    if let Ok(b) = BBox::parse(raw, crs) {
        assert!(b.min_x <= b.max_x && b.min_y <= b.max_y, "{raw}: {b:?}");
        assert!([b.min_x, b.min_y, b.max_x, b.max_y].iter().all(|v| v.is_finite()), "{raw}: {b:?}");
    }
});
