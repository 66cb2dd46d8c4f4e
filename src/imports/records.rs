//! A point file (CSV with a header, or a GeoJSON `FeatureCollection` of Points) as plain
//! records: text fields by name, and the position. A file that cannot be read at all is
//! `Malformed`, naming the line; a record's own faults become problems and reading goes on, so
//! every bad record is reported, not only the first.

use std::collections::HashMap;

use serde_json::Value;

use super::{ImportError, Problem};

/// One record: its position in the file, its line (CSV), its fields and its point.
#[derive(Debug, Clone)]
pub struct Record {
    /// From 0.
    pub index: usize,
    /// From 1 (CSV).
    pub line: Option<u64>,
    /// Text fields by name; absent or empty fields are not here.
    pub fields: HashMap<String, String>,
    /// Longitude and latitude, when the record has a readable point.
    pub point: Option<(f64, f64)>,
}

impl Record {
    /// The field `name`, if present.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// A problem with `field` of this record.
    #[must_use]
    pub fn problem(&self, field: &str, reason: impl Into<String>) -> Problem {
        Problem { line: self.line, ..Problem::new(Some(self.index), self.get("code"), field, reason) }
    }
}

/// Whether `bytes` look like GeoJSON rather than CSV.
#[must_use]
pub fn looks_like_json(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Reads CSV or GeoJSON (by `json`); problems with single records are returned with the records.
///
/// # Errors
/// `Malformed` naming the line; `OverLimit` beyond `max_features`.
pub fn read(
    bytes: &[u8],
    json: bool,
    max_features: usize,
) -> Result<(Vec<Record>, Vec<Problem>), ImportError> {
    if json { read_geojson(bytes, max_features) } else { read_csv(bytes, max_features) }
}

fn over(max: usize) -> ImportError {
    ImportError::OverLimit(format!(
        "more than {max} features in one request (the limit is {max}); split the file"
    ))
}

fn read_csv(bytes: &[u8], max: usize) -> Result<(Vec<Record>, Vec<Problem>), ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].split(|b| *b == b'\n').count();
        ImportError::Malformed(format!("line {line}: the CSV is not UTF-8"))
    })?;
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ImportError::Malformed(format!("line 1: unreadable CSV header: {e}")))?
        .iter()
        .map(str::to_lowercase)
        .collect();
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for (index, row) in reader.records().enumerate() {
        let row = row.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            ImportError::Malformed(format!("line {line} (record {index}): malformed CSV: {e}"))
        })?;
        if index >= max {
            return Err(over(max));
        }
        let fields: HashMap<String, String> = headers
            .iter()
            .zip(row.iter())
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.clone(), v.to_owned()))
            .collect();
        let mut record = Record { index, line: row.position().map(csv::Position::line), fields, point: None };
        let coordinate = |name: &str| -> Result<Option<f64>, Problem> {
            match record.get(name) {
                None => Err(record.problem(name, "missing")),
                Some(v) => v
                    .parse::<f64>()
                    .map(Some)
                    .map_err(|_| record.problem(name, format!("{v:?} is not a number"))),
            }
        };
        match (coordinate("lon"), coordinate("lat")) {
            (Ok(Some(lon)), Ok(Some(lat))) => record.point = Some((lon, lat)),
            (lon, lat) => problems.extend(lon.err().into_iter().chain(lat.err())),
        }
        record.fields.remove("lon");
        record.fields.remove("lat");
        records.push(record);
    }
    Ok((records, problems))
}

fn read_geojson(bytes: &[u8], max: usize) -> Result<(Vec<Record>, Vec<Problem>), ImportError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        ImportError::Malformed(format!("line {}, column {}: malformed JSON: {e}", e.line(), e.column()))
    })?;
    if value["type"] != "FeatureCollection" || !value["features"].is_array() {
        return Err(ImportError::Malformed("the GeoJSON must be a FeatureCollection with features".into()));
    }
    let features = value["features"].as_array().map(Vec::as_slice).unwrap_or_default();
    if features.len() > max {
        return Err(over(max));
    }
    let mut records = Vec::with_capacity(features.len());
    let mut problems = Vec::new();
    for (index, feature) in features.iter().enumerate() {
        let fields: HashMap<String, String> = feature["properties"]
            .as_object()
            .map(|p| {
                p.iter()
                    .filter_map(|(k, v)| match v {
                        Value::Null => None,
                        Value::String(s) if s.trim().is_empty() => None,
                        Value::String(s) => Some((k.to_lowercase(), s.trim().to_owned())),
                        other => Some((k.to_lowercase(), other.to_string())),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut record = Record { index, line: None, fields, point: None };
        if !record.fields.contains_key("code")
            && let Some(id) = feature["id"].as_str()
        {
            record.fields.insert("code".into(), id.to_owned());
        }
        let geometry = &feature["geometry"];
        let c = &geometry["coordinates"];
        match (geometry["type"].as_str(), c[0].as_f64(), c[1].as_f64()) {
            (Some("Point"), Some(lon), Some(lat)) => record.point = Some((lon, lat)),
            (Some("Point"), _, _) => {
                problems.push(record.problem("geometry", "a Point needs [lon, lat] numbers"));
            }
            (None, _, _) => problems.push(record.problem("geometry", "missing")),
            (Some(other), _, _) => {
                problems.push(record.problem("geometry", format!("a {other}; points only")));
            }
        }
        records.push(record);
    }
    Ok((records, problems))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_records_keep_their_line_and_a_bad_number_is_a_problem_not_a_failure() {
        let csv = "code,category,observed_at,lon,lat\nA,drugs,2020-01-01,104.0,22.5\nB,drugs,2020-01-01,east,22.5\n";
        let (records, problems) = read(csv.as_bytes(), false, 10).expect("read");
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].point, Some((104.0, 22.5)));
        assert_eq!(problems.len(), 1);
        assert_eq!(
            (problems[0].index, problems[0].line, problems[0].field.as_str()),
            (Some(1), Some(3), "lon")
        );
    }

    #[test]
    fn a_ragged_csv_row_and_broken_json_name_their_line() {
        let csv = "code,lon,lat\nA,1,2\nB,1\n";
        let err = read(csv.as_bytes(), false, 10).expect_err("ragged");
        assert!(err.to_string().starts_with("line 3"), "{err}");
        let json = "{\"type\": \"FeatureCollection\",\n \"features\": [\n {\"type\": }]}";
        let err = read(json.as_bytes(), true, 10).expect_err("broken");
        assert!(err.to_string().starts_with("line 3"), "{err}");
    }
}
