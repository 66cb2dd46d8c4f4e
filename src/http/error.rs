//! One error type for every handler, mapped to a status and a JSON body at the edge.
//!
//! The body follows the OGC API exception shape, `{"code": ..., "description": ...}`. A 5xx is
//! logged in full and answered with a generic description: database text never reaches a client.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::db::refusals::{Refusal, refusal};
use crate::db::sessions::EndReason;

/// `Result` with [`ApiError`] as the default error.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// Everything a handler can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed; the message names the parameter or field.
    #[error("{0}")]
    BadRequest(String),
    /// No valid credentials were sent.
    #[error("authentication required")]
    Unauthorized,
    /// The session was ended on the server (`code` `session_revoked`, `user_disabled` or
    /// `session_signed_out`): told only to the holder of its cookie, so that the web map wipes the
    /// data the device keeps. An expired or unknown session is [`Self::Unauthorized`] instead.
    #[error("{0}")]
    SessionEnded(EndReason),
    /// A sign-in with a wrong password, an unknown name or a disabled user: one message for all.
    #[error("wrong username or password")]
    BadCredentials,
    /// Too many failed sign-ins: retry after this many seconds.
    #[error("too many failed sign-ins; retry in {0} s")]
    TooManyRequests(u64),
    /// The path exists, not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Authenticated, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// The named thing does not exist (or the caller may not know it does).
    #[error("{0} not found")]
    NotFound(String),
    /// The request conflicts with the data (a constraint, a stale version).
    #[error("{0}")]
    Conflict(String),
    /// The content is well-formed but cannot be accepted; the message says why.
    #[error("{0}")]
    Unprocessable(String),
    /// A `PUT`/`PATCH`/`DELETE` came without `If-Match`: the message names the header.
    #[error("{0}")]
    PreconditionRequired(String),
    /// `If-Match` named a version that is no longer current: both versions and the current
    /// representation go back, so the client can show the conflict instead of overwriting.
    #[error(
        "version {sent} was sent but the {what} is at version {current}; reload it and reapply your change"
    )]
    PreconditionFailed {
        /// What was edited ("key point").
        what: &'static str,
        /// The version in `If-Match`.
        sent: i32,
        /// The version in the database.
        current: i32,
        /// The current representation.
        current_item: Box<serde_json::Value>,
    },
    /// The body is larger than the named limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// A file or batch has bad parts: every one is listed (index, id, field, reason), not only
    /// the first, and nothing was written.
    #[error("{description}")]
    Invalid {
        /// A summary ("3 of 1000 features are invalid; nothing was imported").
        description: String,
        /// One object per problem.
        errors: Vec<serde_json::Value>,
    },
    /// A `Range` header that cannot be served from a file of `size` bytes; the message says why.
    #[error("{why}")]
    RangeNotSatisfiable {
        /// The file's size (the answer's `Content-Range: bytes */size`).
        size: u64,
        /// What is wrong with the range.
        why: String,
    },
    /// The database does not answer.
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    /// A statement ran past the statement timeout and the database cancelled it.
    #[error("the request took longer than the database allows; ask for less (a smaller area or period)")]
    TooSlow,
    /// Anything else: logged, never shown.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The HTTP status for this error.
    #[must_use]
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized | Self::BadCredentials | Self::SessionEnded(_) => StatusCode::UNAUTHORIZED,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unprocessable(_) | Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::Unavailable | Self::TooSlow => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized | Self::BadCredentials => "unauthorized",
            Self::SessionEnded(EndReason::Revoked) => "session_revoked",
            Self::SessionEnded(EndReason::UserDisabled) => "user_disabled",
            Self::SessionEnded(EndReason::SignedOut) => "session_signed_out",
            Self::TooManyRequests(_) => "too_many_requests",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::Unprocessable(_) => "unprocessable",
            Self::Invalid { .. } => "invalid_features",
            Self::PreconditionRequired(_) => "precondition_required",
            Self::PreconditionFailed { .. } => "precondition_failed",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::RangeNotSatisfiable { .. } => "range_not_satisfiable",
            Self::Unavailable => "unavailable",
            Self::TooSlow => "timeout",
            Self::Internal(_) => "internal",
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            // The pool could not hand out a live connection: the server is down or restarting.
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => Self::Unavailable,
            sqlx::Error::Database(ref db) if is_unavailable(db.code().as_deref()) => Self::Unavailable,
            // query_canceled: the statement timeout fired.
            sqlx::Error::Database(ref db) if db.code().as_deref() == Some("57014") => Self::TooSlow,
            // What the request's own values caused (a constraint, a value out of range) is the
            // caller's to mend, in words; only the rest is internal.
            other => match refusal(&other) {
                Some(Refusal::Malformed(why) | Refusal::OutOfRange(why)) => Self::BadRequest(why),
                Some(Refusal::Conflict(why)) => Self::Conflict(why),
                Some(Refusal::Rejected(why)) => Self::Unprocessable(why),
                None => Self::Internal(other.into()),
            },
        }
    }
}

/// SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown).
fn is_unavailable(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.starts_with("08") || c.starts_with("57P"))
}

impl From<crate::layers::analysis_runs::PrepareError> for ApiError {
    fn from(e: crate::layers::analysis_runs::PrepareError) -> Self {
        match e {
            crate::layers::analysis_runs::PrepareError::Param(p) => Self::BadRequest(p.0),
            crate::layers::analysis_runs::PrepareError::Db(db) => db.into(),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        match e.downcast::<sqlx::Error>() {
            Ok(db) => db.into(),
            Err(other) => Self::Internal(other),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> Self {
        Self::BadRequest(e.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(e: PathRejection) -> Self {
        Self::BadRequest(e.body_text())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        Self::BadRequest(e.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        match &self {
            Self::Internal(e) => {
                if e.downcast_ref::<sqlx::Error>().is_some() {
                    count_database_error();
                }
                tracing::error!(error = ?e, "internal error");
            }
            Self::Unavailable | Self::TooSlow => {
                count_database_error();
                tracing::warn!("database unavailable");
            }
            _ => {}
        }
        let mut body = json!({ "code": self.code(), "description": self.to_string() });
        match &self {
            Self::PreconditionFailed { sent, current, current_item, .. } => {
                body["sent_version"] = json!(sent);
                body["current_version"] = json!(current);
                body["current"] = (**current_item).clone();
            }
            Self::Invalid { errors, .. } => body["errors"] = json!(errors),
            _ => {}
        }
        let mut response = (status, Json(body)).into_response();
        match self {
            Self::TooManyRequests(secs) => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            Self::RangeNotSatisfiable { size, .. } => {
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                    response.headers_mut().insert(header::CONTENT_RANGE, v);
                }
            }
            _ => {}
        }
        response
    }
}

/// Requests that failed because the database was unreachable or failed, for `/metrics`
/// (`antq_database_errors_total`): counted here, where such an error becomes a response.
static DATABASE_ERRORS: AtomicU64 = AtomicU64::new(0);

fn count_database_error() {
    DATABASE_ERRORS.fetch_add(1, Ordering::Relaxed);
}

/// How many database failures have been answered since the server started.
#[must_use]
pub fn database_errors() -> u64 {
    DATABASE_ERRORS.load(Ordering::Relaxed)
}
