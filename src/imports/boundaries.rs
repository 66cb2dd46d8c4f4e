//! Boundary import: a GeoJSON `FeatureCollection` of (Multi)Polygons (or a zipped Shapefile,
//! read into the same collection by `shp`) with `code`, `name`, and
//! optionally `kind` and `parent_code`, in WGS 84, VN-2000 geographic (EPSG:4756), VN-2000 /
//! UTM 48N (EPSG:3405) or VN-2000 / Lao Cai TM-3 (EPSG:9208, defined in the schema). Units that
//! changed close their current version and open a new one from `valid_from`; unchanged units
//! are left alone; current units whose area a changed unit now covers are closed (a merge).
//!
//! The report lists per feature its geometry checks (PostGIS's reason for an invalid one, the
//! area a `--make-valid` repair changed, clockwise rings turned), and for the file duplicate
//! codes, unknown parents, units outside their parent, sibling overlaps and gaps inside a
//! parent above the threshold, and names that differ from the official list (a warning, with
//! the official name suggested when only diacritics, case or spacing differ). Invalid geometry
//! (without `--make-valid`), duplicate codes and unknown parents refuse the file; nothing is
//! written then, nor on `--dry-run`. So does a unit whose code already has a version beginning
//! on or after `valid_from` (named, with its dates and the ways on).
//!
//! With successions (`successions`: a reorganisation), exactly the named predecessors close, the
//! changes are recorded with their basis, villages follow their commune, and the report adds per
//! new unit its area against the union of its predecessors (`db::reorganise`).

use chrono::NaiveDate;
use serde_json::{Value, json};
use sqlx::PgPool;

use super::points::Caller;
use super::successions::{self, Succession};
use super::{ImportError, MAX_VERTICES, Problem};
use crate::db::{audit, boundaries as db, reorganise};
use crate::text::{Kind, refusal};

/// How to import.
#[derive(Debug, Clone)]
pub struct Options {
    /// `district`, `commune` or `village`.
    pub level: String,
    /// The first day of the new versions.
    pub valid_from: NaiveDate,
    /// The file's SRID; `None`: from its `crs` member, else 4326.
    pub srid: Option<i32>,
    /// Repair invalid geometry instead of refusing it.
    pub make_valid: bool,
    /// Report only.
    pub dry_run: bool,
    /// Overlaps, gaps and parts outside the parent below this (km²) are not reported.
    pub threshold_km2: f64,
    /// Successions read beside the file (`--successors`); the features' own `predecessors` are
    /// added to them.
    pub successors: Vec<Succession>,
}

/// The file as a `FeatureCollection` and its SRID: a zipped Shapefile (by its magic bytes) is
/// read into the same collection, its SRID from `given`, else its `.prj`; GeoJSON's from
/// `given`, else its `crs` member, else 4326 (RFC 7946).
///
/// # Errors
/// `Malformed` naming the line or the file and record; an unsupported or missing SRID;
/// `TooLarge` for a zip that inflates beyond its limit.
pub fn parse(bytes: &[u8], given: Option<i32>) -> Result<(Value, i32), ImportError> {
    let (collection, srid) = if super::shp::is_zip(bytes) {
        let (collection, prj) = super::shp::read(bytes)?;
        let srid = given.or(prj).ok_or_else(|| {
            ImportError::Malformed(
                "the Shapefile has no .prj; give its coordinate system with --srid (srid=)".into(),
            )
        })?;
        (collection, srid)
    } else {
        let collection: Value = serde_json::from_slice(bytes).map_err(|e| {
            ImportError::Malformed(format!("line {}, column {}: malformed JSON: {e}", e.line(), e.column()))
        })?;
        if collection["type"] != "FeatureCollection" || !collection["features"].is_array() {
            return Err(ImportError::Malformed(
                "the GeoJSON must be a FeatureCollection with features".into(),
            ));
        }
        let named =
            collection["crs"]["properties"]["name"].as_str().and_then(|n| n.rsplit(':').next()?.parse().ok());
        let srid = given.or(named).unwrap_or(4326);
        (collection, srid)
    };
    let srid = crate::spatial::check_import_srid(srid).map_err(|e| ImportError::Malformed(e.0))?;
    Ok((collection, srid))
}

fn vertices(geometry: &Value) -> usize {
    match geometry {
        Value::Array(items) if items.first().is_some_and(Value::is_number) => 1,
        Value::Array(items) => items.iter().map(vertices).sum(),
        _ => 0,
    }
}

/// The units of a parsed boundary file, as columns for staging.
#[derive(Debug, Default)]
pub struct Units {
    /// Codes.
    pub codes: Vec<String>,
    /// Names.
    pub names: Vec<String>,
    /// Kinds (the level's default when absent).
    pub kinds: Vec<String>,
    /// Parent codes.
    pub parents: Vec<Option<String>>,
    /// Geometries as GeoJSON text.
    pub shapes: Vec<String>,
}

