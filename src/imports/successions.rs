//! A reorganisation's successions: which current units each new unit of a boundary import
//! replaces, and on what basis. They come from a CSV beside the boundary file (the command line's
//! `--successors`, one row per predecessor, as `../shared/data/reorg2025/successors_2025.csv`) or
//! from the features themselves (`predecessors`, an array of codes or a comma-separated text, and
//! `basis`), which is how the admin route, taking one file, carries them.
//!
//! Why not infer them from the geometry (as an import without successions does, closing the
//! current units a changed unit now covers): a resolution names its merges, and a boundary drawn
//! a little off must not close a neighbour or miss a predecessor. With successions the import
//! closes exactly the units named, records each change with its basis, and reports where the
//! geometry disagrees with the names.

use serde_json::Value;

use super::{ImportError, Problem};
use crate::text::{self, Kind};

/// One predecessor of one new unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Succession {
    /// Where it was read: the CSV's line (from 1, the header being line 1), or `None` for a
    /// feature's `predecessors`.
    pub line: Option<u64>,
    /// The feature it was read from, for `predecessors`.
    pub index: Option<usize>,
    /// The current unit that closes.
    pub old_code: String,
    /// The unit of the file it becomes part of.
    pub new_code: String,
    /// The legal basis recorded with the change ("Nghị quyết 1673/NQ-UBTVQH15, khoản 90").
    pub basis: Option<String>,
}

/// The successions of a CSV with a header naming at least `old_code` and `new_code`, and
/// optionally `basis` (the whole text) or `clause` (a clause number, written as
/// "`basis`, khoản N" with the `basis` given here, or "khoản N" alone). Other columns are ignored,
/// so the resolution's own tables can be given as they are.
///
/// # Errors
/// `Malformed` for a file that is not CSV or lacks a column; `Invalid` with every row whose
/// codes are missing or hold a control character.
pub fn read_csv(bytes: &[u8], basis: Option<&str>) -> Result<Vec<Succession>, ImportError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes);
    let headers =
        reader.headers().map_err(|e| ImportError::Malformed(format!("successors: line 1: {e}")))?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(old), Some(new)) = (column("old_code"), column("new_code")) else {
        return Err(ImportError::Malformed(
            "successors: line 1: the header must name the columns old_code and new_code".into(),
        ));
    };
    let (basis_column, clause_column) = (column("basis"), column("clause"));
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(|e| ImportError::Malformed(format!("successors: line {}: {e}", i + 2)))?;
        let line = u64::try_from(i + 2).unwrap_or(u64::MAX);
        let cell = |c: Option<usize>| c.and_then(|c| row.get(c)).filter(|v| !v.is_empty()).map(str::to_owned);
        let mut problem = |field: &str, reason: String| {
            let mut p = Problem::new(None, row.get(new), field, format!("successors: {reason}"));
            p.line = Some(line);
            problems.push(p);
        };
        let (old_code, new_code) = (cell(Some(old)), cell(Some(new)));
        let basis = cell(basis_column).or_else(|| {
            cell(clause_column)
                .map(|k| basis.map_or_else(|| format!("khoản {k}"), |b| format!("{b}, khoản {k}")))
        });
        for (field, value) in [("old_code", &old_code), ("new_code", &new_code), ("basis", &basis)] {
            match value {
                None if field != "basis" => problem(field, "missing".into()),
                Some(v) => {
                    if let Some(why) = text::refusal(v, Kind::Plain) {
                        problem(field, why);
                    }
                }
                None => {}
            }
        }
        if let (Some(old_code), Some(new_code)) = (old_code, new_code) {
            out.push(Succession { line: Some(line), index: None, old_code, new_code, basis });
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(ImportError::Invalid { total: out.len(), problems }) }
}

/// The successions the features of `collection` name in their `predecessors` property (an array
/// of codes, or one text of codes separated by commas), each with the feature's `basis`.
///
/// # Errors
/// `Invalid` with every feature whose `predecessors` is neither, or whose basis or a code holds a
/// control character.
pub fn from_features(collection: &Value) -> Result<Vec<Succession>, ImportError> {
    let features = collection["features"].as_array().map(Vec::as_slice).unwrap_or_default();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let p = &f["properties"];
        let code = p["code"].as_str().map(str::trim).unwrap_or_default();
        let codes: Vec<String> = match &p["predecessors"] {
            Value::Null => continue,
            Value::String(s) => {
                s.split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect()
            }
            Value::Array(items) if items.iter().all(Value::is_string) => {
                items.iter().filter_map(Value::as_str).map(|c| c.trim().to_owned()).collect()
            }
            _ => {
                problems.push(Problem::new(
                    Some(i),
                    Some(code),
                    "predecessors",
                    "must be an array of codes or a text of codes separated by commas",
                ));
                continue;
            }
        };
        let basis = p["basis"].as_str().map(str::trim).filter(|b| !b.is_empty()).map(str::to_owned);
        for (field, value) in
            codes.iter().map(|c| ("predecessors", c)).chain(basis.iter().map(|b| ("basis", b)))
        {
            if let Some(why) = text::refusal(value, Kind::Plain) {
                problems.push(Problem::new(Some(i), Some(code), field, why));
            }
        }
        out.extend(codes.into_iter().map(|old_code| Succession {
            line: None,
            index: Some(i),
            old_code,
            new_code: code.to_owned(),
            basis: basis.clone(),
        }));
    }
    if problems.is_empty() { Ok(out) } else { Err(ImportError::Invalid { total: features.len(), problems }) }
}
