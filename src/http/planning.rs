//! `GET /api/v1/analysis/plan-coverage?from=&weeks=&width=&min_share=`: for the planning window
//! (default the next 4 weeks from today in Vietnam), each border segment's planned patrols and
//! forecast covered share, the gaps ahead (segments no plan reaches, each with when it was last
//! patrolled by the coverage rule: a patrol covering at least `min_share` of it) and the conflicts (see migration 0022 for what
//! counts as one). The same figures are the `plan_coverage` and `plan_conflicts` layers. Permission:
//! `Analyse`, as the coverage layers; a jurisdiction-bound caller gets the segments that meet its
//! jurisdiction.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;

use super::extract::Query;
use super::gate::Principal;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::coverage::DEFAULT_MIN_SHARE;
use crate::db::planning::{PlanWindow, plan_coverage};
use crate::layers::params::ParamValue;
use crate::layers::values::{Value as Bound, today};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![Route::get("/api/v1/analysis/plan-coverage", Permission::Analyse, plan)]
}

/// The query, each value read by the `plan_coverage` layer's own parameter of that name (one set
/// of ranges and messages for the layer and this endpoint).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanQuery {
    from: Option<String>,
    weeks: Option<String>,
    width: Option<String>,
    min_share: Option<String>,
}

impl PlanQuery {
    fn window(&self) -> Result<PlanWindow> {
        let layer = crate::layers::find("plan_coverage")
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the plan_coverage layer is missing")))?;
        let mut window = PlanWindow { from: None, weeks: 4, width: 500.0, min_share: DEFAULT_MIN_SHARE };
        let given = [
            ("from", &self.from),
            ("weeks", &self.weeks),
            ("width", &self.width),
            ("min_share", &self.min_share),
        ];
        for (name, raw) in given {
            let (Some(raw), Some(param)) = (raw, layer.param(name)) else { continue };
            match (name, param.parse(raw).map_err(|e| ApiError::BadRequest(e.0))?) {
                (_, ParamValue::Value(Bound::Date(d))) => window.from = Some(d),
                (_, ParamValue::Value(Bound::Int(n))) => {
                    window.weeks = i32::try_from(n)
                        .map_err(|_| ApiError::BadRequest(format!("{name}: out of range")))?;
                }
                ("width", ParamValue::Value(Bound::Num(n))) => window.width = n,
                ("min_share", ParamValue::Value(Bound::Num(n))) => window.min_share = n,
                (_, other) => {
                    return Err(ApiError::Internal(anyhow::anyhow!("{name}: unexpected value {other:?}")));
                }
            }
        }
        Ok(window)
    }
}

async fn plan(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<PlanQuery>,
) -> Result<Json<Value>> {
    let window = q.window()?;
    // A plan is for the coming weeks: the jurisdiction in the units of its first day.
    let within = who.jurisdiction_filter(&state.pool, window.from.unwrap_or_else(today)).await?;
    let mut answer = plan_coverage(state.read_pool(), window, within.clone()).await?;
    answer["within_jurisdiction"] = Value::Bool(within.is_some());
    Ok(Json(answer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::extract::query;

    fn parse(raw: &str) -> Result<PlanWindow> {
        query::<PlanQuery>(Some(raw))?.window()
    }

    #[test]
    fn refusals_name_the_parameter() {
        for (raw, name) in [
            ("weeks=0", "weeks"),
            ("weeks=27", "weeks"),
            ("from=28/11/2026", "from"),
            ("width=5", "width"),
            ("min_share=1.01", "min_share"),
            ("bbox=1,2,3,4", "bbox"),
            ("weeks=2&weeks=3", "weeks"),
        ] {
            let err = parse(raw).expect_err("refused");
            assert!(err.to_string().starts_with(name), "{raw}: {err}");
        }
    }

    #[test]
    fn defaults_are_four_weeks_from_today_at_500_m_and_a_quarter() {
        let defaults = PlanWindow { from: None, weeks: 4, width: 500.0, min_share: 0.25 };
        assert_eq!(parse("").expect("accepted"), defaults);
        assert_eq!(
            parse("min_share=0.5&width=200").expect("accepted"),
            PlanWindow { width: 200.0, min_share: 0.5, ..defaults }
        );
    }
}
