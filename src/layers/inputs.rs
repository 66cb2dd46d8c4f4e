//! The typed query parameters every endpoint shares, each parsed by one function with one error
//! text: the date a request is read as of ([`AsOf`]), a datetime window ([`Window`]), a bounding
//! box ([`Bbox`]), the answer's format ([`F`]), paging ([`Limit`], [`Offset`]) and checked text
//! ([`Text`]).
//!
//! `parse` gives the reason without the parameter's name, so the same text serves both callers:
//! the layer endpoints' filters (`params`) prefix it with the name they read, and the HTTP
//! extractors (`http::extract`, which re-exports these types) deserialize query structs with them
//! and prefix the field's name. A refusal therefore reads the same on every route:
//! `as_of: '2020-13-01' is not a date YYYY-MM-DD`.

use std::fmt;
use std::marker::PhantomData;

use chrono::NaiveDate;
use serde::de::{self, Deserializer, Visitor};

use super::values::{Interval, ParamError, parse_date};
use crate::spatial::{BBox, Crs};
use crate::text::{self, Kind};

/// A parameter type read from one query value.
pub trait Input: Sized {
    /// Parses `raw`.
    ///
    /// # Errors
    /// Why `raw` is not a value of this type, without the parameter's name.
    fn parse(raw: &str) -> Result<Self, String>;

    /// Parses the value of the parameter `name`, naming it in the refusal.
    ///
    /// # Errors
    /// As [`Input::parse`], prefixed with `name`.
    fn named(name: &str, raw: &str) -> Result<Self, ParamError> {
        Self::parse(raw).map_err(|why| ParamError(format!("{name}: {why}")))
    }
}

/// Deserializes an [`Input`] from a string (what a query string holds), so query structs can
/// declare their fields with these types.
macro_rules! deserialize_input {
    ($($ty:ident $(<$($g:ident: $k:ty),*>)?),* $(,)?) => {$(
        impl<'de $($(, const $g: $k)*)?> serde::Deserialize<'de> for $ty $(<$($g),*>)? {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_str(InputVisitor(PhantomData))
            }
        }
    )*};
}

struct InputVisitor<T>(PhantomData<T>);

impl<T: Input> Visitor<'_> for InputVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a text value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::parse(v).map_err(E::custom)
    }
}

/// The calendar day (in Vietnam) a temporal answer is read as of: `YYYY-MM-DD`, years 1 to 9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsOf(pub NaiveDate);

impl Input for AsOf {
    fn parse(raw: &str) -> Result<Self, String> {
        parse_date(raw).map(Self).ok_or_else(|| format!("'{raw}' is not a date YYYY-MM-DD"))
    }
}

/// An OGC datetime: an instant, a date, or an interval `start/end` with open ends (`..`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window(pub Interval);

impl Input for Window {
    fn parse(raw: &str) -> Result<Self, String> {
        Interval::read(raw).map(Self)
    }
}

/// A bounding box in CRS84 (longitude, latitude).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox(pub BBox);

impl Input for Bbox {
    fn parse(raw: &str) -> Result<Self, String> {
        BBox::parse(raw, Crs::Crs84).map(Self).map_err(|e| strip_name("bbox", &e.0))
    }
}

/// `message` without a leading `name: ` (the spatial checks name their parameter themselves).
fn strip_name(name: &str, message: &str) -> String {
    message.strip_prefix(name).and_then(|m| m.strip_prefix(": ")).unwrap_or(message).to_owned()
}

/// The format of an answer, `f=`: each route says which it serves ([`F::only`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum F {
    /// JSON (for features: GeoJSON).
    Json,
    /// RFC 7946 GeoJSON.
    GeoJson,
    /// CSV (UTF-8 with a BOM).
    Csv,
    /// KML 2.2.
    Kml,
}

impl F {
    /// The name in `f=`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::GeoJson => "geojson",
            Self::Csv => "csv",
            Self::Kml => "kml",
        }
    }

    /// `Ok` when the route serves this format.
    ///
    /// # Errors
    /// `f: 'kml' is not served here; use json or csv`.
    pub fn only(self, served: &[Self]) -> Result<Self, ParamError> {
        if served.contains(&self) {
            return Ok(self);
        }
        let names: Vec<&str> = served.iter().map(|f| f.name()).collect();
        Err(ParamError(format!("f: '{}' is not served here; use {}", self.name(), names.join(" or "))))
    }
}

