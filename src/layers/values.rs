//! Typed values bound to queries, the dates and intervals requests carry (calendar dates are
//! Vietnamese days), and the error every refused parameter becomes.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

use super::layer::{PropType, Property};
use crate::spatial::SpatialError;

/// Vietnam keeps UTC+7 all year; calendar dates in parameters are Vietnamese days.
fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| unreachable!("7 h is a valid offset"))
}

/// The Vietnamese day of the instant just before `end` (a window's exclusive end).
#[must_use]
pub fn last_day_before(end: DateTime<Utc>) -> NaiveDate {
    (end - Duration::seconds(1)).with_timezone(&vietnam()).date_naive()
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

/// A refusal with `msg` (which names the parameter).
pub(crate) fn bad(msg: impl Into<String>) -> ParamError {
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
            PropType::Text | PropType::TextList => Self::Text(raw.to_owned()),
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
    /// Not of that form, or the end before the start; the message names `name`.
    pub fn parse(name: &str, raw: &str) -> Result<Self, ParamError> {
        Self::read(raw).map_err(|why| bad(format!("{name}: {why}")))
    }

    /// As [`Interval::parse`]; the reason does not name the parameter (see `inputs`).
    ///
    /// # Errors
    /// As above.
    pub fn read(raw: &str) -> Result<Self, String> {
        let expected = || {
            format!(
                "'{raw}' is not a date-time, a date, or an interval such as 2020-01-01/2020-06-30 or ../2020-06-30"
            )
        };
        let bound = |s: &str, edge| -> Result<Option<DateTime<Utc>>, String> {
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
            return Err(format!("the interval '{raw}' ends before it starts"));
        }
        Ok(interval)
    }
}

impl From<SpatialError> for ParamError {
    fn from(e: SpatialError) -> Self {
        Self(e.0)
    }
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
