//! Reports recomputed from the data as of a date:
//! - `GET /api/v1/reports/province?as_of=YYYY-MM-DD&f=json|csv`: the province's figures.
//!   Permission: `ReadInternal` (viewer and above).
//! - `GET /api/v1/reports/communes?as_of=&datetime=&f=json|csv`: one row of figures per commune;
//!   `GET /api/v1/reports/communes/{code}?as_of=&datetime=`: one commune with the details behind
//!   its figures. They count key points and patrols (restricted data): permission `Analyse`, and
//!   editors see only the communes of their jurisdiction.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::Value;

use super::gate::Principal;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db;
use crate::db::audit::{self, Outcome};
use crate::layers::values::Interval;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/api/v1/reports/province", Permission::ReadInternal, province),
        Route::get("/api/v1/reports/communes", Permission::Analyse, communes),
        Route::get("/api/v1/reports/communes/{code}", Permission::Analyse, commune),
    ]
}

/// The answer's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Json,
    Csv,
}

/// The validated query: unknown parameters are refused, so a typo (`asof=`) is never silently
/// answered with today's figures.
#[derive(Debug)]
struct ReportQuery {
    as_of: Option<NaiveDate>,
    window: Option<Interval>,
    format: Format,
}

impl ReportQuery {
    /// Parses the pairs, accepting only the parameters in `allowed` (of `as_of`, `datetime`, `f`).
    fn parse(pairs: Vec<(String, String)>, allowed: &[&str]) -> Result<Self> {
        let mut query = Self { as_of: None, window: None, format: Format::Json };
        let mut seen = Vec::new();
        for (key, value) in pairs {
            if seen.contains(&key) {
                return Err(ApiError::BadRequest(format!("parameter `{key}` is given more than once")));
            }
            match key.as_str() {
                _ if !allowed.contains(&key.as_str()) => {
                    let list = allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
                    return Err(ApiError::BadRequest(format!(
                        "unknown parameter `{key}`; this report takes {list}"
                    )));
                }
                "datetime" => {
                    query.window = Some(
                        Interval::parse("datetime", &value)
                            .map_err(|e| ApiError::BadRequest(format!("parameter `datetime`: {}", e.0)))?,
                    );
                }
                "as_of" => {
                    let date = crate::layers::values::parse_date(&value).ok_or_else(|| {
                        ApiError::BadRequest(format!(
                            "parameter `as_of` must be a date YYYY-MM-DD, not {value:?}"
                        ))
                    })?;
                    query.as_of = Some(date);
                }
                _ => query.format = Format::parse(&value)?,
            }
            seen.push(key);
        }
        Ok(query)
    }

    fn bounds(&self) -> (Option<chrono::DateTime<chrono::Utc>>, Option<chrono::DateTime<chrono::Utc>>) {
        self.window.map_or((None, None), |w| (w.start, w.end))
    }
}

impl Format {
    /// The value of `f`: json or csv.
    pub(super) fn parse(value: &str) -> Result<Self> {
        match value {
            "json" => Ok(Self::Json),
            "csv" => Ok(Self::Csv),
            _ => Err(ApiError::BadRequest(format!("parameter `f` must be json or csv, not {value:?}"))),
        }
    }
}

/// The query string as pairs; a malformed one is a 400.
pub(super) fn query_pairs(
    query: std::result::Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Vec<(String, String)>> {
    let Query(pairs) = query.map_err(|e| ApiError::BadRequest(format!("malformed query string: {e}")))?;
    Ok(pairs)
}

/// Rows as an RFC 4180 CSV table with a header of their field names, UTF-8, audited as an export
/// (the rows carry restricted figures).
pub(super) async fn csv_export<T: serde::Serialize>(
    state: &AppState,
    who: &Principal,
    target: &str,
    rows: &[T],
) -> Result<Response> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row).map_err(|e| ApiError::Internal(e.into()))?;
    }
    let body = writer.into_inner().map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    let entry = who.audit("export", Outcome::Ok).with_target(target.to_owned());
    audit::record(&state.pool, &entry).await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response())
}

async fn province(
    State(state): State<AppState>,
    query: std::result::Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response> {
    let query = ReportQuery::parse(query_pairs(query)?, &["as_of", "f"])?;
    let report = db::reports::province(state.read_pool(), query.as_of).await?;
    Ok(match query.format {
        Format::Json => Json(report).into_response(),
        Format::Csv => {
            let value = serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.into()))?;
            ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], to_csv(&value)).into_response()
        }
    })
}

async fn communes(
    State(state): State<AppState>,
    who: Principal,
    query: std::result::Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response> {
    let query = ReportQuery::parse(query_pairs(query)?, &["as_of", "datetime", "f"])?;
    let (start, end) = query.bounds();
    let within = who.jurisdiction_filter(&state.pool).await?;
    let rows = db::commune_reports::communes(state.read_pool(), query.as_of, start, end, within).await?;
    match query.format {
        Format::Json => Ok(Json(rows).into_response()),
        Format::Csv => csv_export(&state, &who, "report:communes", &rows).await,
    }
}

async fn commune(
    State(state): State<AppState>,
    who: Principal,
    Path(code): Path<String>,
    query: std::result::Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response> {
    let query = ReportQuery::parse(query_pairs(query)?, &["as_of", "datetime"])?;
    let (start, end) = query.bounds();
    let within = who.jurisdiction_filter(&state.pool).await?;
    let bound = within.is_some();
    match db::commune_reports::commune(state.read_pool(), &code, query.as_of, start, end, within).await? {
        Some(report) => Ok(Json(report).into_response()),
        None if bound && db::commune_reports::exists(state.read_pool(), &code, query.as_of).await? => {
            Err(ApiError::Forbidden(format!("commune {code} is outside your jurisdiction")))
        }
        None => Err(ApiError::NotFound(format!("commune {code} on that date"))),
    }
}

/// The report as a two-column table, `key,value`, sorted by key; the ethnic shares
/// become one row per group (`ethnic_shares.Mông`).
fn to_csv(report: &Value) -> String {
    let mut out = String::from("key,value\r\n");
    let Some(fields) = report.as_object() else { return out };
    for (key, value) in fields {
        match value {
            Value::Object(groups) => {
                for (group, share) in groups {
                    push_row(&mut out, &format!("{key}.{group}"), share);
                }
            }
            other => push_row(&mut out, key, other),
        }
    }
    out
}

fn push_row(out: &mut String, key: &str, value: &Value) {
    let text = match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    out.push_str(&csv_field(key));
    out.push(',');
    out.push_str(&csv_field(&text));
    out.push_str("\r\n");
}

/// RFC 4180 quoting: only where needed.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn unknown_parameter_is_named_in_the_refusal() {
        let err = ReportQuery::parse(pairs(&[("asof", "2020-01-01")]), &["as_of", "f"]).expect_err("refused");
        assert!(err.to_string().contains("`asof`"), "{err}");
    }

    #[test]
    fn impossible_date_is_refused() {
        let err =
            ReportQuery::parse(pairs(&[("as_of", "2020-02-30")]), &["as_of", "f"]).expect_err("refused");
        assert!(err.to_string().contains("`as_of`"), "{err}");
    }

    #[test]
    fn csv_quotes_only_what_needs_it() {
        assert_eq!(csv_field("Mông"), "Mông");
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
    }
}