/// The units of `collection` (from [`parse`]) at `level`, checked field by field.
///
/// # Errors
/// `OverLimit` for a geometry over [`MAX_VERTICES`]; `Invalid` with every missing code or
/// name and every geometry that is not a (Multi)Polygon.
pub fn units(collection: &Value, level: &str) -> Result<Units, ImportError> {
    let features = collection["features"].as_array().map(Vec::as_slice).unwrap_or_default();
    let default_kind = match level {
        "district" => "huyện",
        "village" => "thôn",
        _ => "xã",
    };
    let mut problems = Vec::new();
    let mut u = Units::default();
    for (i, f) in features.iter().enumerate() {
        let p = &f["properties"];
        let text = |k: &str| p[k].as_str().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let code = text("code");
        let problem = |field: &str, reason: String| Problem::new(Some(i), code.as_deref(), field, reason);
        for field in ["code", "name", "kind", "parent_code"] {
            if let Some(why) = text(field).and_then(|v| refusal(&v, Kind::Plain)) {
                problems.push(problem(field, why));
            }
        }
        if code.is_none() {
            problems.push(problem("code", "missing".into()));
        }
        let name = text("name");
        if name.is_none() {
            problems.push(problem("name", "missing".into()));
        }
        let g = &f["geometry"];
        if !matches!(g["type"].as_str(), Some("Polygon" | "MultiPolygon")) {
            problems.push(problem("geometry", "must be a Polygon or MultiPolygon".into()));
        }
        let n = vertices(&g["coordinates"]);
        if n > MAX_VERTICES {
            return Err(ImportError::OverLimit(format!(
                "feature {i} has {n} vertices; the limit is {MAX_VERTICES} vertices per geometry"
            )));
        }
        u.codes.push(code.unwrap_or_default());
        u.names.push(name.unwrap_or_default());
        u.kinds.push(text("kind").unwrap_or_else(|| default_kind.to_owned()));
        u.parents.push(text("parent_code"));
        u.shapes.push(g.to_string());
    }
    if problems.is_empty() { Ok(u) } else { Err(ImportError::Invalid { total: features.len(), problems }) }
}

/// Reads, checks and (unless refused or a dry run) applies the boundary file `bytes`; returns
/// the report.
///
/// # Errors
/// `Malformed` (not JSON, not a `FeatureCollection`, an unsupported SRID), `OverLimit`,
/// `Invalid` with every problem; the database fails.
pub async fn import(
    pool: &PgPool,
    bytes: &[u8],
    options: &Options,
    caller: &Caller,
) -> Result<Value, ImportError> {
    let (collection, srid) = parse(bytes, options.srid)?;
    let Units { codes, names, kinds, parents, shapes } = units(&collection, &options.level)?;
    let mut named = options.successors.clone();
    named.extend(successions::from_features(&collection)?);
    let reorganising = !named.is_empty();
    let total = codes.len();
    let mut problems = Vec::new();
    let mut tx = pool.begin().await?;
    db::stage(&mut tx, &codes, &names, &kinds, &parents, &shapes, srid).await?;
    if reorganising {
        reorganise::stage(&mut tx, &named).await?;
    }
    let checks = db::check_geometry(&mut tx, options.make_valid).await?;
    let mut notes =
        db::check_layout(&mut tx, &options.level, options.valid_from, options.threshold_km2).await?;
    // Names are compared with the official list as a warning: the file may be right and the
    // list behind (a renaming not yet in it), so the operator decides.
    notes.extend(db::check_names(&mut tx, &options.level, options.valid_from).await?);
    notes.extend(reorganise::conflicts(&mut tx, options.valid_from).await?);
    if reorganising {
        notes.extend(reorganise::check(&mut tx, &options.level, options.valid_from).await?);
    }
    for c in checks.iter().filter(|c| c["valid"] == false && !options.make_valid) {
        let reason = format!(
            "invalid geometry: {} (repair with --make-valid)",
            c["reason"].as_str().unwrap_or_default()
        );
        problems.push(Problem::new(
            c["index"].as_u64().and_then(|i| usize::try_from(i).ok()),
            c["code"].as_str(),
            "geometry",
            reason,
        ));
    }
    for n in notes.iter().filter(|n| n["refuse"] == true) {
        let (field, reason) =
            (n["field"].as_str().unwrap_or_default(), n["reason"].as_str().unwrap_or_default());
        let mut problem = Problem::new(
            n["index"].as_u64().and_then(|i| usize::try_from(i).ok()),
            n["code"].as_str(),
            field,
            reason,
        );
        problem.line = n["line"].as_u64();
        problems.push(problem);
    }
    if !problems.is_empty() {
        return Err(ImportError::Invalid { total, problems });
    }
    let areas = if reorganising {
        reorganise::areas(&mut tx, &options.level, options.valid_from).await?
    } else {
        Value::Null
    };
    let mut applied =
        db::apply(&mut tx, &options.level, options.valid_from, options.threshold_km2, !reorganising).await?;
    if reorganising {
        let after = reorganise::apply(&mut tx, &options.level, options.valid_from).await?;
        // The named predecessors replace the geometry's guess at what closed; the rest is added.
        for (key, value) in after.as_object().into_iter().flatten() {
            applied[key] = value.clone();
        }
    }
    let mut report = json!({ "srid": srid, "level": options.level, "valid_from": options.valid_from,
        "dry_run": options.dry_run, "features": checks, "notes": notes, "applied": applied });
    if reorganising {
        report["successors"] = areas;
    }
    if options.dry_run {
        tx.rollback().await?;
        return Ok(report);
    }
    let entry = audit::Entry { action: "admin_units.import".into(), ..caller.entry.clone() }
        .with_target(format!("admin_units:{}", options.level))
        .with_details(json!({ "valid_from": options.valid_from, "srid": srid, "applied": applied }));
    audit::record(&mut *tx, &entry).await?;
    tx.commit().await?;
    Ok(report)
}
