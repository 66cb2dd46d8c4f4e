//! Query parameters of the layer endpoints, validated at the edge into types. Every refusal
//! names the parameter and says what was expected.

use chrono::NaiveDate;

use super::inputs::{AsOf, Input as _};
use super::layer::{Layer, Param, ParamKind, Property};
use super::values::{Interval, ParamError, Value, bad};
use crate::spatial::{BBox, Crs};

/// Filters shared by items, tiles and exports.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Spatial filter.
    pub bbox: Option<BBox>,
    /// Temporal filter on the layer's time columns.
    pub datetime: Option<Interval>,
    /// The date temporal layers are read "as of" (default today).
    pub as_of: Option<NaiveDate>,
    /// Property equality filters.
    pub properties: Vec<(&'static Property, Value)>,
    /// A CQL2-text filter (OGC API – Features Part 3).
    pub cql: Option<super::cql2::Expr>,
    /// The values of the layer's parameters, defaults filled in.
    pub params: Vec<(&'static Param, ParamValue)>,
    /// The stored analysis run an analysis layer's source reads as `{run}` (see
    /// `layers::analysis_runs::prepare_filters`); `None` reads nothing.
    pub run: Option<i64>,
}

/// The value of a layer parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// A number, whole number, date or choice.
    Value(Value),
    /// A time window.
    Window(Interval),
    /// Absent, with no default: the source decides (its placeholder is bound as NULL).
    Absent,
}

impl Filters {
    fn param(&self, name: &str) -> Option<&ParamValue> {
        self.params.iter().find(|(p, _)| p.name == name).map(|(_, v)| v)
    }

    /// A numeric parameter's value (whole numbers too), if given or defaulted.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "parameters are small whole numbers")]
    pub fn param_number(&self, name: &str) -> Option<f64> {
        match self.param(name)? {
            ParamValue::Value(Value::Num(n)) => Some(*n),
            ParamValue::Value(Value::Int(n)) => Some(*n as f64),
            _ => None,
        }
    }

    /// A choice parameter's value, if given.
    #[must_use]
    pub fn param_text(&self, name: &str) -> Option<&str> {
        match self.param(name)? {
            ParamValue::Value(Value::Text(t)) => Some(t),
            _ => None,
        }
    }

    /// A date parameter's value, if given.
    #[must_use]
    pub fn param_date(&self, name: &str) -> Option<NaiveDate> {
        match self.param(name)? {
            ParamValue::Value(Value::Date(d)) => Some(*d),
            _ => None,
        }
    }

    /// The date of the units an analysis aggregates into (`units_as_of`, see
    /// `catalog::shared::UNITS_AS_OF`): given, else `as_of`, else the last day of the window
    /// `window`, else today. One rule for every analysis, so a window across 2025-07-01 is
    /// counted in the units of its end unless the caller names another date.
    #[must_use]
    pub fn units_as_of(&self, window: &str) -> NaiveDate {
        self.param_date("units_as_of")
            .or(self.as_of)
            .or_else(|| self.param_window(window).end.map(super::values::last_day_before))
            .unwrap_or_else(super::values::today)
    }

    /// Fills in `units_as_of` (when the layer has it) with [`Self::units_as_of`] of the
    /// `datetime` window, so the source reads one date, never NULL.
    pub fn resolve_units_as_of(&mut self) {
        let date = self.units_as_of("datetime");
        if let Some(slot) = self.params.iter_mut().find(|(p, _)| p.name == "units_as_of") {
            slot.1 = ParamValue::Value(Value::Date(date));
        }
    }

    /// A window parameter's value (open on both ends when absent).
    #[must_use]
    pub fn param_window(&self, name: &str) -> Interval {
        match self.param(name) {
            Some(ParamValue::Window(w)) => *w,
            _ => Interval { start: None, end: None },
        }
    }
}

impl Param {
    /// Parses a value of this parameter.
    ///
    /// # Errors
    /// Malformed or out of range; the message names the parameter and the accepted values.
    pub fn parse(&'static self, raw: &str) -> Result<ParamValue, ParamError> {
        let name = self.name;
        Ok(match self.kind {
            ParamKind::Number { min, max, .. } => ParamValue::Value(Value::Num(
                raw.parse::<f64>()
                    .ok()
                    .filter(|n| (min..=max).contains(n))
                    .ok_or_else(|| bad(format!("{name}: '{raw}' is not a number from {min} to {max}")))?,
            )),
            ParamKind::Integer { min, max, .. } => ParamValue::Value(Value::Int(
                raw.parse::<i64>().ok().filter(|n| (min..=max).contains(n)).ok_or_else(|| {
                    bad(format!("{name}: '{raw}' is not a whole number from {min} to {max}"))
                })?,
            )),
            ParamKind::Window => ParamValue::Window(Interval::parse(name, raw)?),
            ParamKind::Date => ParamValue::Value(Value::Date(AsOf::named(name, raw)?.0)),
            ParamKind::Choice { choices } => {
                if !choices.contains(&raw) {
                    return Err(bad(format!("{name}: '{raw}' is not one of {}", choices.join(", "))));
                }
                ParamValue::Value(Value::Text(raw.to_owned()))
            }
        })
    }

