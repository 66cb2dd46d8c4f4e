//! Data sets on disk (the Lao Cai demo in `fixtures/laocai`): reading their files and handing
//! them to the loader. How the demo files are made is told in `fixtures/README.md`.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Map, Value};
use sqlx::PgPool;

use crate::db::load::{self, Format, STEPS, StepOutcome};

/// What a load did.
#[derive(Debug)]
pub struct Loaded {
    /// Rows inserted per file.
    pub steps: Vec<StepOutcome>,
    /// Time spent in the database transaction.
    pub elapsed: Duration,
}

impl Loaded {
    /// Rows inserted in all.
    #[must_use]
    pub fn inserted(&self) -> u64 {
        self.steps.iter().map(|s| s.inserted).sum()
    }
}

/// Reads every file of the data set in `dir` and loads it in one transaction.
///
/// # Errors
/// A file is missing or malformed, or the database refuses a row (nothing is then written).
pub async fn load_dir(pool: &PgPool, dir: &Path) -> anyhow::Result<Loaded> {
    let inputs = read_dir(dir)?;
    let started = Instant::now();
    let steps = load::load(pool, &inputs).await?;
    Ok(Loaded { steps, elapsed: started.elapsed() })
}

/// Every file of the data set as the JSON text its statement binds.
///
/// # Errors
/// A file is missing, is not UTF-8, or is not well-formed CSV.
pub fn read_dir(dir: &Path) -> anyhow::Result<Vec<(&'static load::Step, String)>> {
    STEPS
        .iter()
        .map(|step| {
            let path = dir.join(step.file);
            let text =
                std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let json = match step.format {
                Format::GeoJson => text,
                Format::Csv => {
                    csv_to_json(&text).with_context(|| format!("{} is not valid CSV", path.display()))?
                }
            };
            Ok((step, json))
        })
        .collect()
}

/// A CSV table with a header as a JSON array of objects; empty fields become `null`.
fn csv_to_json(text: &str) -> anyhow::Result<String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        let row: Map<String, Value> = header
            .iter()
            .zip(record.iter())
            .map(|(k, v)| (k.clone(), if v.is_empty() { Value::Null } else { Value::String(v.to_owned()) }))
            .collect();
        rows.push(Value::Object(row));
    }
    Ok(Value::Array(rows).to_string())
}

#[cfg(test)]
mod tests {
    use super::csv_to_json;

    #[test]
    fn csv_fields_become_strings_and_empty_ones_null() {
        let json = csv_to_json("a,b\n\"x, y\",\n").expect("csv");
        assert_eq!(json, r#"[{"a":"x, y","b":null}]"#);
    }
}
