//! `GET /api/v1/analysis/border-segments/{code}/patrols?datetime=&width=&min_share=`: one border
//! segment's patrol history (issue 21), so a coordinator can see why its last patrolled date is
//! what it is: each patrol that touched it in the window (and the last that counted, and the last
//! that touched it, when before the window), with its units, date, metres and share. Permission:
//! `Analyse`, as the coverage layers; a jurisdiction-bound caller gets only segments that meet its
//! jurisdiction (403 for another, as the commune reports do).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;

use super::extract::{Path, Query, Window};
use super::gate::Principal;
use super::reports::bounds;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::coverage::segment_patrols;
use crate::layers::params::ParamValue;
use crate::layers::values::{Value as Bound, last_day_before, today};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![Route::get("/api/v1/analysis/border-segments/{code}/patrols", Permission::Analyse, patrols)]
}

/// The query; `width` and `min_share` are read by the `border_coverage` layer's own parameters of
/// those names (one set of ranges, defaults and messages for the layer, its panel and this route).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryQuery {
    datetime: Option<Window>,
    width: Option<String>,
    min_share: Option<String>,
}

impl HistoryQuery {
    /// The sight width and the minimum share, defaults included.
    fn width_and_share(&self) -> Result<(f64, f64)> {
        let layer = crate::layers::find("border_coverage")
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the border_coverage layer is missing")))?;
        let mut values = [0.0; 2];
        for (slot, (name, raw)) in
            values.iter_mut().zip([("width", &self.width), ("min_share", &self.min_share)])
        {
            let param = layer
                .param(name)
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("border_coverage has no {name}")))?;
            let parsed = match raw {
                Some(raw) => param.parse(raw).map_err(|e| ApiError::BadRequest(e.0))?,
                None => param.default_value(),
            };
            let ParamValue::Value(Bound::Num(n)) = parsed else {
                return Err(ApiError::Internal(anyhow::anyhow!("{name}: unexpected value {parsed:?}")));
            };
            *slot = n;
        }
        Ok((values[0], values[1]))
    }
}

async fn patrols(
    State(state): State<AppState>,
    who: Principal,
    Path(code): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Result<Json<Value>> {
    let (width, min_share) = q.width_and_share()?;
    // The jurisdiction in the units of the window's last day (today when open), as effort reads it.
    let on = bounds(q.datetime).1.map_or_else(today, last_day_before);
    let within = who.jurisdiction_filter(&state.pool, on).await?;
    match segment_patrols(state.read_pool(), &code, bounds(q.datetime), width, min_share, within).await? {
        Some((true, answer)) => Ok(Json(answer)),
        Some((false, _)) => {
            Err(ApiError::Forbidden(format!("border segment {code} is outside your jurisdiction")))
        }
        None => Err(ApiError::NotFound(format!("border segment {code}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::extract::query;

    fn parse(raw: &str) -> Result<(f64, f64)> {
        query::<HistoryQuery>(Some(raw))?.width_and_share()
    }

    #[test]
    fn defaults_are_500_m_and_a_quarter() {
        assert_eq!(parse("").expect("accepted"), (500.0, 0.25));
        assert_eq!(parse("width=200&min_share=0.5").expect("accepted"), (200.0, 0.5));
    }

    #[test]
    fn refusals_name_the_parameter() {
        for (raw, name) in [
            ("min_share=1.5", "min_share"),
            ("min_share=-0.1", "min_share"),
            ("width=5", "width"),
            ("datetime=2020-06-30/2020-06-01", "datetime"),
            ("share=0.3", "share"),
        ] {
            let err = parse(raw).expect_err("refused");
            assert!(err.to_string().contains(name), "{raw}: {err}");
        }
    }
}
