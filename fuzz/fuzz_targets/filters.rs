//! A whole query string through `parse_filters` for any layer (bbox, bbox-crs, datetime, as_of,
//! filter, the layer's own parameters and queryables): parsed or a `ParamError`, never a panic.
#![no_main]

use antq_atlas::layers::LAYERS;
use antq_atlas::layers::params::parse_filters;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(rest) else { return };
    let layer = &LAYERS[usize::from(pick) % LAYERS.len()];
    let _ = parse_filters(layer, &pairs, &["limit", "offset", "f"]);
});
