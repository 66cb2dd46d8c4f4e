//! Query parameters of the layer endpoints, validated at the edge into types. Every refusal
//! names the parameter and says what was expected.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

use super::{Layer, Param, ParamKind, PropType, Property};

/// Vietnam keeps UTC+7 all year; calendar dates in parameters are Vietnamese days.
fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| unreachable!("7 h is a valid offset"))
}

/// Today in Vietnam: the default "as of" date.
#[must_use]
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&vietnam()).date_naive()
}

/// A refused parameter, with the reason.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ParamError(pub String);

fn bad(msg: impl Into<String>) -> ParamError {
    ParamError(msg.into())
}

/// A typed value bound to a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Text(String),
    /// Whole number.
    Int(i64),
    /// Decimal number.
    Num(f64),
    /// Boolean.
    Bool(bool),
    /// Calendar date.
    Date(NaiveDate),
    /// Instant.
    Time(DateTime<Utc>),
    /// Bytes (a geometry as EWKB).
    Bytes(Vec<u8>),
    /// NULL of a type.
    Null(PropType),
}

impl Value {
    /// Parses `raw` as a value of `property`'s type.
    ///
    /// # Errors
    /// The text is not a value of that type.
    pub fn parse(property: &Property, raw: &str) -> Result<Self, ParamError> {
        let fail = |what: &str| bad(format!("{}: '{raw}' is not {what}", property.name));
        Ok(match property.ty {
            PropType::Text => Self::Text(raw.to_owned()),
            PropType::Integer => Self::Int(raw.parse().map_err(|_| fail("a whole number"))?),
            PropType::Number => {
                Self::Num(raw.parse::<f64>().ok().filter(|n| n.is_finite()).ok_or_else(|| fail("a number"))?)
            }
            PropType::Boolean => Self::Bool(match raw {
                "true" => true,
                "false" => false,
                _ => return Err(fail("true or false")),
            }),
            PropType::Date => Self::Date(parse_date(raw).ok_or_else(|| fail("a date YYYY-MM-DD"))?),
            PropType::Timestamp => Self::Time(
                parse_bound(raw, Edge::Start).ok_or_else(|| fail("an RFC 3339 date-time or a date"))?,
            ),
        })
    }
}

/// A date `YYYY-MM-DD` in years 1 to 9999 (RFC 3339's four digits). chrono alone reads signed
/// years down to -262144, which PostgreSQL cannot store: a date parameter such as `-5000-01-01`
/// was answered 500 (found while writing the fuzz targets) and is now a 400.
#[must_use]
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok().filter(|d| (1..=9999).contains(&d.year()))
}

#[derive(Clone, Copy)]
enum Edge {
    Start,
    End,
}

/// A date-time or a date; a date stands for its whole Vietnamese day, so as an end it means the
/// start of the next day (ends are exclusive).
fn parse_bound(raw: &str, edge: Edge) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        let t = t.with_timezone(&Utc);
        return Some(match edge {
            Edge::Start => t,
            // An inclusive instant, as an exclusive end (timestamps have microsecond resolution).
            Edge::End => t + Duration::microseconds(1),
        });
    }
    let day = parse_date(raw)?;
    let day = match edge {
        Edge::Start => day,
        Edge::End => day.succ_opt()?,
    };
    vietnam().from_local_datetime(&day.and_time(NaiveTime::MIN)).single().map(|t| t.with_timezone(&Utc))
}

/// A time interval `[start, end)`; `None` is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    /// Inclusive start.
    pub start: Option<DateTime<Utc>>,
    /// Exclusive end.
    pub end: Option<DateTime<Utc>>,
}

