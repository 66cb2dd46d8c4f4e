//! Point import into key points or model sites, from CSV (`code, category, observed_at, lon,
//! lat, description, severity, status` for key points; `code, type_code, name, host_kind,
//! host_name, started_on, effectiveness, rated_year, lon, lat` for model sites) or a GeoJSON
//! `FeatureCollection` of Points with the same properties.
//!
//! Every record is checked (fields, codes unique in the file and in the table, inside the
//! province, inside the caller's jurisdiction, latitude and longitude swapped) before anything
//! is written; one bad record refuses the file, with every problem listed.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use sqlx::PgPool;

use super::records::{self, Record};
use super::{ImportError, Imported, Problem};
use crate::db::audit::{self, Entry};
use crate::db::point_imports::{self as db, KeyPointColumns, ModelSiteColumns};

/// Which layer the points go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointLayer {
    /// `key_points`.
    #[value(name = "key_points")]
    KeyPoints,
    /// `model_sites`.
    #[value(name = "model_sites")]
    ModelSites,
}

impl PointLayer {
    fn columns(self) -> &'static [&'static str] {
        match self {
            Self::KeyPoints => &["code", "category", "observed_at", "severity", "status", "description"],
            Self::ModelSites => &[
                "code",
                "type_code",
                "name",
                "host_kind",
                "host_name",
                "started_on",
                "effectiveness",
                "rated_year",
            ],
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::KeyPoints => "key_point",
            Self::ModelSites => "model_site",
        }
    }
}

/// Who imports: the audit entry to record (user, address) and, for jurisdiction-bound callers,
/// the unit codes every point must lie in.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The audit entry, action and target still to be set.
    pub entry: Entry,
    /// `None`: anywhere in the province.
    pub jurisdiction: Option<Vec<String>>,
}

/// Reads, checks and (when every record is good) writes `bytes` into `layer`.
///
/// # Errors
/// `Malformed`, `OverLimit`, or `Invalid` with every problem; the database fails. Nothing is
/// written unless `Ok`.
pub async fn import(
    pool: &PgPool,
    layer: PointLayer,
    bytes: &[u8],
    max_features: usize,
    caller: &Caller,
) -> Result<Imported, ImportError> {
    let (records, mut problems) = records::read(bytes, records::looks_like_json(bytes), max_features)?;
    let allowed = layer.columns();
    let unknown: BTreeSet<&str> = records
        .iter()
        .flat_map(|r| r.fields.keys())
        .map(String::as_str)
        .filter(|k| !allowed.contains(k))
        .collect();
    for field in unknown {
        problems.push(Problem::new(
            None,
            None,
            field,
            format!("unknown field; expected {}", allowed.join(", ")),
        ));
    }
    check_codes(pool, layer, &records, &mut problems).await?;
    check_places(pool, &records, caller.jurisdiction.as_deref(), &mut problems).await?;
    let kinds: HashSet<String> = db::kinds(pool, layer == PointLayer::KeyPoints).await?.into_iter().collect();
    let user = caller.entry.user_id;
    let mut tx = pool.begin().await?;
    let (inserted, first_id, last_id) = match layer {
        PointLayer::KeyPoints => {
            let columns = key_point_columns(&records, &kinds, &mut problems);
            refuse(records.len(), &mut problems)?;
            db::insert_key_points(&mut tx, &columns, user).await?
        }
        PointLayer::ModelSites => {
            let columns = model_site_columns(&records, &kinds, &mut problems);
            refuse(records.len(), &mut problems)?;
            db::insert_model_sites(&mut tx, &columns, user).await?
        }
    };
    let details = serde_json::json!({ "inserted": inserted, "first_id": first_id, "last_id": last_id });
    let entry = caller.entry.clone();
    let entry = Entry { action: format!("{}.import", layer.name()), ..entry }
        .with_target(format!("{}s", layer.name()))
        .with_details(details);
    audit::record(&mut *tx, &entry).await?;
    tx.commit().await?;
    Ok(Imported { inserted, first_id, last_id })
}

