//! The gate every declared route passes through: it finds the route's permission in the table,
//! authenticates the caller (bearer token, or session cookie), checks the role and the CSRF
//! defence, audits every refusal, and hands the handler a [`Principal`].
//!
//! Handlers take the principal as an extractor and, where the data decides (a layer's
//! sensitivity, a feature's location), ask it again:
//!
//! ```ignore
//! // http/items.rs: the collection's own sensitivity, then the jurisdiction in the SQL.
//! async fn items(State(state): State<AppState>, who: Principal, Path(id): Path<String>, ..) -> Result<Response> {
//!     let (layer, scope) = access::readable(&who, &state, &id).await?; // 403: the role may not read it
//!     // scope.jurisdiction: None reads everywhere; Some(EWKB) bounds an editor's or patrol user's reads
//!     let features = query::items(state.layer_pool(layer), layer, &filters, &scope, &page).await?;
//! }
//! // http/point_writes.rs: a write inside the jurisdiction, audited in its own transaction.
//! async fn create(State(state): State<AppState>, who: Principal, ..) -> Result<Response> {
//!     who.require_within(&state.pool, lon, lat).await?;       // 403 outside the jurisdiction
//!     let entry = who.audit("key_point.create", Outcome::Ok); // written with the row
//! }
//! ```

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::json;

use super::routes::Permissions;
use super::{ApiError, AppState};
use crate::auth::{Permission, secret};
use crate::db::audit::{self, Entry, Outcome};
use crate::db::credentials::{self, TokenCheck};
use crate::db::jurisdiction;
use crate::db::sessions::{self, SessionCheck};
use crate::db::users::{Account, Role};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "antq_session";
/// The header a cookie-authenticated write must carry, with the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the caller proved who it is.
#[derive(Clone, PartialEq, Eq)]
pub enum Via {
    /// It did not.
    Anonymous,
    /// A session cookie; its id (to sign out) stays in the server's memory for this request only.
    Session {
        /// The session id from the cookie.
        id: String,
    },
    /// An API token, by id.
    Token(i64),
}

// By hand, so that logging a principal never writes a live session id.
impl std::fmt::Debug for Via {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Anonymous => f.write_str("Anonymous"),
            Self::Session { .. } => f.write_str("Session"),
            Self::Token(id) => write!(f, "Token({id})"),
        }
    }
}

/// Who is asking: the account (none when anonymous), how it authenticated, from where.
#[derive(Debug, Clone)]
pub struct Principal {
    account: Option<Account>,
    via: Via,
    address: Option<IpAddr>,
    public_layers: bool,
}

impl Principal {
    /// The signed-in account, if any.
    #[must_use]
    pub fn account(&self) -> Option<&Account> {
        self.account.as_ref()
    }

    /// The user's id, if signed in.
    #[must_use]
    pub fn user_id(&self) -> Option<i64> {
        self.account.as_ref().map(|a| a.id)
    }

    /// The user's role, if signed in.
    #[must_use]
    pub fn role(&self) -> Option<Role> {
        self.account.as_ref().map(|a| a.role)
    }

    /// How the caller authenticated.
    #[must_use]
    pub fn via(&self) -> &Via {
        &self.via
    }

    /// The client's address, when the server knows it.
    #[must_use]
    pub fn address(&self) -> Option<IpAddr> {
        self.address
    }

    /// Whether the caller has `permission` (before any jurisdiction limit).
    #[must_use]
    pub fn has(&self, permission: Permission) -> bool {
        match self.role() {
            Some(role) => role.allows(permission),
            None => permission.anonymous_allowed(self.public_layers),
        }
    }