impl Interval {
    /// Parses an OGC `datetime`: an instant, or `start/end` with `..` or nothing for open ends;
    /// dates are whole days in Vietnam.
    ///
    /// # Errors
    /// Not of that form, or the end before the start.
    pub fn parse(name: &str, raw: &str) -> Result<Self, ParamError> {
        let expected = || {
            bad(format!(
                "{name}: '{raw}' is not a date-time, a date, or an interval such as 2020-01-01/2020-06-30 or ../2020-06-30"
            ))
        };
        let bound = |s: &str, edge| -> Result<Option<DateTime<Utc>>, ParamError> {
            if s.is_empty() || s == ".." {
                Ok(None)
            } else {
                parse_bound(s, edge).map(Some).ok_or_else(expected)
            }
        };
        let interval = match raw.split_once('/') {
            Some((a, b)) => Self { start: bound(a, Edge::Start)?, end: bound(b, Edge::End)? },
            None if raw.is_empty() || raw == ".." => return Err(expected()),
            None => Self { start: bound(raw, Edge::Start)?, end: bound(raw, Edge::End)? },
        };
        if let (Some(s), Some(e)) = (interval.start, interval.end)
            && e <= s
        {
            return Err(bad(format!("{name}: the interval '{raw}' ends before it starts")));
        }
        Ok(interval)
    }
}

/// Coordinate reference systems accepted for `bbox-crs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    /// OGC CRS84: longitude, latitude (the default).
    Crs84,
    /// EPSG:4326, whose axis order is latitude, longitude.
    Epsg4326,
    /// Web Mercator, metres.
    Epsg3857,
}

impl Crs {
    /// The URIs of the supported CRSs, for collection metadata.
    pub const URIS: [&'static str; 3] = [
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "http://www.opengis.net/def/crs/EPSG/0/4326",
        "http://www.opengis.net/def/crs/EPSG/0/3857",
    ];

    fn parse(raw: &str) -> Result<Self, ParamError> {
        match raw {
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84" | "CRS84" | "OGC:CRS84" => Ok(Self::Crs84),
            "http://www.opengis.net/def/crs/EPSG/0/4326" | "EPSG:4326" => Ok(Self::Epsg4326),
            "http://www.opengis.net/def/crs/EPSG/0/3857" | "EPSG:3857" => Ok(Self::Epsg3857),
            _ => {
                Err(bad(format!("bbox-crs: '{raw}' is not supported; use one of {}", Self::URIS.join(", "))))
            }
        }
    }
}

/// Half the side of Web Mercator's square, in metres; beyond it PROJ cannot transform a box back
/// to degrees.
const MERCATOR: f64 = 20_037_508.342_789_244;

/// A bounding box, in longitude/latitude order of its SRID (EPSG:4326 input is swapped here).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    /// West / min x.
    pub min_x: f64,
    /// South / min y.
    pub min_y: f64,
    /// East / max x.
    pub max_x: f64,
    /// North / max y.
    pub max_y: f64,
    /// 4326 or 3857.
    pub srid: i32,
}

