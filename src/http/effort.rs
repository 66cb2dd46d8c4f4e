//! `GET /api/v1/analysis/effort?datetime=&by=month|unit|commune&f=json|csv`: patrol effort
//! (patrols, patrol-days, hours, geodesic km of track) per month, unit or commune. Patrols are
//! restricted data: permission `Analyse`, and editors count only the patrols that reach their
//! jurisdiction (and, by commune, only its communes).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::extract::{AsOf, F, Query, Window};
use super::gate::Principal;
use super::reports::{bounds, csv_export, json_or_csv};
use super::routes::Route;
use super::{AppState, Result};
use crate::auth::Permission;
use crate::db::coverage::{self, Effort, EffortBy};
use crate::layers::values::{last_day_before, today};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![Route::get("/api/v1/analysis/effort", Permission::Analyse, effort)]
}

/// The query; unknown or repeated parameters are refused by name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EffortQuery {
    datetime: Option<Window>,
    by: Option<EffortBy>,
    f: Option<F>,
    units_as_of: Option<AsOf>,
}

/// The answer: the rows and their totals.
#[derive(Debug, Serialize)]
struct EffortAnswer {
    by: &'static str,
    rows: Vec<Effort>,
}

async fn effort(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<EffortQuery>,
) -> Result<Response> {
    let format = json_or_csv(q.f)?;
    let by = q.by.unwrap_or(EffortBy::Month);
    let (start, end) = bounds(q.datetime);
    // The units the figures are grouped by (by=commune) and the jurisdiction is read in:
    // units_as_of, else the window's last day (today when open), so a window across 2025-07-01
    // is counted in the units of one date (issue 16, item 7).
    let on = q.units_as_of.map_or_else(|| end.map_or_else(today, last_day_before), |d| d.0);
    let within = who.jurisdiction_filter(&state.pool, on).await?;
    let rows =
        coverage::effort(state.read_pool(), by, start, end, q.units_as_of.map(|d| d.0), within).await?;
    let by = match by {
        EffortBy::Month => "month",
        EffortBy::Unit => "unit",
        EffortBy::Commune => "commune",
    };
    if format == F::Csv {
        csv_export(&state, &who, &format!("analysis:effort:{by}"), &rows).await
    } else {
        Ok(Json(EffortAnswer { by, rows }).into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::extract::query;

    #[test]
    fn refusals_name_the_parameter() {
        for (raw, name) in [
            ("by=week", "by: "),
            ("datetime=2020-13-01", "datetime: "),
            ("f=xml", "f: "),
            ("width=5", "width: "),
            ("by=unit&by=month", "by: "),
        ] {
            let err = query::<EffortQuery>(Some(raw)).expect_err("refused");
            assert!(err.to_string().starts_with(name), "{raw}: {err}");
        }
        let kml = query::<EffortQuery>(Some("f=kml")).expect("a format");
        assert!(json_or_csv(kml.f).expect_err("not served").to_string().starts_with("f: 'kml'"));
    }

    #[test]
    fn defaults_are_by_month_as_json_over_all_time() {
        let q = query::<EffortQuery>(None).expect("accepted");
        assert_eq!((q.by, q.f, q.datetime), (None, None, None));
    }
}
