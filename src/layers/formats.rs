//! The text of the formats the service writes, in one place each: CSV (layer exports, reports,
//! analyses) with the spreadsheet-formula defence, and the GeoJSON `FeatureCollection` around
//! features PostGIS has already written (item pages and exports). A second hand-made copy of
//! either is how one of them came to lack the defence.

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One CSV cell: RFC 4180 quoting where needed. A text cell starting with `= + - @`, a tab or a
/// carriage return gets a leading apostrophe, so a spreadsheet shows it instead of running it as
/// a formula (OWASP "CSV injection"); numbers keep their sign.
#[must_use]
pub fn csv_cell(value: &str, is_text: bool) -> String {
    let guarded = if is_text && value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// One CSV line of `(value, is_text)` cells, with its CRLF.
#[must_use]
pub fn csv_line<'a>(cells: impl IntoIterator<Item = (&'a str, bool)>) -> String {
    let mut line = cells.into_iter().map(|(v, text)| csv_cell(v, text)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// A JSON value as a CSV cell: strings are text (defused), numbers and booleans as written,
/// null empty, anything nested as its JSON text (and so text).
fn json_cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => csv_cell(s, true),
        Value::Number(_) | Value::Bool(_) => csv_cell(&value.to_string(), false),
        nested => csv_cell(&nested.to_string(), true),
    }
}

/// `rows` as a UTF-8 CSV table with a header of their field names, in the order the type declares
/// them. Every string cell goes through [`csv_cell`], whatever the row type.
///
/// # Errors
/// A row that does not serialise as a JSON object of fields.
pub fn csv_table<T: Serialize>(rows: &[T]) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        // Through the JSON text, not a `Value`: a `Value`'s map sorts the fields.
        let Fields(fields) = serde_json::from_str(&serde_json::to_string(row)?)?;
        if i == 0 {
            out.push_str(&csv_line(fields.iter().map(|(name, _)| (name.as_str(), true))));
        }
        let cells: Vec<String> = fields.iter().map(|(_, v)| json_cell(v)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    Ok(out.into_bytes())
}

/// `(key, value)` pairs as the two-column CSV table `key,value`; an object value becomes one row
/// per member (`ethnic_shares.Mông`).
#[must_use]
pub fn csv_key_values(fields: &serde_json::Map<String, Value>) -> Vec<u8> {
    let mut out = csv_line([("key", true), ("value", true)]);
    for (key, value) in fields {
        let mut row = |k: &str, v: &Value| {
            out.push_str(&csv_cell(k, true));
            out.push(',');
            out.push_str(&json_cell(v));
            out.push_str("\r\n");
        };
        match value {
            Value::Object(members) => {
                for (member, v) in members {
                    row(&format!("{key}.{member}"), v);
                }
            }
            other => row(key, other),
        }
    }
    out.into_bytes()
}

/// An object's fields in the order they were written.
struct Fields(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> Visitor<'de> for InOrder {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a row object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    fields.push(entry);
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

/// A GeoJSON `FeatureCollection` written around features that are already GeoJSON text (PostGIS
/// writes them; splicing saves parsing them again), into a buffer that may be sent in chunks
/// between features.
#[derive(Debug)]
pub struct FeatureCollection {
    first: bool,
    separator: &'static [u8],
}

impl FeatureCollection {
    /// Opens the collection in `buf`, with a `name` member when given; `one_per_line` puts each
    /// feature on a line of its own (files people open), otherwise the text is compact.
    #[must_use]
    pub fn open(buf: &mut Vec<u8>, name: Option<&str>, one_per_line: bool) -> Self {
        buf.extend_from_slice(b"{\"type\":\"FeatureCollection\",");
        if let Some(name) = name {
            buf.extend_from_slice(b"\"name\":");
            buf.extend_from_slice(Value::from(name).to_string().as_bytes());
            buf.push(b',');
        }
        buf.extend_from_slice(b"\"features\":[");
        if one_per_line {
            buf.push(b'\n');
        }
        Self { first: true, separator: if one_per_line { b",\n" } else { b"," } }
    }

    /// Adds one feature (GeoJSON text).
    pub fn push(&mut self, buf: &mut Vec<u8>, feature: &str) {
        if !self.first {
            buf.extend_from_slice(self.separator);
        }
        self.first = false;
        buf.extend_from_slice(feature.as_bytes());
    }

    /// Closes the feature list and the collection, with `members` after it (OGC API's
    /// `numberMatched`, `links`, …).
    pub fn close(self, buf: &mut Vec<u8>, members: &[(&str, Value)]) {
        if self.separator.len() > 1 {
            buf.push(b'\n');
        }
        buf.push(b']');
        for (key, value) in members {
            buf.push(b',');
            buf.extend_from_slice(Value::from(*key).to_string().as_bytes());
            buf.push(b':');
            buf.extend_from_slice(value.to_string().as_bytes());
        }
        buf.push(b'}');
        if self.separator.len() > 1 {
            buf.push(b'\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_cell("Bản Vược", true), "Bản Vược");
        assert_eq!(csv_cell("a,b", true), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\"", true), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")", true), "\"'=HYPERLINK(\"\"x\"\")\"");
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx"] {
            assert_eq!(csv_cell(formula, true), format!("'{formula}"));
        }
        assert_eq!(csv_cell("-12.5", false), "-12.5");
    }

    #[derive(Serialize)]
    struct Row {
        name: String,
        code: &'static str,
        count: i64,
        share: Option<f64>,
    }

    #[test]
    fn a_table_keeps_the_field_order_and_defuses_every_string() {
        let rows = [
            Row { name: "=cmd|' /C calc'!A0".into(), code: "02", count: -3, share: None },
            Row { name: "Bản, \"Vược\"".into(), code: "@x", count: 4, share: Some(0.5) },
        ];
        let text = String::from_utf8(csv_table(&rows).expect("table")).expect("utf-8");
        assert_eq!(
            text,
            "name,code,count,share\r\n'=cmd|' /C calc'!A0,02,-3,\r\n\"Bản, \"\"Vược\"\"\",'@x,4,0.5\r\n"
        );
    }

    #[test]
    fn key_values_flatten_one_level_and_defuse() {
        let report = serde_json::json!({ "name": "+Lào Cai", "ethnic_shares": { "Mông": 0.3 }, "n": -1 });
        let text = String::from_utf8(csv_key_values(report.as_object().expect("object"))).expect("utf-8");
        assert_eq!(text, "key,value\r\nethnic_shares.Mông,0.3\r\nn,-1\r\nname,'+Lào Cai\r\n");
    }

    #[test]
    fn a_feature_collection_is_valid_json_either_way() {
        for one_per_line in [false, true] {
            let mut buf = Vec::new();
            let mut fc = FeatureCollection::open(&mut buf, Some("key \"points\""), one_per_line);
            for id in [1, 2] {
                fc.push(
                    &mut buf,
                    &format!("{{\"type\":\"Feature\",\"id\":{id},\"geometry\":null,\"properties\":{{}}}}"),
                );
            }
            fc.close(&mut buf, &[("numberReturned", Value::from(2))]);
            let parsed: Value = serde_json::from_slice(&buf).expect("JSON");
            assert_eq!(parsed["type"], "FeatureCollection");
            assert_eq!(parsed["name"], "key \"points\"");
            assert_eq!(parsed["features"][1]["id"], 2);
            assert_eq!(parsed["numberReturned"], 2);
        }
        let mut empty = Vec::new();
        FeatureCollection::open(&mut empty, None, false).close(&mut empty, &[]);
        assert_eq!(empty, b"{\"type\":\"FeatureCollection\",\"features\":[]}");
    }
}
