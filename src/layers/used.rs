//! The parameters an analysis layer actually uses for a request, defaults resolved (issue 21):
//! the hexagon edge and density radius of the stored run (the default edge follows the province
//! of `units_as_of`, the default radius the key points counted), the window as the layer's SQL
//! reads it, and every other parameter's value. `GET /collections/{id}` states them, so a map
//! read without parameters says which grid, radius and window it was computed with.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value as Json, json};
use sqlx::PgPool;

use super::analysis_runs::{self, Analysis, PrepareError, analysis_of};
use super::layer::{Layer, ParamKind};
use super::params::{Filters, ParamValue};
use super::values::{Interval, Value, today};
use crate::db;

/// The layers whose window goes through `atlas_window` (migration 0013): without bounds, the 30
/// days up to today in Vietnam. Hot spots read an open window as "all time", emerging hot spots
/// as the 12 months up to this one (`analysis_runs::months`); the others have no default window.
const THIRTY_DAY_WINDOW: [&str; 3] = ["border_coverage", "coverage_gaps", "patrol_effort"];

fn instant(t: Option<DateTime<Utc>>) -> Json {
    t.map_or_else(|| json!(".."), |t| json!(t.to_rfc3339()))
}

fn window_json(w: Interval) -> Json {
    json!([instant(w.start), instant(w.end)])
}

fn value_json(v: &Value) -> Json {
    match v {
        Value::Text(t) => json!(t),
        Value::Int(n) => json!(n),
        Value::Num(n) => json!(n),
        Value::Bool(b) => json!(b),
        Value::Date(d) => json!(d.to_string()),
        Value::Time(t) => json!(t.to_rfc3339()),
        // No parameter parses to these; stated as absent should one ever do.
        Value::Bytes(_) | Value::Null(_) => Json::Null,
    }
}

/// Each of `layer`'s parameters (and `as_of` for a temporal layer) with the value a request of
/// these `filters` uses: given, defaulted, or resolved as the computation resolves it (`null`
/// where the layer takes none: all categories, no date). An analysis run is found or computed
/// as for the layer's items, so the edge and radius are the run's own.
///
/// # Errors
/// As `analysis_runs::prepare_filters`: a 400 for an impossible grid, or the database failing.
pub async fn parameters_used(
    pool: &PgPool,
    layer: &Layer,
    filters: &mut Filters,
) -> Result<Map<String, Json>, PrepareError> {
    analysis_runs::prepare_filters(pool, layer, filters).await?;
    let run = match filters.run {
        Some(run) => Some(db::analysis::run_parameters(pool, run).await?),
        None => None,
    };
    let mut used = Map::new();
    if layer.temporal {
        used.insert("as_of".into(), json!(filters.as_of.unwrap_or_else(today).to_string()));
    }
    for param in layer.params {
        let value = match (param.name, run, &param.kind) {
            ("cell", Some((cell, _)), _) => json!(cell),
            ("radius", Some((_, radius)), _) => json!(radius),
            (name, _, ParamKind::Window) => {
                let given = filters.param_window(name);
                window_json(resolve_window(pool, layer, given).await?)
            }
            (name, _, _) => match filters.params.iter().find(|(p, _)| p.name == name).map(|(_, v)| v) {
                Some(ParamValue::Value(v)) => value_json(v),
                _ => Json::Null,
            },
        };
        used.insert(param.name.into(), value);
    }
    Ok(used)
}

/// The window the layer's computation reads for the window given.
async fn resolve_window(pool: &PgPool, layer: &Layer, given: Interval) -> Result<Interval, PrepareError> {
    if THIRTY_DAY_WINDOW.contains(&layer.id) {
        let (start, end) = db::coverage::resolved_window(pool, given.start, given.end).await?;
        return Ok(Interval { start, end: Some(end) });
    }
    if analysis_of(layer) == Some(Analysis::Emerging) {
        return Ok(analysis_runs::months(given, Utc::now())?.0);
    }
    Ok(given)
}