fn refuse(total: usize, problems: &mut Vec<Problem>) -> Result<(), ImportError> {
    if problems.is_empty() {
        return Ok(());
    }
    problems.sort_by_key(|p| (p.index.map_or(0, |i| i + 1), p.field.clone()));
    Err(ImportError::Invalid { total, problems: std::mem::take(problems) })
}

async fn check_codes(
    pool: &PgPool,
    layer: PointLayer,
    records: &[Record],
    problems: &mut Vec<Problem>,
) -> Result<(), ImportError> {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for r in records {
        match r.get("code") {
            None => problems.push(r.problem("code", "missing")),
            Some(code) if code.chars().count() > 40 => {
                problems.push(r.problem("code", "longer than 40 characters"));
            }
            Some(code) => {
                if let Some(earlier) = first.insert(code, r.index) {
                    problems.push(r.problem("code", format!("{code} is also the code of record {earlier}")));
                }
            }
        }
    }
    let codes: Vec<String> = first.keys().map(|c| (*c).to_owned()).collect();
    let taken: HashSet<String> =
        db::taken_codes(pool, layer == PointLayer::KeyPoints, &codes).await?.into_iter().collect();
    for r in records.iter().filter(|r| r.get("code").is_some_and(|c| taken.contains(c))) {
        problems.push(r.problem("code", "already recorded; an import only adds new points"));
    }
    Ok(())
}

async fn check_places(
    pool: &PgPool,
    records: &[Record],
    jurisdiction: Option<&[String]>,
    problems: &mut Vec<Problem>,
) -> Result<(), ImportError> {
    let located: Vec<(&Record, (f64, f64))> =
        records.iter().filter_map(|r| r.point.map(|p| (r, p))).collect();
    let wgs84 = |lon: f64, lat: f64| (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat);
    // A point that is not even WGS 84 is asked about with its coordinates exchanged: a latitude
    // of 104 is most often a longitude.
    let (lons, lats): (Vec<f64>, Vec<f64>) = located
        .iter()
        .map(|(_, (lon, lat))| if wgs84(*lon, *lat) { (*lon, *lat) } else { (*lat, *lon) })
        .unzip();
    let misplaced: HashMap<usize, _> = db::misplaced(pool, &lons, &lats, jurisdiction)
        .await?
        .into_iter()
        .filter_map(|m| usize::try_from(m.index).ok().map(|i| (i, m)))
        .collect();
    for (i, (r, (lon, lat))) in located.iter().enumerate() {
        let swapped = format!(
            "latitude and longitude swapped: ({lon}, {lat}) is outside the province, ({lat}, {lon}) inside"
        );
        let reason = match misplaced.get(&i) {
            None if wgs84(*lon, *lat) => continue,
            None => swapped,
            Some(m) if !wgs84(*lon, *lat) && !m.in_province => {
                format!("({lon}, {lat}) is not WGS 84 longitude, latitude")
            }
            Some(m) if m.in_province => format!("({lon}, {lat}) is outside your jurisdiction"),
            Some(m) if m.swapped_in_province => swapped,
            Some(_) => format!("({lon}, {lat}) is outside the province"),
        };
        problems.push(r.problem("geometry", reason));
    }
    Ok(())
}

fn required<'a>(r: &'a Record, field: &str, problems: &mut Vec<Problem>) -> Option<&'a str> {
    let value = r.get(field);
    if value.is_none() && field != "code" {
        problems.push(r.problem(field, "missing"));
    }
    value
}

fn one_of(r: &Record, field: &str, value: &str, allowed: &[&str], problems: &mut Vec<Problem>) {
    if !allowed.contains(&value) {
        problems.push(r.problem(field, format!("{value:?} is not one of {}", allowed.join(", "))));
    }
}

fn parse_or<T: std::str::FromStr>(r: &Record, field: &str, problems: &mut Vec<Problem>) -> Option<T> {
    let value = r.get(field)?;
    let parsed = value.parse().ok();
    if parsed.is_none() {
        problems.push(r.problem(field, format!("{value:?} cannot be read")));
    }
    parsed
}

