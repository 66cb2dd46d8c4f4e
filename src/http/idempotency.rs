//! The `Idempotency-Key` request header (IETF httpapi draft "The Idempotency-Key HTTP Header
//! Field"): a client that never got the answer to a create or an edit sends the same request
//! again with the same key, and the server answers what it answered the first time, without
//! writing again. The web map's outbox sends every queued record this way, so a sync cut after
//! the server wrote but before the phone heard never makes a second record.
//!
//! The key is claimed inside the write's transaction and the answer kept in it (`db::idempotency`).
//! The same key with a different request is refused with 422 naming the header, as the draft
//! says. A refused write (4xx) rolls back with its key, so the client may fix the record and
//! send it again under the same key. A replay carries `Idempotent-Replayed: true`.

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;

use super::gate::Principal;
use super::{ApiError, Result};
use crate::db::idempotency::{self, Claim, Stored};

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The answer's header on a replay.
pub const REPLAYED: &str = "idempotent-replayed";
/// How long a key and its answer are kept: long enough for a phone that lost its signal right
/// after sending to come back from a week's patrol and retry.
pub const KEEP_DAYS: i32 = 30;
/// The headers of an answer that are kept and replayed with it.
const KEPT_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::ETAG, header::LOCATION];

/// The key a request came with (none without the header), and what identifies the request.
#[derive(Debug)]
pub struct IdempotencyKey(Option<Sent>);

#[derive(Debug)]
struct Sent {
    key: String,
    /// Method, path and `If-Match`: the parts of the request beside its body that decide what it
    /// does, so the key reused on another record or another version is a mismatch.
    target: String,
}

/// A claimed key: the write goes ahead and its answer is kept with [`Claimed::keep`].
#[derive(Debug)]
pub struct Claimed {
    user_id: i64,
    key: String,
}

/// What a handler does after claiming.
#[derive(Debug)]
pub enum Next {
    /// Write, and keep the answer with this key (when one came).
    Write(Option<Claimed>),
    /// Answer this: the first answer to the same request.
    Replay(Response),
}

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        let Some(value) = parts.headers.get(HEADER) else { return Ok(Self(None)) };
        let key = parse(value)?;
        let if_match = parts.headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let target = format!("{} {} {if_match}", parts.method, parts.uri.path());
        Ok(Self(Some(Sent { key, target })))
    }
}

/// The key in a header value: a structured-field string (`"…"`, as the draft writes it) or the
/// same characters bare, 1 to 255 visible ASCII characters.
fn parse(value: &HeaderValue) -> Result<String> {
    let bad = |why: &str| ApiError::BadRequest(format!("Idempotency-Key: {why}"));
    let text = value.to_str().map_err(|_| bad("must be visible ASCII"))?.trim();
    let inner = match text.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"').ok_or_else(|| bad("an opening quote needs a closing one"))?,
        None => text,
    };
    if inner.is_empty() || inner.len() > 255 {
        return Err(bad("must be 1 to 255 characters (a UUID is a good key)"));
    }
    if !inner.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\') {
        return Err(bad("must be visible ASCII without quotes, backslashes or spaces"));
    }
    Ok(inner.to_owned())
}

impl IdempotencyKey {
    /// Claims the key (if one came) for this request with `body`, in the write's transaction.
    ///
    /// # Errors
    /// 422 naming the header when the key came before with another request; the database fails.
    pub async fn claim(&self, conn: &mut PgConnection, who: &Principal, body: &[u8]) -> Result<Next> {
        let Some(sent) = &self.0 else { return Ok(Next::Write(None)) };
        let user_id = who.user_id().ok_or(ApiError::Unauthorized)?;
        let mut hash = Sha256::new();
        hash.update(sent.target.as_bytes());
        hash.update([0]);
        hash.update(body);
        let fingerprint = hash.finalize();
        match idempotency::claim(conn, user_id, &sent.key, &fingerprint, KEEP_DAYS).await? {
            Claim::Fresh => Ok(Next::Write(Some(Claimed { user_id, key: sent.key.clone() }))),
            Claim::Replay(stored) => Ok(Next::Replay(replay(stored))),
            Claim::Mismatch => Err(ApiError::Unprocessable(
                "Idempotency-Key: this key was already used with a different request; \
                 send a new key for a new record or change"
                    .into(),
            )),
        }
    }

    /// [`Self::claim`] for a JSON body, fingerprinted by its meaning: keys sorted, so the same
    /// record serialised in another order is the same request.
    ///
    /// # Errors
    /// As [`Self::claim`].
    pub async fn claim_json(&self, conn: &mut PgConnection, who: &Principal, body: &Value) -> Result<Next> {
        self.claim(conn, who, canonical(body).to_string().as_bytes()).await
    }
}

/// `value` with every object's keys in order (`serde_json` keeps insertion order with some
/// features; the fingerprint must not depend on that).
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), canonical(&map[k]))).collect::<Map<_, _>>())
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

impl Claimed {
    /// Keeps `response` with the key, in the write's transaction, and answers it.
    ///
    /// # Errors
    /// The database fails (the write then rolls back with it).
    pub async fn keep(&self, conn: &mut PgConnection, response: Response) -> Result<Response> {
        let (parts, body) = response.into_parts();
        // A write's answer is one Feature or a small report, already in memory.
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("reading the answer to keep: {e}")))?;
        let headers: Map<String, Value> = KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                let value = parts.headers.get(name)?.to_str().ok()?;
                Some((name.as_str().to_owned(), Value::String(value.to_owned())))
            })
            .collect();
        let stored = Stored {
            status: i16::try_from(parts.status.as_u16()).unwrap_or(500),
            headers: Value::Object(headers),
            body: bytes.to_vec(),
        };
        idempotency::keep(conn, self.user_id, &self.key, &stored).await?;
        Ok(Response::from_parts(parts, Body::from(bytes)))
    }
}

/// The first answer, again.
fn replay(stored: Stored) -> Response {
    let status = u16::try_from(stored.status).ok().and_then(|s| StatusCode::from_u16(s).ok());
    let mut response = Response::new(Body::from(stored.body));
    *response.status_mut() = status.unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    for name in KEPT_HEADERS {
        if let Some(value) =
            stored.headers[name.as_str()].as_str().and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(name, value);
        }
    }
    headers.insert(HeaderName::from_static(REPLAYED), HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_a_quoted_or_bare_visible_string() {
        let ok = |v: &str| parse(&HeaderValue::from_str(v).expect("header"));
        assert_eq!(
            ok("\"8e03978e-40d5-43e8-bc93-6894a57f9324\"").expect("quoted"),
            "8e03978e-40d5-43e8-bc93-6894a57f9324"
        );
        assert_eq!(ok("abc-1").expect("bare"), "abc-1");
        for bad in ["\"\"", "", "\"open", "a b", "x\\y", &"k".repeat(256)] {
            let e = ok(bad).expect_err(bad);
            assert!(e.to_string().starts_with("Idempotency-Key: "), "{e}");
        }
    }

    #[test]
    fn the_fingerprint_ignores_key_order_but_not_values() {
        let a = serde_json::json!({ "b": 1, "a": { "y": [1, 2], "x": null } });
        let b = serde_json::json!({ "a": { "x": null, "y": [1, 2] }, "b": 1 });
        let c = serde_json::json!({ "a": { "x": null, "y": [2, 1] }, "b": 1 });
        assert_eq!(canonical(&a).to_string(), canonical(&b).to_string());
        assert_ne!(canonical(&a).to_string(), canonical(&c).to_string());
    }
}
