//! `GET /api/v1/analysis/effort?datetime=&by=month|unit|commune&f=json|csv`: patrol effort
//! (patrols, patrol-days, hours, geodesic km of track) per month, unit or commune. Patrols are
//! restricted data: permission `Analyse`, and editors count only the patrols that reach their
//! jurisdiction (and, by commune, only its communes).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::gate::Principal;
use super::reports::{Format, csv_export, query_pairs};
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::coverage::{self, Effort, EffortBy};
use crate::layers::values::Interval;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![Route::get("/api/v1/analysis/effort", Permission::Analyse, effort)]
}

/// The validated query; unknown or repeated parameters are refused by name.
#[derive(Debug)]
struct EffortQuery {
    window: Option<Interval>,
    by: EffortBy,
    format: Format,
}

impl EffortQuery {
    fn parse(pairs: Vec<(String, String)>) -> Result<Self> {
        let mut query = Self { window: None, by: EffortBy::Month, format: Format::Json };
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in pairs {
            if seen.contains(&key) {
                return Err(ApiError::BadRequest(format!("parameter `{key}` is given more than once")));
            }
            match key.as_str() {
                "datetime" => {
                    query.window = Some(
                        Interval::parse("datetime", &value)
                            .map_err(|e| ApiError::BadRequest(format!("parameter `datetime`: {}", e.0)))?,
                    );
                }
                "by" => {
                    query.by = EffortBy::parse(&value).ok_or_else(|| {
                        ApiError::BadRequest(format!(
                            "parameter `by` must be month, unit or commune, not {value:?}"
                        ))
                    })?;
                }
                "f" => query.format = Format::parse(&value)?,
                _ => {
                    return Err(ApiError::BadRequest(format!(
                        "unknown parameter `{key}`; effort takes `datetime`, `by` and `f`"
                    )));
                }
            }
            seen.push(key);
        }
        Ok(query)
    }
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
    query: std::result::Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response> {
    let query = EffortQuery::parse(query_pairs(query)?)?;
    let (start, end) = query.window.map_or((None, None), |w| (w.start, w.end));
    let within = who.jurisdiction_filter(&state.pool).await?;
    let rows = coverage::effort(state.read_pool(), query.by, start, end, within).await?;
    let by = match query.by {
        EffortBy::Month => "month",
        EffortBy::Unit => "unit",
        EffortBy::Commune => "commune",
    };
    match query.format {
        Format::Json => Ok(Json(EffortAnswer { by, rows }).into_response()),
        Format::Csv => csv_export(&state, &who, &format!("analysis:effort:{by}"), &rows).await,
    }
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
            (vec![("by", "week")], "`by`"),
            (vec![("datetime", "2020-13-01")], "`datetime`"),
            (vec![("f", "xml")], "`f`"),
            (vec![("width", "5")], "`width`"),
            (vec![("by", "unit"), ("by", "month")], "`by`"),
        ] {
            let err = EffortQuery::parse(pairs(&list)).expect_err("refused");
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn defaults_are_by_month_as_json_over_all_time() {
        let q = EffortQuery::parse(Vec::new()).expect("accepted");
        assert_eq!((q.by, q.format, q.window), (EffortBy::Month, Format::Json, None));
    }
}
