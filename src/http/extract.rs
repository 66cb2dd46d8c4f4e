//! What comes in: the extractors every handler takes its body, path and query through, and the
//! typed parameters they read (re-exported from `layers::inputs`, where the layer endpoints read
//! them too). Each rejects in the one JSON error shape of [`ApiError`], naming the parameter or
//! field, never in axum's own plain-text answers.
//!
//! Text is checked here, before any handler sees it: a NUL byte or another C0 control character
//! in a query parameter or a path segment is a 400, in a JSON string a 422, naming where it is
//! (see `crate::text`; descriptions and notes keep tab and line breaks). PostgreSQL cannot store a
//! NUL, so every route that passed one on answered 500 before this check.

use std::fmt::Write as _;

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiError, Result};
pub use crate::layers::inputs::{AsOf, Bbox, F, Input, Limit, Offset, Text, Window};
use crate::text::{self, Kind};

/// A JSON body: every string in it checked ([`check_json`]), then read as `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        let axum::Json(value) = axum::Json::<Value>::from_request(req, state).await?;
        check_json(&value)?;
        serde_path_to_error::deserialize(value).map(Self).map_err(|e| {
            let path = e.path().to_string();
            ApiError::BadRequest(field_message(&path, &e.into_inner().to_string(), "field"))
        })
    }
}

/// The sign-in body, read without the text check: a name holding a control character is answered
/// exactly as a wrong password (401, audited), so that a refusal never tells a caller more about
/// a name than a wrong guess does.
#[derive(Debug, serde::Deserialize)]
pub struct SignIn {
    /// The name as typed.
    pub username: String,
    /// The password as typed.
    pub password: String,
}

impl<S: Send + Sync> FromRequest<S> for SignIn {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        let axum::Json(form) = axum::Json::<Self>::from_request(req, state).await?;
        Ok(form)
    }
}

/// Path segments, each checked for control characters, then read as `T`.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        for (name, value) in &raw {
            if let Some(why) = text::refusal(value, Kind::Plain) {
                return Err(ApiError::BadRequest(format!("path segment {name}: {why}")));
            }
        }
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(t)) => Ok(Self(t)),
            Err(e) => Err(path_refusal(&e, raw.iter().map(|(n, _)| n).next().unwrap_or("path"))),
        }
    }
}

/// The query string as checked pairs, for the endpoints whose parameters depend on the layer
/// (items, tiles, exports read the layer's own queryables and parameters).
#[derive(Debug, Default)]
pub struct Params(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        pairs(parts.uri.query()).map(Self)
    }
}

/// The query string read as `T` (a struct of typed parameters): every pair checked, a parameter
/// given twice refused, then each field parsed by its type, the refusal naming it.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        query(parts.uri.query()).map(Self)
    }
}

/// Reads the query string `raw` as `T`, as [`Query`] does.
///
/// # Errors
/// 400 naming the parameter: malformed, a control character, given twice, unknown (when `T`
/// refuses unknown fields), missing, or not a value of its type.
pub fn query<T: DeserializeOwned>(raw: Option<&str>) -> Result<T> {
    let list = pairs(raw)?;
    for (i, (key, _)) in list.iter().enumerate() {
        if list[..i].iter().any(|(k, _)| k == key) {
            return Err(ApiError::BadRequest(format!("{key}: given more than once")));
        }
    }
    let raw = raw.unwrap_or_default();
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        ApiError::BadRequest(field_message(&path, &e.into_inner().to_string(), "parameter"))
    })
}

/// Splits a raw query string into pairs, each name and value checked for control characters
/// (a CQL2 `filter` may hold tab and line breaks: they are white space to it).
///
/// # Errors
/// 400: the query string is not `application/x-www-form-urlencoded`, or a name or value holds a
/// control character (named).
pub fn pairs(raw: Option<&str>) -> Result<Vec<(String, String)>> {
    let list: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or_default())
        .map_err(|e| ApiError::BadRequest(format!("the query string cannot be read: {e}")))?;
    for (key, value) in &list {
        if let Some(why) = text::refusal(key, Kind::Plain) {
            return Err(ApiError::BadRequest(format!("a parameter name {why}: '{}'", text::escaped(key))));
        }
        let kind = if key == "filter" { Kind::Free } else { Kind::Plain };
        if let Some(why) = text::refusal(value, kind) {
            return Err(ApiError::BadRequest(format!("{key}: {why}")));
        }
    }
    Ok(list)
}