impl BBox {
    /// Parses `minx,miny,maxx,maxy` (a 6-number 3D box drops its heights) in `crs`.
    ///
    /// # Errors
    /// Not four (or six) finite numbers, inverted, or outside the CRS's range.
    pub fn parse(raw: &str, crs: Crs) -> Result<Self, ParamError> {
        let numbers: Vec<f64> = raw
            .split(',')
            .map(|s| s.trim().parse::<f64>().ok().filter(|n| n.is_finite()))
            .collect::<Option<_>>()
            .ok_or_else(|| bad(format!("bbox: '{raw}' is not a list of numbers")))?;
        let ([a, b, c, d] | [a, b, _, c, d, _]) = numbers[..] else {
            return Err(bad(format!("bbox: expected 4 or 6 numbers, got {}", numbers.len())));
        };
        let (min_x, min_y, max_x, max_y, srid) = match crs {
            Crs::Crs84 => (a, b, c, d, 4326),
            Crs::Epsg4326 => (b, a, d, c, 4326),
            Crs::Epsg3857 => (a, b, c, d, 3857),
        };
        if min_x > max_x || min_y > max_y {
            return Err(bad(format!("bbox: '{raw}' has its minimum above its maximum")));
        }
        if srid == 3857 && [min_x, min_y, max_x, max_y].iter().any(|v| v.abs() > MERCATOR) {
            return Err(bad(format!("bbox: '{raw}' is outside Web Mercator's ±{MERCATOR} m")));
        }
        if srid == 4326 && (min_x < -180.0 || max_x > 180.0 || min_y < -90.0 || max_y > 90.0) {
            return Err(bad(format!(
                "bbox: '{raw}' is outside longitude -180..180 / latitude -90..90 (are latitude and longitude swapped?)"
            )));
        }
        Ok(Self { min_x, min_y, max_x, max_y, srid })
    }
}

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
    /// `layers::analysis::prepare_filters`); `None` reads nothing.
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
            ParamKind::Date => ParamValue::Value(Value::Date(
                parse_date(raw).ok_or_else(|| bad(format!("{name}: '{raw}' is not a date YYYY-MM-DD")))?,
            )),
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
    let bbox_crs = pairs.iter().find(|(k, _)| k == "bbox-crs").map(|(_, v)| Crs::parse(v)).transpose()?;
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
            "filter-crs" if Crs::parse(value)? == Crs::Crs84 => {}
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
                filters.as_of = Some(
                    parse_date(value)
                        .ok_or_else(|| bad(format!("as_of: '{value}' is not a date YYYY-MM-DD")))?,
                );
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
    raw.parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| bad(format!("{name}: '{raw}' is not a whole number from {min} to {max}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_interval_covers_whole_vietnamese_days() {
        let i = Interval::parse("datetime", "2020-01-01/2020-01-31").expect("interval");
        assert_eq!(i.start.map(|t| t.to_rfc3339()), Some("2019-12-31T17:00:00+00:00".into()));
        assert_eq!(i.end.map(|t| t.to_rfc3339()), Some("2020-01-31T17:00:00+00:00".into()));
    }

    #[test]
    fn open_ends_and_instants_parse() {
        let open = Interval::parse("datetime", "../2020-06-30T00:00:00Z").expect("open start");
        assert!(open.start.is_none() && open.end.is_some());
        let instant = Interval::parse("datetime", "2020-06-30T12:00:00Z").expect("instant");
        assert_eq!(instant.end.zip(instant.start).map(|(e, s)| (e - s).num_microseconds()), Some(Some(1)));
        assert!(Interval::parse("datetime", "2020-06-30/2020-01-01").is_err());
        assert!(Interval::parse("datetime", "yesterday").is_err());
        assert!(Interval::parse("datetime", "../..").is_ok());
    }

    #[test]
    fn bbox_in_epsg_4326_is_latitude_first() {
        let b = BBox::parse("22.4,103.9,22.6,104.1", Crs::Epsg4326).expect("bbox");
        assert_eq!((b.min_x, b.min_y, b.max_x, b.max_y), (103.9, 22.4, 104.1, 22.6));
        assert!(BBox::parse("104.1,22.4,103.9,22.6", Crs::Crs84).is_err(), "inverted");
        assert!(BBox::parse("1,2,3", Crs::Crs84).is_err());
        assert!(BBox::parse("1,2,3,nan", Crs::Crs84).is_err());
        assert!(BBox::parse("22,190,23,191", Crs::Crs84).is_err());
        assert!(BBox::parse("0,0,1e300,1", Crs::Epsg3857).is_err());
        assert!(BBox::parse("11570000,2560000,11590000,2580000", Crs::Epsg3857).is_ok());
    }

    #[test]
    fn dates_outside_years_1_to_9999_are_refused_not_sent_to_postgresql() {
        // Answered 500 before (PostgreSQL's "date out of range"): found while writing the fuzz
        // targets, then seen by hand on /items, /reports/province and /search.
        for raw in ["-5000-01-01", "-10000-01-01", "+200000-01-01", "0000-01-01"] {
            assert!(parse_date(raw).is_none(), "{raw}");
            assert!(Interval::parse("datetime", &format!("{raw}/2020-01-01")).is_err(), "{raw}");
        }
        assert!(parse_date("0001-01-01").is_some() && parse_date("9999-12-31").is_some());
        assert!(Interval::parse("datetime", "9999-12-31").is_ok(), "the last day has an end");
    }
}
