//! `GET`/`PUT /api/v1/admin/settings/packages` (admin): how many days an offline area package
//! may be used after it was built (issue 18, item 6). Every package then carries its `created`
//! and `expires` (`http/packages.rs`); a change is audited with the value before and after.

use axum::extract::State;

use super::extract::Json;
use super::gate::Principal;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::audit::{self, Outcome};
use crate::db::settings::{self, PACKAGE_AGES, PackageSettings};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/api/v1/admin/settings/packages", Permission::Admin, get_packages),
        Route::put("/api/v1/admin/settings/packages", Permission::Admin, put_packages),
    ]
}

async fn get_packages(State(state): State<AppState>) -> Result<axum::Json<PackageSettings>> {
    Ok(axum::Json(settings::packages(&state.pool).await?))
}

/// 200 with the settings stored; 422 naming `max_age_days` out of bounds.
async fn put_packages(
    State(state): State<AppState>,
    who: Principal,
    Json(new): Json<PackageSettings>,
) -> Result<axum::Json<PackageSettings>> {
    if !PACKAGE_AGES.contains(&new.max_age_days) {
        return Err(ApiError::Unprocessable(format!(
            "max_age_days: {} is not {} to {} days",
            new.max_age_days,
            PACKAGE_AGES.start(),
            PACKAGE_AGES.end()
        )));
    }
    let by = who.account().map(|a| a.username.as_str());
    let old = settings::set_packages(&state.pool, new, by).await?;
    let entry = who
        .audit("settings.update", Outcome::Ok)
        .with_target("settings/packages")
        .with_details(serde_json::json!({ "before": old, "after": new }));
    audit::record(&state.pool, &entry).await?;
    Ok(axum::Json(new))
}