/// Every string of a JSON body (and every member name) checked for control characters; only the
/// free-text fields (`text::FREE_TEXT`) keep tab and line breaks.
///
/// # Errors
/// 422 naming the field (`properties.description`, `units[1]`).
pub fn check_json(value: &Value) -> Result<()> {
    fn walk(value: &Value, path: &mut String, kind: Kind) -> Result<()> {
        match value {
            Value::String(s) => match text::refusal(s, kind) {
                Some(why) => {
                    let at = if path.is_empty() { "the body" } else { path.as_str() };
                    Err(ApiError::Unprocessable(format!("{at}: {why}")))
                }
                None => Ok(()),
            },
            Value::Array(items) => items.iter().enumerate().try_for_each(|(i, item)| {
                let len = path.len();
                let _ = write!(path, "[{i}]");
                let result = walk(item, path, kind);
                path.truncate(len);
                result
            }),
            Value::Object(members) => members.iter().try_for_each(|(name, member)| {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
                if let Some(why) = text::refusal(name, Kind::Plain) {
                    let name = text::escaped(path);
                    return Err(ApiError::Unprocessable(format!("a field name {why}: '{name}'")));
                }
                let result = walk(member, path, Kind::of(name));
                path.truncate(len);
                result
            }),
            _ => Ok(()),
        }
    }
    walk(value, &mut String::new(), Kind::Plain)
}

/// A serde refusal of the parameter or field at `path` in the one form, `name: why`: serde's own
/// texts ("missing field `x`", "unknown field `x`, expected ...") are reworded to name it first.
fn field_message(path: &str, why: &str, noun: &str) -> String {
    let named = |rest: &str| rest.split('`').nth(1).map(str::to_owned);
    if let Some(rest) = why.strip_prefix("missing field ") {
        return format!("{}: required", named(rest).unwrap_or_default());
    }
    if let Some(rest) = why.strip_prefix("unknown field ") {
        let expected = rest.split_once(", ").map_or("", |(_, e)| e);
        return format!("{}: unknown {noun}; {expected}", named(rest).unwrap_or_default());
    }
    // "unknown variant `week`, expected one of `month`, `unit`" reads as the layers' choices do.
    let why =
        match why.strip_prefix("unknown variant ").and_then(|rest| rest.split_once(", expected one of ")) {
            Some((value, choices)) => {
                format!("'{}' is not one of {}", value.trim_matches('`'), choices.replace('`', ""))
            }
            None => why.to_owned(),
        };
    if path.is_empty() || path == "." { why } else { format!("{path}: {why}") }
}

/// A path segment that is not of its type, named ("id: 'x' is not a whole number").
fn path_refusal(e: &PathRejection, only: &str) -> ApiError {
    let words = |ty: &str| {
        if ty.starts_with(['i', 'u']) { "a whole number".to_owned() } else { format!("a {ty}") }
    };
    if let PathRejection::FailedToDeserializePathParams(d) = e {
        match d.kind() {
            ErrorKind::ParseErrorAtKey { key, value, expected_type } => {
                return ApiError::BadRequest(format!("{key}: '{value}' is not {}", words(expected_type)));
            }
            ErrorKind::ParseError { value, expected_type }
            | ErrorKind::ParseErrorAtIndex { value, expected_type, .. } => {
                return ApiError::BadRequest(format!("{only}: '{value}' is not {}", words(expected_type)));
            }
            _ => {}
        }
    }
    ApiError::BadRequest(e.body_text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Q {
        #[expect(dead_code, reason = "read by the deserializer only")]
        as_of: Option<AsOf>,
        #[expect(dead_code, reason = "read by the deserializer only")]
        q: Text<20>,
    }

    fn refused<T: std::fmt::Debug>(r: Result<T>) -> String {
        r.expect_err("refused").to_string()
    }

    #[test]
    fn query_refusals_name_the_parameter() {
        assert_eq!(
            refused(query::<Q>(Some("q=ban%00vuoc"))),
            "q: contains a NUL byte (U+0000) at character 4"
        );
        assert_eq!(refused(query::<Q>(Some("q=a&q=b"))), "q: given more than once");
        assert_eq!(refused(query::<Q>(Some("as_of=2020-01-01"))), "q: required");
        assert!(
            refused(query::<Q>(Some("q=a&asof=2020-01-01"))).starts_with("asof: unknown parameter; expected")
        );
        assert_eq!(
            refused(query::<Q>(Some("q=a&as_of=-5000-01-01"))),
            "as_of: '-5000-01-01' is not a date YYYY-MM-DD"
        );
        assert!(refused(pairs(Some("a%01=1"))).starts_with("a parameter name contains"));
        assert!(pairs(Some("filter=a%3D1%0AAND%09b%3D2")).is_ok(), "white space in CQL2");
    }

    #[test]
    fn json_refusals_name_the_field_and_free_text_keeps_line_breaks() {
        let body =
            serde_json::json!({ "properties": { "description": "dòng 1\ndòng 2", "code": "a\u{0}b" } });
        assert_eq!(
            refused(check_json(&body)),
            "properties.code: contains a NUL byte (U+0000) at character 2"
        );
        let units = serde_json::json!({ "units": ["ok", "x\ty"] });
        assert!(refused(check_json(&units)).starts_with("units[1]: contains a control character (U+0009)"));
        assert!(check_json(&serde_json::json!({ "note": "a\r\n\tb" })).is_ok());
    }
}
