//! What every write route shares: versions as `ETag`/`If-Match` (optimistic concurrency, so one
//! editor never silently overwrites another), GeoJSON Feature in and out, and the end of a write
//! (the audit row in the write's own transaction, then commit).
//!
//! A representation's version is the row's `version` column (bumped by `atlas_bump_version` on
//! every update), sent as a strong `ETag: "7"`. `PUT`/`PATCH`/`DELETE` must send it back in
//! `If-Match`; without it they are answered 428, with an older one 412 carrying both numbers and
//! the current representation.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use sqlx::{Postgres, Transaction};

use super::gate::Principal;
use super::idempotency::Claimed;
use super::{ApiError, Result};
use crate::db::audit::{self, Outcome};

/// The version sent in `If-Match`.
///
/// # Errors
/// 428 when the header is missing; 400 when it is not one quoted version number (`"7"`).
pub fn if_match(headers: &HeaderMap) -> Result<i32> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Err(ApiError::PreconditionRequired(
            "this write needs an If-Match header with the version (ETag) you read".into(),
        ));
    };
    let text = value.to_str().unwrap_or_default().trim();
    // Weak tags compare by meaning only, which is not enough to refuse a lost update.
    let inner = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text);
    inner.parse().map_err(|_| {
        ApiError::BadRequest(format!(
            "If-Match must be one ETag such as \"3\" (got {text:?}); '*' is not accepted"
        ))
    })
}

/// The `ETag` header value for `version`.
#[must_use]
pub fn etag(version: i32) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// `Ok` when the client edited the current version; 412 with both versions otherwise.
///
/// # Errors
/// As above.
pub fn check_version(what: &'static str, sent: i32, current: &Value) -> Result<()> {
    let now = version_of(current);
    if sent == now {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed {
            what,
            sent,
            current: now,
            current_item: Box::new(to_feature(current)),
        })
    }
}

fn version_of(row: &Value) -> i32 {
    row["version"].as_i64().and_then(|v| i32::try_from(v).ok()).unwrap_or_default()
}

/// A write's body as the flat object the `db` structs read: a GeoJSON Feature's properties,
/// with a Point geometry as `lon`/`lat` and any other geometry as `geometry`; a flat object is
/// taken as it is.
///
/// # Errors
/// 400 for a body that is neither an object nor a Feature with an object of properties.
pub fn from_feature(body: Value) -> Result<Value> {
    let Value::Object(mut object) = body else {
        return Err(ApiError::BadRequest("the body must be a GeoJSON Feature or a JSON object".into()));
    };
    if object.get("type").and_then(Value::as_str) != Some("Feature") {
        return Ok(Value::Object(object));
    }
    let mut flat = match object.remove("properties") {
        Some(Value::Object(p)) => p,
        None | Some(Value::Null) => Map::new(),
        Some(_) => return Err(ApiError::BadRequest("properties: must be an object".into())),
    };
    match object.remove("geometry") {
        None | Some(Value::Null) => {}
        Some(g) if g["type"] == "Point" => {
            let c = &g["coordinates"];
            let (Some(lon), Some(lat)) = (c[0].as_f64(), c[1].as_f64()) else {
                return Err(ApiError::BadRequest("geometry: a Point needs [lon, lat] numbers".into()));
            };
            flat.insert("lon".into(), json!(lon));
            flat.insert("lat".into(), json!(lat));
        }
        Some(g) => {
            flat.insert("geometry".into(), g);
        }
    }
    Ok(Value::Object(flat))
}

/// A flat row (as the `db` modules return it) as a GeoJSON Feature: `lon`/`lat` become a Point,
/// a `geometry` member stays the geometry, `id` is the Feature's id.
#[must_use]
pub fn to_feature(row: &Value) -> Value {
    let mut properties = row.as_object().cloned().unwrap_or_default();
    let id = properties.remove("id").unwrap_or(Value::Null);
    let geometry = match (properties.remove("lon"), properties.remove("lat")) {
        (Some(lon), Some(lat)) if lon.is_number() => json!({ "type": "Point", "coordinates": [lon, lat] }),
        _ => properties.remove("geometry").unwrap_or(Value::Null),
    };
    json!({ "type": "Feature", "id": id, "geometry": geometry, "properties": properties })
}

/// `row` as a Feature response with its version as `ETag`.
#[must_use]
pub fn respond(status: StatusCode, row: &Value) -> Response {
    let mut response = (status, axum::Json(to_feature(row))).into_response();
    response.headers_mut().insert(header::ETAG, etag(version_of(row)));
    response
}

/// The checks every edit makes on the locked row `before`, in this order: the client edited the
/// current version (412), the record is not archived (409), and a code it sends back is the
/// stored one (422: codes never change).
///
/// # Errors
/// As above.
pub fn check_editable(
    what: &'static str,
    id: i64,
    sent: i32,
    before: &Value,
    code: Option<&str>,
) -> Result<()> {
    check_version(what, sent, before)?;
    if !before["archived_at"].is_null() {
        return Err(ApiError::Conflict(format!("{what} {id} is archived; it cannot be edited")));
    }
    if code.is_some_and(|c| before["code"] != json!(c)) {
        return Err(ApiError::Unprocessable(format!("code: a {what}'s code cannot change")));
    }
    Ok(())
}

/// Ends a write: audits `action` on `target` (`kind:id`) with the rows before and after, in the
/// write's transaction, keeps the answer with the request's idempotency key (when it came with
/// one), commits, and answers the row after (201 with `Location` when created).
///
/// # Errors
/// The database fails (nothing is then written, the audit row included).
pub async fn finish(
    mut tx: Transaction<'_, Postgres>,
    who: &Principal,
    action: &str,
    location: &str,
    before: Option<Value>,
    after: Value,
    key: Option<Claimed>,
) -> Result<Response> {
    let target = format!("{}:{}", action.split('.').next().unwrap_or(action), after["id"]);
    let created = before.is_none();
    let entry = who.audit(action, Outcome::Ok).with_target(target).with_change(before, Some(after.clone()));
    audit::record(&mut *tx, &entry).await?;
    let mut response = respond(if created { StatusCode::CREATED } else { StatusCode::OK }, &after);
    if created && let Ok(v) = HeaderValue::from_str(&format!("{location}/{}", after["id"])) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    if let Some(key) = key {
        response = key.keep(&mut tx, response).await?;
    }
    tx.commit().await?;
    Ok(response)
}

/// Deserialises a flat body into `T`, naming the field in a 422 (or 400 for bad JSON types).
///
/// # Errors
/// As above.
pub fn parse<T: serde::de::DeserializeOwned>(flat: Value) -> Result<T> {
    serde_path_to_error::deserialize(flat).map_err(|e| {
        let path = e.path().to_string();
        ApiError::Unprocessable(format!("{path}: {}", e.inner()))
    })
}

/// `Ok` for WGS 84 degrees.
///
/// # Errors
/// 422 naming `lon/lat`.
pub fn check_lon_lat(lon: f64, lat: f64) -> Result<()> {
    if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) {
        Ok(())
    } else {
        Err(ApiError::Unprocessable("lon/lat: must be WGS 84 degrees".into()))
    }
}