impl Input for F {
    fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "json" => Ok(Self::Json),
            "geojson" => Ok(Self::GeoJson),
            "csv" => Ok(Self::Csv),
            "kml" => Ok(Self::Kml),
            _ => Err(format!("'{raw}' is not a format; use json, geojson, csv or kml")),
        }
    }
}

/// How many rows to answer, 1 to `MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit<const MAX: u64>(pub u64);

impl<const MAX: u64> Input for Limit<MAX> {
    fn parse(raw: &str) -> Result<Self, String> {
        count(raw, 1, MAX).map(Self)
    }
}

/// How many rows to skip, 0 to 1,000,000,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offset(pub u64);

impl Input for Offset {
    fn parse(raw: &str) -> Result<Self, String> {
        count(raw, 0, 1_000_000_000).map(Self)
    }
}

/// A whole number from `min` to `max`.
///
/// # Errors
/// `'x' is not a whole number from 1 to 50`.
pub fn count(raw: &str, min: u64, max: u64) -> Result<u64, String> {
    raw.parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| format!("'{raw}' is not a whole number from {min} to {max}"))
}

/// Text of 1 to `MAX` characters (after trimming spaces), with no control character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<const MAX: usize>(pub String);

impl<const MAX: usize> Input for Text<MAX> {
    fn parse(raw: &str) -> Result<Self, String> {
        if let Some(why) = text::refusal(raw, Kind::Plain) {
            return Err(why);
        }
        let length = raw.trim().chars().count();
        if (1..=MAX).contains(&length) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(format!("give 1 to {MAX} characters"))
        }
    }
}

impl<const MAX: usize> AsRef<str> for Text<MAX> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

deserialize_input!(AsOf, Window, Bbox, F, Offset, Limit<MAX: u64>, Text<MAX: usize>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_the_same_wherever_the_parameter_is() {
        let err = AsOf::named("as_of", "-5000-01-01").expect_err("year before 1");
        assert_eq!(err.0, "as_of: '-5000-01-01' is not a date YYYY-MM-DD");
        assert_eq!(
            Limit::<50>::named("limit", "51").expect_err("over").0,
            "limit: '51' is not a whole number from 1 to 50"
        );
        assert!(
            Window::named("datetime", "2020-06-30/2020-01-01")
                .expect_err("reversed")
                .0
                .starts_with("datetime: ")
        );
        assert_eq!(Bbox::parse("1,2,3").expect_err("three").as_str(), "expected 4 or 6 numbers, got 3");
    }

    #[test]
    fn a_format_a_route_does_not_serve_is_named() {
        let f = F::parse("kml").expect("a format");
        assert_eq!(
            f.only(&[F::Json, F::Csv]).expect_err("not here").0,
            "f: 'kml' is not served here; use json or csv"
        );
        assert!(F::parse("xml").is_err());
    }

    #[test]
    fn text_refuses_control_characters_and_empty_or_long_values() {
        assert!(Text::<10>::parse("ban\0vuoc").expect_err("NUL").contains("U+0000"));
        assert!(Text::<10>::parse("  ").is_err());
        assert!(Text::<3>::parse("Bản").is_ok() && Text::<2>::parse("Bản").is_err());
    }

    #[test]
    fn query_structs_deserialize_through_the_one_parser() {
        #[derive(serde::Deserialize)]
        struct Q {
            as_of: AsOf,
            limit: Option<Limit<50>>,
        }
        let q: Q = serde_urlencoded::from_str("as_of=2020-04-15&limit=7").expect("parsed");
        assert_eq!((q.as_of.0.to_string(), q.limit), ("2020-04-15".to_owned(), Some(Limit(7))));
        let err = serde_urlencoded::from_str::<Q>("as_of=2020-02-30").err().expect("refused");
        assert_eq!(err.to_string(), "'2020-02-30' is not a date YYYY-MM-DD");
    }
}
