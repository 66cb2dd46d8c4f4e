//! Absolute links in answers: the request's own origin and query strings (GIS clients follow
//! `next`, `prev` and `alternate` links as given).

use axum::http::HeaderMap;

/// The request's own origin, for absolute links (GIS clients follow them).
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let https = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()) == Some("https");
    format!("{}://{host}/api/v1", if https { "https" } else { "http" })
}

/// `pairs` as a query string with its leading `?`, or nothing when there are none.
pub fn query_string<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let encoded: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).collect();
    match serde_urlencoded::to_string(&encoded) {
        Ok(qs) if !qs.is_empty() => format!("?{qs}"),
        _ => String::new(),
    }
}
