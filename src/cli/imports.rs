//! `antq import ...`: the operator's imports. The command line acts for the province (no
//! jurisdiction, no feature limit) and is audited as `cli:<OS user>`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;
use sqlx::PgPool;

use crate::db::audit::{Entry, Outcome};
use crate::imports::points::{self, Caller, PointLayer};
use crate::imports::{ImportError, boundaries, tracks};

/// `antq import ...`: all or nothing; a refused file lists every bad record and writes nothing.
#[derive(Debug, Clone, Subcommand)]
pub enum ImportAction {
    /// Points from CSV (`code,category,observed_at,lon,lat,description,...`) or GeoJSON.
    Points {
        /// The file (`.csv`, `.geojson` or `.json`).
        file: PathBuf,
        /// The layer the points go to.
        #[arg(long, value_enum)]
        layer: PointLayer,
    },
    /// A GPX file's tracks (each segment one track) into a patrol.
    Gpx {
        /// The `.gpx` file.
        file: PathBuf,
        /// The patrol's id.
        #[arg(long)]
        patrol: i64,
    },
    /// Administrative boundaries (GeoJSON) as new versions of the units of one level.
    Boundaries {
        /// The `.geojson` file.
        file: PathBuf,
        /// The level of every unit in the file.
        #[arg(long, value_parser = ["district", "commune", "village"])]
        level: String,
        /// The first day of the new versions (YYYY-MM-DD).
        #[arg(long)]
        valid_from: chrono::NaiveDate,
        /// The file's EPSG code (4326, 4756, 3405, 9208); default: its `crs` member, else 4326.
        #[arg(long)]
        srid: Option<i32>,
        /// Repair invalid geometry (the area change is reported) instead of refusing it.
        #[arg(long)]
        make_valid: bool,
        /// Report only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Overlaps, gaps and parts outside the parent smaller than this (km²) are not reported.
        #[arg(long, default_value_t = 0.01)]
        threshold_km2: f64,
        /// A reorganisation: a CSV naming, per row, a current unit (`old_code`) and the unit of
        /// the file it becomes part of (`new_code`), with `basis` or `clause`. Exactly those close.
        #[arg(long)]
        successors: Option<PathBuf>,
        /// The resolution a `clause` column refers to ("Nghị quyết 1673/NQ-UBTVQH15").
        #[arg(long, requires = "successors")]
        basis: Option<String>,
    },
}

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
            let after = tracks::upload(pool, patrol, &bytes, &caller).await.map_err(|e| explain(&e))?;
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
        ImportAction::Boundaries {
            file,
            level,
            valid_from,
            srid,
            make_valid,
            dry_run,
            threshold_km2,
            successors,
            basis,
        } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let successors = match successors {
                Some(path) => {
                    let csv =
                        std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
                    crate::imports::successions::read_csv(&csv, basis.as_deref()).map_err(|e| explain(&e))?
                }
                None => Vec::new(),
            };
            let caller = Caller { entry: operator(), jurisdiction: None };
            let options = boundaries::Options {
                level,
                valid_from,
                srid,
                make_valid,
                dry_run,
                threshold_km2,
                successors,
            };
            let report =
                boundaries::import(pool, &bytes, &options, &caller).await.map_err(|e| explain(&e))?;
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
