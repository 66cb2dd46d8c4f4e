//! Admin actions on users over HTTP, for a lost or stolen phone: end a user's sessions, or disable
//! the user. Either ends the sessions on the server with its reason, so that each phone holding
//! one is told so on its next request (`401 session_revoked` / `user_disabled`) and wipes the
//! police data it keeps. The same as `antq user revoke-sessions` and `antq user disable`.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::extract::Path;
use super::gate::Principal;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::audit::{self, Outcome};
use crate::db::users;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![
        Route::post("/api/v1/admin/users/{username}/sessions/revoke", Permission::Admin, revoke_sessions),
        Route::post("/api/v1/admin/users/{username}/disable", Permission::Admin, disable),
    ]
}

/// A user name as the schema allows it (`[A-Za-z0-9._-]{2,64}`), checked before any query: other
/// text names nobody, and some (a NUL) the database could not even compare.
fn checked_name(username: &str) -> Result<&str> {
    let ok = (2..=64).contains(&username.len())
        && username.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok { Ok(username) } else { Err(ApiError::BadRequest("username: 2-64 of A-Z a-z 0-9 . _ -".into())) }
}

/// 200 with how many sessions ended; the user stays enabled and may sign in again. Audited.
async fn revoke_sessions(state: State<AppState>, who: Principal, name: Path<String>) -> Result<Response> {
    end_sessions(state, who, name, false).await
}

/// 200 with how many sessions ended; sign-in is refused and the user's tokens stop working.
/// Disabling a disabled user again is harmless (it keeps the first date). Audited.
async fn disable(state: State<AppState>, who: Principal, name: Path<String>) -> Result<Response> {
    end_sessions(state, who, name, true).await
}

async fn end_sessions(
    State(state): State<AppState>,
    who: Principal,
    Path(username): Path<String>,
    disabling: bool,
) -> Result<Response> {
    let name = checked_name(&username)?;
    // The last admin must not lock everyone out by a slip: another admin disables an admin.
    if disabling && who.account().is_some_and(|a| a.username.eq_ignore_ascii_case(name)) {
        return Err(ApiError::Conflict("an admin cannot disable itself; another admin must".into()));
    }
    let done = if disabling {
        users::disable(&state.pool, name).await?
    } else {
        users::revoke_sessions(&state.pool, name).await?
    };
    let (id, ended) = done.ok_or_else(|| ApiError::NotFound("user".into()))?;
    let action = if disabling { "user.disable" } else { "user.sessions_revoke" };
    let entry = who
        .audit(action, Outcome::Ok)
        .with_target(format!("user:{id}"))
        .with_details(json!({ "sessions_ended": ended }));
    audit::record(&state.pool, &entry).await?;
    let mut body = json!({ "username": name, "sessions_ended": ended });
    if disabling {
        body["disabled"] = json!(true);
    }
    Ok(axum::Json(body).into_response())
}
