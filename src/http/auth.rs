//! Sign-in: `POST /auth/login`, `POST /auth/logout`, `GET /auth/me`.

use std::net::SocketAddr;

use axum::Extension;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::extract::SignIn;
use super::gate::{Principal, SESSION_COOKIE, Via};
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::login::{self, SignInError};
use crate::auth::{Permission, secret};
use crate::db::audit::{self, Outcome};
use crate::db::users::Account;
use crate::db::{jurisdiction, sessions};
use crate::layers::values::today;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![
        Route::post("/auth/login", Permission::Public, login),
        Route::post("/auth/logout", Permission::SignedIn, logout),
        Route::get("/auth/me", Permission::SignedIn, me),
    ]
}

/// The user as `/auth/me` and the sign-in answer show it.
fn describe(account: &Account, csrf_token: Option<&str>) -> serde_json::Value {
    let permissions: Vec<Permission> =
        Permission::ALL.into_iter().filter(|p| account.role.allows(*p)).collect();
    json!({
        "id": account.id,
        "username": account.username,
        "display_name": account.display_name,
        "role": account.role,
        "unit": account.unit,
        "jurisdiction": account.jurisdiction,
        "jurisdiction_bound": account.role.is_jurisdiction_bound(),
        "permissions": permissions,
        "csrf_token": csrf_token,
    })
}

/// 200 with the user and its CSRF token, and the session cookie; 401 with one message for a
/// wrong password, an unknown name and a disabled user; 429 with `Retry-After` when throttled.
async fn login(
    State(state): State<AppState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    form: SignIn,
) -> Result<Response> {
    // Login CSRF: another site must not sign a victim's browser in to the attacker's account.
    if headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site") {
        return Err(ApiError::Forbidden("cross-site sign-in refused".into()));
    }
    let address = connect.map(|Extension(ConnectInfo(addr))| addr.ip());
    let idle = state.http.session_idle.as_secs_f64();
    let signed_in = match login::sign_in(&state.pool, &form.username, &form.password, address, idle).await {
        Ok(s) => s,
        Err(SignInError::Invalid) => return Err(ApiError::BadCredentials),
        Err(SignInError::Throttled(secs)) => return Err(ApiError::TooManyRequests(secs)),
        Err(SignInError::Database(e)) => return Err(e.into()),
        Err(SignInError::Other(e)) => return Err(e.into()),
    };
    let secure = super::headers::over_tls(state.http.cookie_security, &headers);
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict{}",
        signed_in.session_id,
        if secure { "; Secure" } else { "" }
    );
    let body = describe(&signed_in.account, Some(&secret::csrf_token(&signed_in.session_id)));
    Ok(([(header::SET_COOKIE, header_value(cookie)?)], axum::Json(body)).into_response())
}

/// 204; ends the session and clears the cookie. With a token it only records the sign-out.
async fn logout(State(state): State<AppState>, who: Principal, headers: HeaderMap) -> Result<Response> {
    if let Via::Session { id } = who.via() {
        sessions::sign_out(&state.pool, &secret::digest(id)).await?;
    }
    audit::record(&state.pool, &who.audit("auth.logout", Outcome::Ok)).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clearing_cookie(&state, &headers))]).into_response())
}

/// A `Set-Cookie` value that deletes the session cookie (sign-out).
fn clearing_cookie(state: &AppState, headers: &HeaderMap) -> HeaderValue {
    let secure = super::headers::over_tls(state.http.cookie_security, headers);
    let cookie = format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::try_from(cookie).expect("an ASCII constant and ASCII attributes make a header value")
}

/// 200 with the user, role, jurisdiction, permissions and (for a session) its CSRF token.
async fn me(State(state): State<AppState>, who: Principal) -> Result<Response> {
    let account = who.account().ok_or(ApiError::Unauthorized)?;
    let csrf = match who.via() {
        Via::Session { id } => Some(secret::csrf_token(id)),
        _ => None,
    };
    // The map marks where the user may write today: a code of a unit closed by a reorganisation
    // (the former city 080) stands for the units it became, as the server reads it on each write.
    let closed = jurisdiction::stale_codes(state.read_pool(), &account.jurisdiction, today()).await?;
    let current: Vec<String> = account
        .jurisdiction
        .iter()
        .flat_map(|code| match closed.iter().find(|s| &s.code == code) {
            Some(s) => s.successors.clone(),
            None => vec![code.clone()],
        })
        .collect();
    let mut body = describe(account, csrf.as_deref());
    body["jurisdiction_today"] = json!(current);
    Ok(axum::Json(body).into_response())
}

fn header_value(s: String) -> Result<HeaderValue> {
    HeaderValue::try_from(s).map_err(|e| ApiError::Internal(e.into()))
}