/// RFC 3339, or a date (midnight in Vietnam, UTC+7).
fn parse_time(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value).map(|t| t.with_timezone(&Utc)).ok().or_else(|| {
        let midnight = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?.and_hms_opt(0, 0, 0)?;
        let vietnam = FixedOffset::east_opt(7 * 3600)?;
        midnight.and_local_timezone(vietnam).single().map(|t| t.with_timezone(&Utc))
    })
}

fn key_point_columns(
    records: &[Record],
    kinds: &HashSet<String>,
    problems: &mut Vec<Problem>,
) -> KeyPointColumns {
    let mut c = KeyPointColumns::default();
    for r in records {
        let category = required(r, "category", problems).unwrap_or_default();
        if !category.is_empty() && !kinds.contains(category) {
            problems.push(r.problem("category", format!("{category:?} is not a key point category")));
        }
        let observed = required(r, "observed_at", problems).and_then(|v| {
            let t = parse_time(v);
            if t.is_none() {
                problems.push(r.problem("observed_at", format!("{v:?} is not an RFC 3339 time or a date")));
            }
            t
        });
        let severity = parse_or::<i16>(r, "severity", problems).unwrap_or(2);
        if !(1..=5).contains(&severity) {
            problems.push(r.problem("severity", format!("{severity} is not between 1 and 5")));
        }
        let status = r.get("status").unwrap_or("reported");
        one_of(r, "status", status, &crate::db::key_points::STATUSES, problems);
        let description = r.get("description").unwrap_or_default();
        if description.chars().count() > 10_000 {
            problems.push(r.problem("description", "longer than 10000 characters"));
        }
        c.code.push(r.get("code").unwrap_or_default().to_owned());
        c.category.push(category.to_owned());
        c.severity.push(severity);
        c.status.push(status.to_owned());
        c.observed_at.push(observed.unwrap_or_default());
        c.lon.push(r.point.map_or(0.0, |p| p.0));
        c.lat.push(r.point.map_or(0.0, |p| p.1));
        c.description.push(description.to_owned());
    }
    c
}

const HOST_KINDS: [&str; 7] =
    ["village", "residential_group", "agency", "enterprise", "school", "parish", "clan"];
const RATINGS: [&str; 4] = ["effective", "fair", "ineffective", "unrated"];

fn model_site_columns(
    records: &[Record],
    kinds: &HashSet<String>,
    problems: &mut Vec<Problem>,
) -> ModelSiteColumns {
    let mut c = ModelSiteColumns::default();
    for r in records {
        let type_code = required(r, "type_code", problems).unwrap_or_default();
        if !type_code.is_empty() && !kinds.contains(type_code) {
            problems.push(r.problem("type_code", format!("{type_code:?} is not a model type")));
        }
        let name = required(r, "name", problems).unwrap_or_default();
        let host_kind = required(r, "host_kind", problems).unwrap_or("village");
        one_of(r, "host_kind", host_kind, &HOST_KINDS, problems);
        let effectiveness = r.get("effectiveness").unwrap_or("unrated");
        one_of(r, "effectiveness", effectiveness, &RATINGS, problems);
        let rated_year = parse_or::<i16>(r, "rated_year", problems);
        if rated_year.is_some_and(|y| !(1990..=2100).contains(&y)) {
            problems.push(r.problem("rated_year", "not between 1990 and 2100"));
        }
        c.code.push(r.get("code").unwrap_or_default().to_owned());
        c.type_code.push(type_code.to_owned());
        c.name.push(name.to_owned());
        c.host_kind.push(host_kind.to_owned());
        c.host_name.push(r.get("host_name").map(str::to_owned));
        c.started_on.push(parse_or::<NaiveDate>(r, "started_on", problems));
        c.effectiveness.push(effectiveness.to_owned());
        c.rated_year.push(rated_year);
        c.lon.push(r.point.map_or(0.0, |p| p.0));
        c.lat.push(r.point.map_or(0.0, |p| p.1));
    }
    c
}
