//! Strong entity tags and HTTP caching rules shared by items, tiles and TileJSON.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// Who may keep a copy of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Shared caches may keep it (public layers).
    Public,
    /// Only the caller's own browser (anything not public).
    Private,
}

/// A strong entity tag over `bytes`.
#[must_use]
pub fn etag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut tag = String::with_capacity(34);
    tag.push('"');
    for b in digest.iter().take(16) {
        let _ = write!(tag, "{b:02x}");
    }
    tag.push('"');
    tag
}

/// `body` with its entity tag, or `304 Not Modified` when the client already has it.
#[must_use]
pub fn respond(headers: &HeaderMap, body: Vec<u8>, content_type: &str, visibility: Visibility) -> Response {
    let tag = etag(&body);
    respond_tagged(headers, &tag, body, content_type, visibility)
}

/// Like [`respond`], with the tag computed by the caller.
#[must_use]
pub fn respond_tagged(
    headers: &HeaderMap,
    tag: &str,
    body: impl Into<Body>,
    content_type: &str,
    visibility: Visibility,
) -> Response {
    if unchanged(headers, tag) {
        return not_modified(tag, visibility);
    }
    let mut response = Response::new(body.into());
    if let Ok(ct) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    tagged(response, tag, visibility)
}

/// Whether the client's `If-None-Match` names `tag` (or `*`): it already has this version.
#[must_use]
pub fn unchanged(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"))
}

/// `304 Not Modified` for `tag`.
#[must_use]
pub fn not_modified(tag: &str, visibility: Visibility) -> Response {
    tagged(StatusCode::NOT_MODIFIED.into_response(), tag, visibility)
}

/// `204 No Content` for an empty tile, tagged like a full one: its emptiness is a version too.
#[must_use]
pub fn empty(tag: &str, visibility: Visibility) -> Response {
    tagged(StatusCode::NO_CONTENT.into_response(), tag, visibility)
}

fn tagged(mut response: Response, tag: &str, visibility: Visibility) -> Response {
    // Data change with every edit: caches keep a copy but must revalidate it (cheap with a 304).
    let cache_control = match visibility {
        Visibility::Public => "public, no-cache",
        Visibility::Private => "private, no-cache",
    };
    let h = response.headers_mut();
    if let Ok(tag) = HeaderValue::from_str(tag) {
        h.insert(header::ETAG, tag);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    h.insert(header::VARY, HeaderValue::from_static("Authorization, Cookie"));
    response
}
