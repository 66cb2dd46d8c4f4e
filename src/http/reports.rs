//! `GET /api/v1/reports/province?as_of=YYYY-MM-DD&f=json|csv`: the province's figures as of a
//! date, recomputed from the data. Permission: `ReadInternal` (viewer and above).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::Value;

use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![Route::get("/api/v1/reports/province", Permission::ReadInternal, province)]
}

/// The answer's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
}

/// The validated query: unknown parameters are refused, so a typo (`asof=`) is never silently
/// answered with today's figures.
#[derive(Debug)]
struct ReportQuery {
    as_of: Option<NaiveDate>,
    format: Format,
}

impl ReportQuery {
    fn parse(pairs: Vec<(String, String)>) -> Result<Self> {
        let mut query = Self { as_of: None, format: Format::Json };
        let mut seen = Vec::new();
        for (key, value) in pairs {
            if seen.contains(&key) {
                return Err(ApiError::BadRequest(format!("parameter `{key}` is given more than once")));
            }
            match key.as_str() {
                "as_of" => {
                    let date = crate::layers::params::parse_date(&value).ok_or_else(|| {
                        ApiError::BadRequest(format!(
                            "parameter `as_of` must be a date YYYY-MM-DD, not {value:?}"
                        ))
                    })?;
                    query.as_of = Some(date);
                }
                "f" => {
                    query.format = match value.as_str() {
                        "json" => Format::Json,
                        "csv" => Format::Csv,
                        _ => {
                            return Err(ApiError::BadRequest(format!(
                                "parameter `f` must be json or csv, not {value:?}"
                            )));
                        }
                    };
                }
                _ => {
                    return Err(ApiError::BadRequest(format!(
                        "unknown parameter `{key}`; this report takes `as_of` and `f`"
                    )));
                }
            }
            seen.push(key);
        }
        Ok(query)
    }
}

async fn province(
    State(state): State<AppState>,
    query: std::result::Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response> {
    let Query(pairs) = query.map_err(|e| ApiError::BadRequest(format!("malformed query string: {e}")))?;
    let query = ReportQuery::parse(pairs)?;
    let report = db::reports::province(&state.pool, query.as_of).await?;
    Ok(match query.format {
        Format::Json => Json(report).into_response(),
        Format::Csv => {
            let value = serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.into()))?;
            ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], to_csv(&value)).into_response()
        }
    })
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
        let err = ReportQuery::parse(pairs(&[("asof", "2020-01-01")])).expect_err("refused");
        assert!(err.to_string().contains("`asof`"), "{err}");
    }

    #[test]
    fn impossible_date_is_refused() {
        let err = ReportQuery::parse(pairs(&[("as_of", "2020-02-30")])).expect_err("refused");
        assert!(err.to_string().contains("`as_of`"), "{err}");
    }

    #[test]
    fn csv_quotes_only_what_needs_it() {
        assert_eq!(csv_field("Mông"), "Mông");
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
    }
}
