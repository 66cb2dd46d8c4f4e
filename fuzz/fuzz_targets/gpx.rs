//! The GPX reader of the track upload (`imports::gpx::parse`): any input must give segments or
//! an `ImportError`, never a panic.
#![no_main]

use antq_atlas::imports::gpx;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = gpx::parse(data);
});
