//! What comes in: the extractors every handler takes its body, path and query through. Each
//! rejects in the one JSON error shape of [`ApiError`] (a 400 naming what is wrong), never in
//! axum's own plain-text answers.

use axum::extract::{FromRequest, FromRequestParts};

use super::error::{ApiError, Result};

/// `Json` whose rejection is an [`ApiError`].
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

/// `Path` whose rejection is an [`ApiError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// `Query` whose rejection is an [`ApiError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Splits a raw query string into pairs.
///
/// # Errors
/// The query string is not `application/x-www-form-urlencoded`.
pub fn pairs(raw: Option<&str>) -> Result<Vec<(String, String)>> {
    serde_urlencoded::from_str(raw.unwrap_or_default())
        .map_err(|e| ApiError::BadRequest(format!("the query string cannot be read: {e}")))
}
