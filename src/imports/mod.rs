//! Imports of files: points (CSV, GeoJSON) into key points and model sites, GPX tracks into a
//! patrol. Each import is all or nothing: every record is checked first and every problem is
//! listed (index, id, field, reason), and only a file without any is written, in one
//! transaction with its audit row. The same code serves the command line and the HTTP routes.

pub mod boundaries;
pub mod gpx;
pub mod points;
pub mod records;
pub mod shp;
pub mod successions;
pub mod tracks;

use serde::Serialize;
use serde_json::{Value, json};

/// The largest body an import route reads (bytes).
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// The most features one request may carry (the command line has no limit).
pub const MAX_FEATURES: usize = 100_000;
/// The most vertices one geometry may have (a track segment, a boundary).
pub const MAX_VERTICES: usize = 100_000;

/// One problem with one record of a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// The record's position, from 0 (features) — `None` for the file as a whole (a header).
    pub index: Option<usize>,
    /// The record's line in the file, from 1, when known (CSV, GPX).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The record's own id (its `code`), when it has one.
    pub id: Option<String>,
    /// The field at fault.
    pub field: String,
    /// What is wrong, and for a swapped latitude and longitude, that they are.
    pub reason: String,
}

impl Problem {
    /// A problem with `field` of record `index` (id `id`).
    #[must_use]
    pub fn new(index: Option<usize>, id: Option<&str>, field: &str, reason: impl Into<String>) -> Self {
        Self { index, line: None, id: id.map(str::to_owned), field: field.to_owned(), reason: reason.into() }
    }
}

/// Why an import was refused; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be read as its format at all; the message names the line or record.
    #[error("{0}")]
    Malformed(String),
    /// The file is larger than a limit; the message names it.
    #[error("{0}")]
    TooLarge(String),
    /// A limit on features or vertices is exceeded; the message names it.
    #[error("{0}")]
    OverLimit(String),
    /// Records are bad: every one of them.
    #[error("{} of {total} records are invalid; nothing was imported", problems.len())]
    Invalid {
        /// How many records the file has.
        total: usize,
        /// Every problem found.
        problems: Vec<Problem>,
    },
    /// The caller may not write there (a track outside its jurisdiction).
    #[error("{0}")]
    Forbidden(String),
    /// The target cannot take it (an archived patrol).
    #[error("{0}")]
    Conflict(String),
    /// A referenced thing (the patrol) does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl ImportError {
    /// The problems as JSON, for the answer's `errors`.
    #[must_use]
    pub fn problems_json(&self) -> Vec<Value> {
        match self {
            Self::Invalid { problems, .. } => problems.iter().map(|p| json!(p)).collect(),
            _ => Vec::new(),
        }
    }
}

/// What an import wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    /// Rows inserted.
    pub inserted: i64,
    /// The first and last new id.
    pub first_id: Option<i64>,
    /// The last new id.
    pub last_id: Option<i64>,
}
