//! The `datetime` parameter (an instant, a date or an interval): an interval or a `ParamError`,
//! never a panic, and an accepted closed interval ends after it starts.
#![no_main]

use antq_atlas::layers::params::Interval;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    if let Ok(Interval { start: Some(s), end: Some(e) }) = Interval::parse("datetime", raw) {
        assert!(s < e, "{raw}: {s} .. {e}");
    }
});
