//! Reports recomputed from the data as of a date:
//! - `GET /api/v1/reports/province?as_of=YYYY-MM-DD&f=json|csv`: the province's figures.
//!   Permission: `ReadInternal` (viewer and above).
//! - `GET /api/v1/reports/communes?as_of=&datetime=&f=json|csv`: one row of figures per commune;
//!   `GET /api/v1/reports/communes/{code}?as_of=&datetime=`: one commune with the details behind
//!   its figures. They count key points and patrols (restricted data): permission `Analyse`, and
//!   editors see only the communes of their jurisdiction.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::extract::{AsOf, F, Path, Query, Window};
use super::gate::Principal;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db;
use crate::db::audit::{self, Outcome};
use crate::layers::formats::{csv_key_values, csv_table};
use crate::layers::values::today;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/api/v1/reports/province", Permission::ReadInternal, province),
        Route::get("/api/v1/reports/communes", Permission::Analyse, communes),
        Route::get("/api/v1/reports/communes/{code}", Permission::Analyse, commune),
    ]
}

/// The query of the province report; unknown parameters are refused, so a typo (`asof=`) is
/// never silently answered with today's figures.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvinceQuery {
    as_of: Option<AsOf>,
    f: Option<F>,
}

/// The query of the commune reports (`f` only for the list).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommunesQuery {
    as_of: Option<AsOf>,
    datetime: Option<Window>,
    f: Option<F>,
}

/// The query of one commune's report.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommuneQuery {
    as_of: Option<AsOf>,
    datetime: Option<Window>,
}

/// `json` (the default) or `csv`.
pub(super) fn json_or_csv(f: Option<F>) -> Result<F> {
    f.unwrap_or(F::Json).only(&[F::Json, F::Csv]).map_err(|e| ApiError::BadRequest(e.0))
}

/// The bounds of an optional window.
pub(super) fn bounds(window: Option<Window>) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    window.map_or((None, None), |Window(w)| (w.start, w.end))
}

/// Rows as an RFC 4180 CSV table with a header of their field names, UTF-8, text cells defused
/// (`layers::formats`, as the layer exports), audited as an export (the rows carry restricted
/// figures).
pub(super) async fn csv_export<T: serde::Serialize>(
    state: &AppState,
    who: &Principal,
    target: &str,
    rows: &[T],
) -> Result<Response> {
    let body = csv_table(rows).map_err(|e| ApiError::Internal(e.into()))?;
    let entry = who.audit("export", Outcome::Ok).with_target(target.to_owned());
    audit::record(&state.pool, &entry).await?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response())
}

async fn province(State(state): State<AppState>, Query(q): Query<ProvinceQuery>) -> Result<Response> {
    let format = json_or_csv(q.f)?;
    let report = db::reports::province(state.read_pool(), q.as_of.map(|d| d.0)).await?;
    Ok(match format {
        F::Json | F::GeoJson | F::Kml => Json(report).into_response(),
        F::Csv => {
            // The report as a two-column table, `key,value`, sorted by key; the ethnic shares
            // become one row per group (`ethnic_shares.Mông`).
            let value = serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.into()))?;
            let fields = value.as_object().cloned().unwrap_or_default();
            ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv_key_values(&fields)).into_response()
        }
    })
}

async fn communes(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<CommunesQuery>,
) -> Result<Response> {
    let format = json_or_csv(q.f)?;
    let (start, end) = bounds(q.datetime);
    let as_of = q.as_of.map(|d| d.0);
    let within = who.jurisdiction_filter(&state.pool, as_of.unwrap_or_else(today)).await?;
    let rows = db::commune_reports::communes(state.read_pool(), as_of, start, end, within).await?;
    if format == F::Csv {
        csv_export(&state, &who, "report:communes", &rows).await
    } else {
        Ok(Json(rows).into_response())
    }
}

async fn commune(
    State(state): State<AppState>,
    who: Principal,
    Path(code): Path<String>,
    Query(q): Query<CommuneQuery>,
) -> Result<Response> {
    let (start, end) = bounds(q.datetime);
    let as_of = q.as_of.map(|d| d.0);
    let within = who.jurisdiction_filter(&state.pool, as_of.unwrap_or_else(today)).await?;
    let bound = within.is_some();
    match db::commune_reports::commune(state.read_pool(), &code, as_of, start, end, within).await? {
        Some(report) => Ok(Json(report).into_response()),
        None if bound && db::commune_reports::exists(state.read_pool(), &code, as_of).await? => {
            Err(ApiError::Forbidden(format!("commune {code} is outside your jurisdiction")))
        }
        None => Err(ApiError::NotFound(format!("commune {code} on that date"))),
    }
}