    /// `Ok` when the caller has `permission`; 401 when anonymous, 403 otherwise.
    ///
    /// # Errors
    /// As above.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        match (self.has(permission), &self.account) {
            (true, _) => Ok(()),
            (false, None) => Err(ApiError::Unauthorized),
            (false, Some(a)) => Err(ApiError::Forbidden(format!("the {:?} role may not do this", a.role))),
        }
    }

    /// Where the caller's restricted reads are limited to when reading as of `on`: `None`
    /// everywhere (analyst, admin), or the jurisdiction's units of that date as EWKB (editor,
    /// patrol; anonymous gets an empty geometry). Bind it as
    /// `($n::bytea is null or ST_Intersects(geom, ST_GeomFromEWKB($n)))`.
    ///
    /// # Errors
    /// The database fails.
    pub async fn jurisdiction_filter(
        &self,
        pool: &sqlx::PgPool,
        on: NaiveDate,
    ) -> Result<Option<Vec<u8>>, ApiError> {
        match &self.account {
            Some(a) if !a.role.is_jurisdiction_bound() => Ok(None),
            Some(a) => Ok(Some(jurisdiction::geometry_ewkb(pool, &a.jurisdiction, Some(on)).await?)),
            None => Ok(Some(jurisdiction::geometry_ewkb(pool, &[], Some(on)).await?)),
        }
    }

    /// `Ok` when the caller may act at (`lon`, `lat`): always for unbound roles, inside the
    /// jurisdiction for editors and patrol users. A write acts today, so the jurisdiction is read
    /// in today's units (a closed unit's successors).
    ///
    /// # Errors
    /// 403 outside the jurisdiction (the gate audits it); the database fails.
    pub async fn require_within(&self, pool: &sqlx::PgPool, lon: f64, lat: f64) -> Result<(), ApiError> {
        let Some(a) = &self.account else { return Err(ApiError::Unauthorized) };
        if !a.role.is_jurisdiction_bound()
            || jurisdiction::covers_point(pool, &a.jurisdiction, None, lon, lat).await?
        {
            Ok(())
        } else {
            Err(ApiError::Forbidden("the location is outside your jurisdiction".into()))
        }
    }

    /// `Ok` when the caller may act on the whole GeoJSON geometry `geojson` (a patrol's route, a
    /// track): always for unbound roles, when it lies inside the jurisdiction for the others.
    ///
    /// # Errors
    /// 403 when any part lies outside; the database fails.
    pub async fn require_within_geometry(&self, pool: &sqlx::PgPool, geojson: &str) -> Result<(), ApiError> {
        let Some(a) = &self.account else { return Err(ApiError::Unauthorized) };
        if !a.role.is_jurisdiction_bound()
            || jurisdiction::covers_geojson(pool, &a.jurisdiction, None, geojson).await?
        {
            Ok(())
        } else {
            Err(ApiError::Forbidden("the geometry lies (partly) outside your jurisdiction".into()))
        }
    }

    /// Whether the caller's writes and reads are limited to a jurisdiction.
    #[must_use]
    pub fn is_bound(&self) -> bool {
        self.account.as_ref().is_none_or(|a| a.role.is_jurisdiction_bound())
    }

    /// An audit entry for `action` by this caller, from its address.
    #[must_use]
    pub fn audit(&self, action: &str, outcome: Outcome) -> Entry {
        let a = self.account.as_ref();
        Entry::new(action, outcome)
            .with_user(a.map(|a| a.id), a.map(|a| a.username.as_str()))
            .with_address(self.address.map(|a| a.to_string()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        // Only the gate inserts it: a handler reached without the gate is a wiring bug, refused.
        parts.extensions.get::<Self>().cloned().ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("{} reached a handler without the gate", parts.uri.path()))
        })
    }
}

/// What the gate needs: the application state and the route table's permissions.
#[derive(Clone, Debug)]
pub struct Gate {
    /// The application state.
    pub state: AppState,
    /// Permissions by route.
    pub permissions: Arc<Permissions>,
}

/// The middleware: see the module documentation.
pub async fn gate(State(gate): State<Gate>, mut req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let Some(path) = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()) else {
        // No route matched: the static web files, which are public.
        return next.run(req).await;
    };
    let address = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let target = format!("{method} {path}");
    let permission = match gate.permissions.get(&method, &path) {
        Some(p) => p,
        None if gate.permissions.knows_path(&path) => {
            return ApiError::MethodNotAllowed.into_response();
        }
        None => {
            return ApiError::Internal(anyhow::anyhow!("route {target} declares no permission; refused"))
                .into_response();
        }
    };
    let state = &gate.state;
    let principal = match authenticate(state, req.headers(), permission, address).await {
        Ok(p) => p,
        Err((error, entry)) => {
            record(state, &entry.with_target(&target)).await;
            // An ended session's cookie is left in place on purpose: whichever request of the page
            // meets the ending first (a tile, a kept-copy refresh), every later one still carries
            // the reason, so the page cannot miss it and fall back to a plain sign-in without
            // wiping. A new sign-in replaces the cookie.
            return error.into_response();
        }
    };
    if let Err((error, reason)) = authorize(&principal, permission, &method, req.headers()) {
        let details = json!({ "permission": permission, "reason": reason });
        record(
            state,
            &principal.audit("access.denied", Outcome::Denied).with_target(&target).with_details(details),
        )
        .await;
        return error.into_response();
    }
    req.extensions_mut().insert(principal.clone());
    let response = next.run(req).await;
    let status = response.status();
    if status == StatusCode::FORBIDDEN
        || (status == StatusCode::UNAUTHORIZED && permission != Permission::Public)
    {
        // A handler refused (a layer's sensitivity, a location outside the jurisdiction). The
        // 401s of public routes are sign-in failures, which the sign-in audits itself.
        let details = json!({ "permission": permission, "reason": "refused by the handler" });
        record(
            state,
            &principal.audit("access.denied", Outcome::Denied).with_target(&target).with_details(details),
        )
        .await;
    }
    response
}

