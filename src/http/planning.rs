//! `GET /api/v1/analysis/plan-coverage?from=&weeks=&width=`: for the planning window (default the
//! next 4 weeks from today in Vietnam), each border segment's planned patrols and forecast covered
//! share, the gaps ahead (segments no plan reaches) and the conflicts (see migration 0022 for what
//! counts as one). The same figures are the `plan_coverage` and `plan_conflicts` layers. Permission:
//! `Analyse`, as the coverage layers; a jurisdiction-bound caller gets the segments that meet its
//! jurisdiction.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::Value;

use super::extract::pairs;
use super::gate::Principal;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::planning::{PlanWindow, plan_coverage};
use crate::layers::params::ParamValue;
use crate::layers::values::Value as Bound;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![Route::get("/api/v1/analysis/plan-coverage", Permission::Analyse, plan)]
}

/// The window of `pairs`, validated by the `plan_coverage` layer's own parameters (one set of
/// ranges and messages for the layer and this endpoint).
fn parse(pairs: &[(String, String)]) -> Result<PlanWindow> {
    let layer = crate::layers::find("plan_coverage")
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the plan_coverage layer is missing")))?;
    let mut window = PlanWindow { from: None, weeks: 4, width: 500.0 };
    let mut seen: Vec<&str> = Vec::new();
    for (key, raw) in pairs {
        if seen.contains(&key.as_str()) {
            return Err(ApiError::BadRequest(format!("{key}: given more than once")));
        }
        seen.push(key);
        let param = layer.param(key).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "{key}: unknown parameter; plan-coverage takes from, weeks and width"
            ))
        })?;
        match param.parse(raw).map_err(|e| ApiError::BadRequest(e.0))? {
            ParamValue::Value(Bound::Date(d)) => window.from = Some(d),
            ParamValue::Value(Bound::Int(n)) => {
                window.weeks =
                    i32::try_from(n).map_err(|_| ApiError::BadRequest(format!("{key}: out of range")))?;
            }
            ParamValue::Value(Bound::Num(n)) => window.width = n,
            other => return Err(ApiError::Internal(anyhow::anyhow!("{key}: unexpected value {other:?}"))),
        }
    }
    Ok(window)
}

async fn plan(State(state): State<AppState>, who: Principal, RawQuery(raw): RawQuery) -> Result<Json<Value>> {
    let window = parse(&pairs(raw.as_deref())?)?;
    let within = who.jurisdiction_filter(&state.pool).await?;
    let mut answer = plan_coverage(state.read_pool(), window, within.clone()).await?;
    answer["within_jurisdiction"] = Value::Bool(within.is_some());
    Ok(Json(answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn refusals_name_the_parameter() {
        for (list, name) in [
            (vec![("weeks", "0")], "weeks"),
            (vec![("weeks", "27")], "weeks"),
            (vec![("from", "28/11/2026")], "from"),
            (vec![("width", "5")], "width"),
            (vec![("bbox", "1,2,3,4")], "bbox"),
            (vec![("weeks", "2"), ("weeks", "3")], "weeks"),
        ] {
            let err = parse(&pairs(&list)).expect_err("refused");
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn defaults_are_four_weeks_from_today_at_500_m() {
        assert_eq!(parse(&[]).expect("accepted"), PlanWindow { from: None, weeks: 4, width: 500.0 });
    }
}
