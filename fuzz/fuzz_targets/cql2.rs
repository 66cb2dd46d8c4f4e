//! The CQL2-text parser (the `filter` parameter) and the SQL it builds, for any layer: any input
//! must give an expression or a `ParamError`, never a panic.
#![no_main]

use antq_atlas::layers::LAYERS;
use antq_atlas::layers::cql2;
use antq_atlas::layers::query::Sql;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(src) = std::str::from_utf8(rest) else { return };
    let layer = &LAYERS[usize::from(pick) % LAYERS.len()];
    if let Ok(expr) = cql2::parse(layer, src) {
        let _ = cql2::to_sql(&expr, &mut Sql::default());
    }
});