/// An audit failure must not turn a refusal into an acceptance, nor hide the refusal: log it.
async fn record(state: &AppState, entry: &Entry) {
    if let Err(e) = audit::record(&state.pool, entry).await {
        tracing::error!(error = %e, action = %entry.action, "cannot write the audit log");
    }
}

type Refusal = (ApiError, Entry);

async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    permission: Permission,
    address: Option<IpAddr>,
) -> Result<Principal, Refusal> {
    let public_layers = state.http.public_layers;
    let anonymous = Principal { account: None, via: Via::Anonymous, address, public_layers };
    // Public routes (health, sign-in) ignore credentials: a stale cookie must not block sign-in.
    if permission == Permission::Public {
        return Ok(anonymous);
    }
    let failed = |action: &str, user: Option<(i64, String)>, reason: &str| {
        let entry = Entry::new(action, Outcome::Failed)
            .with_user(user.as_ref().map(|u| u.0), user.as_ref().map(|u| u.1.as_str()))
            .with_details(json!({ "reason": reason }))
            .with_address(address.map(|a| a.to_string()));
        (ApiError::Unauthorized, entry)
    };
    let db_error = |e: sqlx::Error| (ApiError::from(e), Entry::new("auth.error", Outcome::Failed));
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
        let Some(token) =
            token.filter(|t| t.strip_prefix(secret::TOKEN_PREFIX).is_some_and(secret::is_well_formed))
        else {
            return Err(failed("auth.token", None, "malformed Authorization header"));
        };
        return match credentials::check_token(&state.pool, &secret::digest(token)).await.map_err(db_error)? {
            TokenCheck::Valid(id, account) => {
                Ok(Principal { account: Some(account), via: Via::Token(id), ..anonymous })
            }
            TokenCheck::Refused { id, user_id, username, reason } => {
                let (e, entry) = failed("auth.token", Some((user_id, username)), reason);
                Err((e, entry.with_details(json!({ "reason": reason, "token": id }))))
            }
            TokenCheck::Unknown => Err(failed("auth.token", None, "unknown token")),
        };
    }
    if let Some(id) = session_cookie(headers) {
        let idle = state.http.session_idle.as_secs_f64();
        let check = if secret::is_well_formed(&id) {
            sessions::check(&state.pool, &secret::digest(&id), idle).await.map_err(db_error)?
        } else {
            SessionCheck::Unknown
        };
        return match check {
            SessionCheck::Valid(account) => {
                Ok(Principal { account: Some(account), via: Via::Session { id }, ..anonymous })
            }
            // Only the holder of the cookie learns why (the web map wipes the device on it).
            SessionCheck::Ended(reason, user_id, username) => {
                let (_, entry) = failed("auth.session", Some((user_id, username)), "session ended");
                let entry = entry.with_details(json!({ "reason": "session ended", "end_reason": reason }));
                Err((ApiError::SessionEnded(reason), entry))
            }
            // Expired: 401 like an unknown cookie; the page asks for the password and keeps its data.
            SessionCheck::Expired(user_id, username) => {
                Err(failed("auth.session", Some((user_id, username)), "expired session"))
            }
            SessionCheck::Unknown => Err(failed("auth.session", None, "unknown or tampered session cookie")),
        };
    }
    Ok(anonymous)
}

fn authorize(
    principal: &Principal,
    permission: Permission,
    method: &Method,
    headers: &HeaderMap,
) -> Result<(), (ApiError, &'static str)> {
    principal.require(permission).map_err(|e| {
        let reason = if principal.account.is_some() { "role" } else { "not signed in" };
        (e, reason)
    })?;
    if let Via::Session { id } = &principal.via
        && !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
    {
        // The browser sends the cookie with any request to us; only a page of our origin can
        // read the CSRF token (sign-in answer, /auth/me) and put it in a header.
        let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let cross_site = headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site");
        if cross_site || !secret::constant_time_eq(sent, &secret::csrf_token(id)) {
            let e = ApiError::Forbidden(format!(
                "a signed-in write needs the {CSRF_HEADER} header from /auth/me"
            ));
            return Err((e, "csrf"));
        }
    }
    Ok(())
}

/// The session id in the request's cookies, if any.
#[must_use]
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}
