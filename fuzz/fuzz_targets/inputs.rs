//! The one way in (`http::extract`, `layers::inputs`, `text`): a query string read into every
//! typed parameter at once, its raw pairs, and the same bytes as a JSON body. Never a panic; a
//! refusal is a 400 (a query) or a 422 (a body), never a 5xx; and whatever is accepted holds what
//! the types promise: no control character in any accepted text (tab and line breaks only in free
//! text and a CQL2 filter), limits and offsets in range, a closed window that ends after it
//! starts, a box whose corners are ordered, and `escaped` leaves nothing a log line cannot hold.
#![no_main]

use antq_atlas::http::extract::{AsOf, Bbox, F, Limit, Offset, Text, Window, check_json, pairs, query};
use antq_atlas::text::{Kind, escaped, refusal};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Everything {
    as_of: Option<AsOf>,
    datetime: Option<Window>,
    bbox: Option<Bbox>,
    f: Option<F>,
    limit: Option<Limit<1000>>,
    offset: Option<Offset>,
    q: Option<Text<200>>,
}

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    assert!(refusal(&escaped(raw), Kind::Plain).is_none(), "escaped({raw:?})");

    match query::<Everything>(Some(raw)) {
        Ok(all) => {
            if let Some(Text(q)) = &all.q {
                assert!(refusal(q, Kind::Plain).is_none(), "q {q:?}");
                assert!((1..=200).contains(&q.trim().chars().count()), "q {q:?}");
            }
            if let Some(Limit(n)) = all.limit {
                assert!((1..=1000).contains(&n));
            }
            if let Some(Offset(n)) = all.offset {
                assert!(n <= 1_000_000_000);
            }
            if let Some(Window(w)) = all.datetime
                && let (Some(s), Some(e)) = (w.start, w.end)
            {
                assert!(s < e, "{raw}: {s} .. {e}");
            }
            if let Some(Bbox(b)) = all.bbox {
                assert!(b.min_x <= b.max_x && b.min_y <= b.max_y, "{raw}: {b:?}");
            }
            let _ = (all.as_of, all.f);
        }
        Err(e) => assert_eq!(e.status_code().as_u16(), 400, "{raw}: {e}"),
    }

    if let Ok(list) = pairs(Some(raw)) {
        for (key, value) in list {
            assert!(refusal(&key, Kind::Plain).is_none(), "name {key:?}");
            let kind = if key == "filter" { Kind::Free } else { Kind::Plain };
            assert!(refusal(&value, kind).is_none(), "{key} = {value:?}");
        }
    }

    if let Ok(body) = serde_json::from_str::<serde_json::Value>(raw) {
        match check_json(&body) {
            Ok(()) => assert!(no_control(&body, Kind::Plain), "{body}"),
            Err(e) => assert_eq!(e.status_code().as_u16(), 422, "{raw}: {e}"),
        }
    }
});

/// Whether no string of `value` holds a control character its field may not hold.
fn no_control(value: &serde_json::Value, kind: Kind) -> bool {
    match value {
        serde_json::Value::String(s) => refusal(s, kind).is_none(),
        serde_json::Value::Array(items) => items.iter().all(|v| no_control(v, kind)),
        serde_json::Value::Object(members) => {
            members.iter().all(|(k, v)| refusal(k, Kind::Plain).is_none() && no_control(v, Kind::of(k)))
        }
        _ => true,
    }
}
