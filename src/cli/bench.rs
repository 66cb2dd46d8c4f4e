//! `antq bench-hotspots` (hidden), for `bench/hotspots.sh`: times the hotspots layer's run over
//! the province (grid, counts, Gi*, FDR, kernel density, stored cells) and Gi* + FDR alone, and
//! writes the cell counts, the neighbour lists and this service's z-scores so that the script can
//! run PySAL esda on exactly the same input.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use sqlx::PgPool;

use crate::analysis::{self, gistar};
use crate::db::analysis::PointFilter;
use crate::layers::analysis_runs::{Analysis, Request, grid_counts, prepare};

/// `antq bench-hotspots`: see `bench/hotspots.sh`.
#[derive(Debug, Clone, Args)]
pub struct BenchHotspots {
    /// Hexagon edge, m.
    #[arg(long, env = "ANTQ_BENCH_CELL")]
    pub cell: f64,
    /// The province boundary's date (YYYY-MM-DD).
    #[arg(long, env = "ANTQ_BENCH_AS_OF", default_value = "2020-06-30")]
    pub as_of: chrono::NaiveDate,
    /// Repetitions of each timing; the median is reported.
    #[arg(long, env = "ANTQ_BENCH_REPEAT", default_value_t = 5)]
    pub repeat: usize,
    /// Directory for the counts, weights and z-scores compared with esda.
    #[arg(long, env = "ANTQ_BENCH_OUT")]
    pub out: PathBuf,
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v.get(v.len() / 2).map_or(0.0, Duration::as_secs_f64) * 1000.0
}

/// Runs the benchmark and prints one `key=value` line per figure.
///
/// # Errors
/// The database fails or the output directory cannot be written.
pub async fn hotspots(pool: &PgPool, bench: &BenchHotspots) -> anyhow::Result<()> {
    let req = Request {
        cell: Some(bench.cell),
        radius: None,
        points: PointFilter { as_of: bench.as_of, start: None, end: None, category: None },
    };
    let repeat = bench.repeat.max(1);
    let mut layer = Vec::new();
    for _ in 0..repeat {
        // Forget stored runs, so that each repetition computes the layer as a first request does.
        crate::db::analysis::forget_runs(pool).await?;
        let started = Instant::now();
        prepare(pool, Analysis::HotSpots, &req).await?;
        layer.push(started.elapsed());
    }
    let started = Instant::now();
    prepare(pool, Analysis::HotSpots, &req).await?;
    let cached = started.elapsed();

    let (_, grid, counts) = grid_counts(pool, &req).await?;
    let x: Vec<f64> = counts.iter().map(|&n| f64::from(n)).collect();
    let centres: Vec<(f64, f64)> = grid.iter().map(|c| (c.cx, c.cy)).collect();
    let started = Instant::now();
    let weights = gistar::Weights::distance_band(&centres, gistar::hexagon_band(bench.cell));
    let weights_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut stats = Vec::new();
    let mut result = None;
    for _ in 0..repeat.max(20) {
        let started = Instant::now();
        result = Some(analysis::hot_spots_with(&x, &weights));
        stats.push(started.elapsed());
    }
    let result = result.context("at least one repetition")?;

    std::fs::create_dir_all(&bench.out)?;
    let mut cells = String::from("i,j,x,y,count,z,p,bin\n");
    for (k, c) in grid.iter().enumerate() {
        let (gi_z, gi_p, gi_bin) = (result.z[k], result.p[k], result.bin[k]);
        writeln!(cells, "{},{},{},{},{},{gi_z:e},{gi_p:e},{gi_bin}", c.i, c.j, c.cx, c.cy, counts[k])?;
    }
    std::fs::write(bench.out.join("cells.csv"), cells)?;
    // One line per cell: its neighbours' row numbers, itself excluded (esda adds it with star).
    let mut lines = String::new();
    for (k, near) in weights.neighbours.iter().enumerate() {
        let others: Vec<String> =
            near.iter().filter(|&&j| j as usize != k).map(ToString::to_string).collect();
        writeln!(lines, "{}", others.join(" "))?;
    }
    std::fs::write(bench.out.join("neighbours.txt"), lines)?;
    println!("cell_m={}", bench.cell);
    println!("cells={}", grid.len());
    println!("points={}", counts.iter().map(|&n| i64::from(n)).sum::<i64>());
    println!("layer_run_ms={:.1}", median(layer));
    println!("layer_cached_ms={:.1}", cached.as_secs_f64() * 1000.0);
    println!("weights_ms={weights_ms:.1}");
    println!("gi_fdr_ms={:.3}", median(stats));
    Ok(())
}