    /// The value used when the parameter is absent.
    #[must_use]
    pub fn default_value(&self) -> ParamValue {
        match self.kind {
            ParamKind::Number { default: Some(n), .. } => ParamValue::Value(Value::Num(n)),
            ParamKind::Integer { default: Some(n), .. } => ParamValue::Value(Value::Int(n)),
            _ => ParamValue::Absent,
        }
    }
}

/// How the raw parameters are split between the endpoint and the shared filters.
#[derive(Debug)]
pub struct Parsed<'a> {
    /// The shared filters.
    pub filters: Filters,
    /// Parameters the endpoint must handle itself (limit, offset, f, ...), still raw.
    pub rest: Vec<(&'a str, &'a str)>,
}

/// Parses the filters every layer endpoint shares, and hands back the parameters named in
/// `endpoint_params` for the endpoint; any other parameter is refused.
///
/// # Errors
/// An unknown, repeated or malformed parameter.
pub fn parse_filters<'a>(
    layer: &'static Layer,
    pairs: &'a [(String, String)],
    endpoint_params: &[&str],
) -> Result<Parsed<'a>, ParamError> {
    let mut filters = Filters::default();
    let mut rest = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let bbox_crs =
        pairs.iter().find(|(k, _)| k == "bbox-crs").map(|(_, v)| Crs::parse("bbox-crs", v)).transpose()?;
    for (key, value) in pairs {
        let key = key.as_str();
        if seen.contains(&key) {
            return Err(bad(format!("{key}: given more than once")));
        }
        seen.push(key);
        // A layer's own parameter takes precedence over a shared filter of the same name (an
        // analysis reads `datetime` as its input window, not as a filter on its output).
        if let Some(param) = layer.param(key) {
            filters.params.push((param, param.parse(value)?));
            continue;
        }
        match key {
            "bbox" => filters.bbox = Some(BBox::parse(value, bbox_crs.unwrap_or(Crs::Crs84))?),
            "bbox-crs" => {}
            "filter" => filters.cql = Some(super::cql2::parse(layer, value)?),
            "filter-lang" if value == "cql2-text" => {}
            "filter-lang" => {
                return Err(bad(format!("filter-lang: '{value}' is not supported; use cql2-text")));
            }
            "filter-crs" if Crs::parse("filter-crs", value)? == Crs::Crs84 => {}
            "filter-crs" => return Err(bad("filter-crs: only CRS84 (longitude, latitude) is supported")),
            "datetime" => {
                if layer.time.is_none() {
                    return Err(bad(format!("datetime: collection '{}' has no time to filter on", layer.id)));
                }
                filters.datetime = Some(Interval::parse("datetime", value)?);
            }
            "as_of" => {
                if !layer.temporal {
                    return Err(bad(format!("as_of: collection '{}' does not change over time", layer.id)));
                }
                filters.as_of = Some(AsOf::named("as_of", value)?.0);
            }
            _ if endpoint_params.contains(&key) => rest.push((key, value.as_str())),
            _ => match layer.property(key).filter(|p| p.queryable) {
                Some(property) => filters.properties.push((property, Value::parse(property, value)?)),
                None => {
                    return Err(bad(format!(
                        "unknown parameter '{key}' for collection '{}' (see /api/v1/collections/{}/queryables)",
                        layer.id, layer.id
                    )));
                }
            },
        }
    }
    if bbox_crs.is_some() && filters.bbox.is_none() {
        return Err(bad("bbox-crs: given without bbox"));
    }
    for param in layer.params {
        if filters.param(param.name).is_none() {
            filters.params.push((param, param.default_value()));
        }
    }
    Ok(Parsed { filters, rest })
}

/// Parses a whole number parameter within `range`.
///
/// # Errors
/// Not a whole number, or out of range.
pub fn parse_count(name: &str, raw: &str, min: u64, max: u64) -> Result<u64, ParamError> {
    super::inputs::count(raw, min, max).map_err(|why| bad(format!("{name}: {why}")))
}
