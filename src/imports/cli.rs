//! `antq import ...`: the operator's imports. The command line acts for the province (no
//! jurisdiction, no feature limit) and is audited as `cli:<OS user>`.

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::Context;
use sqlx::PgPool;

use super::ImportError;
use super::points::{self, Caller};
use crate::config::ImportAction;
use crate::db::audit::{Entry, Outcome};

fn operator() -> Entry {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    Entry::new("import", Outcome::Ok).with_user(None, Some(&format!("cli:{user}")))
}

/// A refusal as the operator reads it: the summary, then one line per problem.
fn explain(e: &ImportError) -> anyhow::Error {
    let mut text = e.to_string();
    if let ImportError::Invalid { problems, .. } = &e {
        for p in problems {
            let at = p.index.map_or_else(|| "file".to_owned(), |i| format!("record {i}"));
            let line = p.line.map(|l| format!(" (line {l})")).unwrap_or_default();
            let id = p.id.as_deref().map(|i| format!(" [{i}]")).unwrap_or_default();
            let _ = write!(text, "\n  {at}{line}{id} {}: {}", p.field, p.reason);
        }
    }
    anyhow::anyhow!(text)
}

/// Runs one import.
///
/// # Errors
/// The file cannot be read, or the import is refused (every problem in the message).
pub async fn run(pool: &PgPool, what: ImportAction) -> anyhow::Result<()> {
    let started = Instant::now();
    match what {
        ImportAction::Points { file, layer } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let caller = Caller { entry: operator(), jurisdiction: None };
            let done =
                points::import(pool, layer, &bytes, usize::MAX, &caller).await.map_err(|e| explain(&e))?;
            println!(
                "imported {} {layer:?} from {} (ids {}-{}) in {:.2} s",
                done.inserted,
                file.display(),
                done.first_id.unwrap_or_default(),
                done.last_id.unwrap_or_default(),
                started.elapsed().as_secs_f64()
            );
        }
        ImportAction::Gpx { file, patrol } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let caller = Caller { entry: operator(), jurisdiction: None };
            let after =
                super::tracks::upload(pool, patrol, &bytes, &caller).await.map_err(|e| explain(&e))?;
            println!(
                "patrol {} now has {} tracks, {} m recorded from {} to {} ({:.2} s)",
                after["code"].as_str().unwrap_or_default(),
                after["tracks"],
                after["recorded_length_m"],
                after["recorded_start"].as_str().unwrap_or("unknown"),
                after["recorded_end"].as_str().unwrap_or("unknown"),
                started.elapsed().as_secs_f64()
            );
        }
        ImportAction::Boundaries { file, level, valid_from, srid, make_valid, dry_run, threshold_km2 } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let caller = Caller { entry: operator(), jurisdiction: None };
            let options =
                super::boundaries::Options { level, valid_from, srid, make_valid, dry_run, threshold_km2 };
            let report =
                super::boundaries::import(pool, &bytes, &options, &caller).await.map_err(|e| explain(&e))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            eprintln!(
                "{} in {:.2} s",
                if dry_run { "checked" } else { "imported" },
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
