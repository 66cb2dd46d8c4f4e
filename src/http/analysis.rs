//! `GET /api/v1/analysis/pai`: does the hot-spot map predict? The hit rate and the Predictive
//! Accuracy Index (Chainey, Tompson & Uhlig 2008) of the training period's densest cells for the
//! test period's key points, beside the same figures for the communes designated key for
//! security and order. Permission: `Analyse`; a caller bound to a jurisdiction gets the figures
//! of its jurisdiction.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{AsOf, Query, Window};
use super::gate::Principal;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::analysis::pai::{predict, top_cells};
use crate::auth::Permission;
use crate::db::analysis::{PointFilter, pai_counts, run_cells, run_parameters};
use crate::layers::analysis_runs::{Analysis, Request, prepare};
use crate::layers::values::{Interval, last_day_before, today};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![Route::get("/api/v1/analysis/pai", Permission::Analyse, pai)]
}

/// The query: the training and test windows, the share of the province the chosen cells cover
/// (0 < c ≤ 1, default 0.05), the hexagon edge (m) and the date of boundaries and designations.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PaiQuery {
    train: Window,
    test: Window,
    coverage: Option<f64>,
    cell: Option<f64>,
    as_of: Option<AsOf>,
    units_as_of: Option<AsOf>,
}

impl PaiQuery {
    /// The share to cover, checked.
    fn coverage(&self) -> Result<f64> {
        let c = self.coverage.unwrap_or(0.05);
        if c > 0.0 && c <= 1.0 {
            Ok(c)
        } else {
            Err(ApiError::BadRequest(format!(
                "coverage: '{c}' is not a share of the province above 0 and at most 1"
            )))
        }
    }

    /// The hexagon edge, checked.
    fn cell(&self) -> Result<Option<f64>> {
        match self.cell {
            Some(c) if !(1.0..=100_000.0).contains(&c) => {
                Err(ApiError::BadRequest(format!("cell: '{c}' is not a number from 1 to 100000 (metres)")))
            }
            other => Ok(other),
        }
    }
}

/// The checked query.
struct Pai {
    train: Interval,
    test: Interval,
    coverage: f64,
    cell: Option<f64>,
    as_of: chrono::NaiveDate,
}

fn interval_text(i: Interval) -> String {
    let end =
        |t: Option<chrono::DateTime<chrono::Utc>>| t.map_or_else(|| "..".to_owned(), |t| t.to_rfc3339());
    format!("{}/{}", end(i.start), end(i.end))
}

/// `GET /api/v1/analysis/pai?train=&test=&coverage=0.05[&cell=][&as_of=][&units_as_of=]`.
async fn pai(
    State(state): State<AppState>,
    who: Principal,
    Query(query): Query<PaiQuery>,
) -> Result<Json<Value>> {
    let (coverage, cell) = (query.coverage()?, query.cell()?);
    let q = Pai {
        train: query.train.0,
        test: query.test.0,
        coverage,
        cell,
        // The units (province outline, communes, designations) the two windows are counted in:
        // units_as_of, else as_of, else the test window's last day (issue 16, item 7), so a test
        // window across 2025-07-01 is read in the units of its end.
        as_of: query
            .units_as_of
            .or(query.as_of)
            .map(|d| d.0)
            .or_else(|| query.test.0.end.map(last_day_before))
            .unwrap_or_else(today),
    };
    // A caller bound to a jurisdiction gets the figures of its jurisdiction: the cells that meet
    // it, and the key points and key communes within it.
    let within = who.jurisdiction_filter(&state.pool, q.as_of).await?;
    let points = |w: Interval| PointFilter { as_of: q.as_of, start: w.start, end: w.end, category: None };
    let req = Request { cell: q.cell, radius: None, points: points(q.train) };
    let run = prepare(&state.pool, Analysis::HotSpots, &req).await?;
    let cells = run_cells(&state.pool, run, within.as_deref()).await?;
    let (cell_m, radius_m) = run_parameters(&state.pool, run).await?;
    let score: Vec<f64> = cells.iter().map(|c| c.density.unwrap_or(0.0)).collect();
    let area: Vec<f64> = cells.iter().map(|c| c.area_m2).collect();
    let province_m2: f64 = area.iter().sum();
    let chosen = top_cells(&score, &area, q.coverage * province_m2);
    let chosen_ids: Vec<i64> = chosen.iter().map(|&k| cells[k].id).collect();
    let chosen_m2: f64 = chosen.iter().map(|&k| area[k]).sum();
    let counts = pai_counts(&state.pool, run, &chosen_ids, &points(q.test), within.as_deref()).await?;
    let (total, a_km2) = (counts.total.cast_unsigned(), province_m2 / 1e6);
    let hotspots = predict(counts.in_cells.cast_unsigned(), total, chosen_m2 / 1e6, a_km2);
    let communes = predict(counts.in_key_communes.cast_unsigned(), total, counts.key_area_m2 / 1e6, a_km2);
    Ok(Json(json!({
        "train": interval_text(q.train),
        "test": interval_text(q.test),
        "as_of": q.as_of,
        "units_as_of": q.as_of,
        "coverage": q.coverage,
        // The grid and kernel actually used, defaults resolved: the edge follows the province of
        // as_of, so the same request can use another cell on another date.
        "cell_m": cell_m,
        "radius_m": radius_m,
        "province_area_km2": a_km2,
        "within_jurisdiction": within.is_some(),
        "hotspots": {
            "method": "the training period's cells of highest kernel density (hotspots layer), until they cover `coverage` of the province",
            "cells": chosen.len(),
            "cells_in_grid": cells.len(),
            "hits": hotspots.hits, "total": hotspots.total, "area_km2": hotspots.area_km2,
            "area_share": chosen_m2 / province_m2.max(f64::MIN_POSITIVE),
            "hit_rate": hotspots.hit_rate, "pai": hotspots.pai,
        },
        "key_communes": {
            "method": "communes designated key for security and order (key_security) on as_of",
            "communes": counts.key_communes,
            "hits": communes.hits, "total": communes.total, "area_km2": communes.area_km2,
            "area_share": communes.area_km2 / a_km2.max(f64::MIN_POSITIVE),
            "hit_rate": communes.hit_rate, "pai": communes.pai,
        },
    })))
}
