//! Offline area packages (issue 18, item 2): a user chooses communes, or a stretch of border
//! (segments buffered by a width, clipped to the province), a date and a zoom range;
//! `…/estimate` says how many tiles and about how many bytes, `…/area.mbtiles` builds them into
//! one MBTiles file (the layers the caller's role may read, as vector tiles) and streams it. Any
//! signed-in role may ask: what is in the package is what its role reads anyway, so a patrol
//! gets the border and its patrols, a viewer the public and internal layers.
//!
//! Jurisdiction: an editor or patrol user asking for a commune or segment outside its
//! jurisdiction gets 403 naming it (refused, not clipped: a package silently missing a commune
//! would be trusted in the field). Restricted records are then read within the chosen area only,
//! for every role (and within the caller's units where a segment's buffer reaches past them);
//! boundaries and the border are drawn around them for context. A download is audited as an
//! export.

use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use serde_json::{Value, json};

use super::access::scope;
use super::extract::Params;
use super::gate::Principal;
use super::routes::Route;
use super::{ApiError, AppState, Result, streamed};
use crate::auth::Permission;
use crate::db::audit::{self, Outcome};
use crate::db::packages::{self as areas, Area};
use crate::layers::packages::{self, Plan, PlanError};
use crate::layers::values::{parse_date, today};
use crate::layers::{ReadScope, Sensitivity};
use crate::spatial::TileCoord;
use crate::tilesets::Basemap;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/api/v1/packages/estimate", Permission::SignedIn, estimate),
        Route::get("/api/v1/packages/area.mbtiles", Permission::SignedIn, mbtiles),
    ]
}

/// The most communes or segments one package may name.
const MAX_CODES: usize = 50;
/// The default width of a stretch of border's area, metres on either side of the line: a
/// patrol's day on foot either side of the border, and the border posts' usual watch.
const DEFAULT_WIDTH: f64 = 2_000.0;
/// The widths a stretch of border may have, metres.
const WIDTHS: std::ops::RangeInclusive<f64> = 100.0..=10_000.0;

/// What a package covers.
pub(super) enum Choice {
    /// These communes (codes), as of the package's date.
    Communes(Vec<String>),
    /// These border segments (codes), buffered by `width` metres.
    Segments {
        /// The segments' codes.
        codes: Vec<String>,
        /// Metres on either side.
        width: f64,
    },
}

/// A package request: `communes=code,code` or `segments=code,code&width=2000`, then
/// `as_of=YYYY-MM-DD&minzoom=10&maxzoom=16`. The one parser of every package route.
pub(super) struct Request {
    /// The area chosen.
    pub(super) choice: Choice,
    /// The date read as of.
    pub(super) date: NaiveDate,
    minzoom: u8,
    maxzoom: u8,
}

impl Request {
    /// The codes chosen, communes or segments.
    pub(super) fn codes(&self) -> &[String] {
        match &self.choice {
            Choice::Communes(codes) | Choice::Segments { codes, .. } => codes,
        }
    }
}

/// A list of codes of `what` (`communes`, `segments`): comma-separated, each checked by `ok`.
fn codes(name: &str, v: &str, ok: fn(&str) -> bool, what: &str) -> Result<Vec<String>> {
    let codes: Vec<String> = v.split(',').map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect();
    if let Some(bad) = codes.iter().find(|c| c.len() > 20 || !ok(c)) {
        return Err(ApiError::BadRequest(format!("{name}: '{bad}' is not {what}")));
    }
    if codes.is_empty() {
        return Err(ApiError::BadRequest(format!("{name}: {what}s separated by commas")));
    }
    if codes.len() > MAX_CODES {
        return Err(ApiError::Unprocessable(format!("{name}: at most {MAX_CODES} per package")));
    }
    Ok(codes)
}

/// Parses a package request; every refusal names its parameter.
pub(super) fn parse(pairs: &[(String, String)]) -> Result<Request> {
    let (mut communes, mut segments, mut width) = (None, None, None);
    let (mut date, mut minzoom, mut maxzoom) = (today(), 10, 16);
    let zoom = |k: &str, v: &str| {
        v.parse::<u8>().map_err(|_| {
            ApiError::BadRequest(format!("{k}: '{v}' is not a zoom (0..={})", packages::DEEPEST))
        })
    };
    for (k, v) in pairs {
        match k.as_str() {
            "communes" => {
                let digits = |c: &str| c.len() <= 10 && c.chars().all(|ch| ch.is_ascii_digit());
                communes = Some(codes(k, v, digits, "a commune code (digits)")?);
            }
            "segments" => {
                let code = |c: &str| c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
                segments = Some(codes(k, v, code, "a border segment code (as BG-01)")?);
            }
            "width" => {
                width = Some(v.parse::<f64>().ok().filter(|w| WIDTHS.contains(w)).ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "width: '{v}' is not metres from {} to {}",
                        WIDTHS.start(),
                        WIDTHS.end()
                    ))
                })?);
            }
            "as_of" => {
                date = parse_date(v).ok_or_else(|| {
                    ApiError::BadRequest(format!("as_of: '{v}' is not a date (YYYY-MM-DD)"))
                })?;
            }
            "minzoom" => minzoom = zoom(k, v)?,
            "maxzoom" => maxzoom = zoom(k, v)?,
            other => return Err(ApiError::BadRequest(format!("unknown parameter '{other}'"))),
        }
    }
    let choice = match (communes, segments) {
        (Some(_), Some(_)) => {
            return Err(ApiError::BadRequest("communes or segments: one of them, not both".into()));
        }
        (None, None) => {
            return Err(ApiError::BadRequest(
                "communes: required (commune codes separated by commas), or segments (border segment codes)"
                    .into(),
            ));
        }
        (Some(_), None) if width.is_some() => {
            return Err(ApiError::BadRequest("width: only with segments".into()));
        }
        (Some(codes), None) => Choice::Communes(codes),
        (None, Some(codes)) => Choice::Segments { codes, width: width.unwrap_or(DEFAULT_WIDTH) },
    };
    Ok(Request { choice, date, minzoom, maxzoom })
}

/// The area and the caller's scope within it (restricted records within the area), shared by
/// every form of a package; refusals as the module says.
pub(super) async fn area_scope(
    who: &Principal,
    state: &AppState,
    request: &Request,
) -> Result<(Area, ReadScope)> {
    let pool = state.read_pool();
    let (date, codes) = (request.date, request.codes());
    let (area, name, what) = match &request.choice {
        Choice::Communes(codes) => (areas::area(pool, codes, date).await?, "communes", "commune"),
        Choice::Segments { codes, width } => {
            (areas::segment_area(pool, codes, *width, date).await?, "segments", "border segment")
        }
    };
    let Some(area) = area else {
        return Err(ApiError::Unprocessable(format!(
            "{name}: none of {} is a {what} on {date}",
            codes.join(", ")
        )));
    };
    let found = if area.segments.is_empty() { &area.communes } else { &area.segments };
    let missing: Vec<&str> =
        codes.iter().filter(|c| !found.iter().any(|u| &u.code == *c)).map(String::as_str).collect();
    if !missing.is_empty() {
        return Err(ApiError::Unprocessable(format!("{name}: no {what} {} on {date}", missing.join(", "))));
    }
    // The jurisdiction as of the package's date, as every read of that date sees it.
    let restricted = crate::layers::LAYERS.iter().find(|l| l.sensitivity == Sensitivity::Restricted);
    let mut scope = scope(who, state, restricted, date).await?;
    let mut records = area.ewkb.clone();
    if who.is_bound()
        && let Some(jurisdiction) = &scope.jurisdiction
    {
        let outside = match &request.choice {
            Choice::Communes(_) => areas::outside(pool, codes, date, jurisdiction).await?,
            Choice::Segments { .. } => areas::segments_outside(pool, codes, jurisdiction).await?,
        };
        if !outside.is_empty() {
            return Err(ApiError::Forbidden(format!(
                "{name} outside your jurisdiction on {date}: {}",
                outside.join(", ")
            )));
        }
        // A segment's buffer may reach past the caller's units: its records stop there.
        if matches!(request.choice, Choice::Segments { .. }) {
            records = areas::within(pool, &area.ewkb, jurisdiction).await?;
        }
    }
    scope.jurisdiction = Some(records);
    Ok((area, scope))
}

/// The area, the caller's scope within it and the plan.
async fn prepare(who: &Principal, state: &AppState, request: &Request) -> Result<(Area, ReadScope, Plan)> {
    let (area, scope) = area_scope(who, state, request).await?;
    let plan = plan_for(state, request, &area, packages::layers_for(&scope)).await?;
    Ok((area, scope, plan))
}

/// The tiles of `area` at the request's zooms, each to hold `layers`.
pub(super) async fn plan_for(
    state: &AppState,
    request: &Request,
    area: &Area,
    layers: Vec<&'static crate::layers::Layer>,
) -> Result<Plan> {
    packages::plan(state.read_pool(), layers, &area.ewkb, area.bbox, request.minzoom, request.maxzoom)
        .await
        .map_err(|e| match e {
            PlanError::Zooms(why) | PlanError::TooBig(why) => ApiError::Unprocessable(why),
            PlanError::Database(e) => e.into(),
        })
}

pub(super) fn summary(request: &Request, area: &Area, plan: &Plan) -> Value {
    let mut out = json!({
        "communes": area.communes,
        "as_of": request.date,
        "minzoom": plan.zooms.0,
        "maxzoom": plan.zooms.1,
        "tiles": plan.tiles.len(),
        "max_tiles": packages::MAX_TILES,
        "bbox": area.bbox,
        "layers": plan.layers.iter().map(|l| l.id).collect::<Vec<_>>(),
    });
    if let Choice::Segments { width, .. } = request.choice {
        out["segments"] = json!(area.segments);
        out["width"] = json!(width);
    }
    out
}

/// `GET /api/v1/packages/estimate`: the package's communes, layers, tiles and estimated bytes,
/// with nothing built or audited.
async fn estimate(
    State(state): State<AppState>,
    who: Principal,
    Params(pairs): Params,
) -> Result<axum::Json<Value>> {
    let request = parse(&pairs)?;
    let (area, scope, plan) = prepare(&who, &state, &request).await?;
    let bytes = packages::estimate(state.read_pool(), &plan, request.date, &scope).await?;
    let mut body = summary(&request, &area, &plan);
    body["bytes_estimate"] = json!(bytes);
    if let Some(map) = state.http.basemap_file.clone() {
        let tiles = basemap_tiles(&map, &plan);
        let info = map.info().clone();
        let (count, bytes) = tokio::task::spawn_blocking(move || map.measure(&tiles))
            .await
            .map_err(|e| ApiError::Internal(e.into()))?
            .map_err(|e| ApiError::Internal(e.into()))?;
        body["basemap"] = json!({ "format": info.format, "minzoom": info.minzoom, "maxzoom": info.maxzoom,
            "tiles": count, "bytes": bytes });
    }
    // As if built now: the page shows how long the package will serve before downloading it.
    let life = Life::now(&state).await?;
    body["expires_at"] = json!(life.expires_text());
    body["max_age_days"] = json!(life.max_age_days);
    Ok(axum::Json(body))
}

/// The tiles of `plan` at the zooms the base map `map` has: those a base map package may hold.
pub(super) fn basemap_tiles(map: &Basemap, plan: &Plan) -> Vec<TileCoord> {
    let zooms = map.info().minzoom..=map.info().maxzoom;
    plan.tiles.iter().copied().filter(|t| zooms.contains(&t.z)).collect()
}

/// When a package was built and until when it may be used (the admin's setting, `http/settings.rs`).
pub(super) struct Life {
    /// Built at.
    pub(super) created: chrono::DateTime<chrono::Utc>,
    /// Not to be used after.
    pub(super) expires: chrono::DateTime<chrono::Utc>,
    /// The setting it came from.
    pub(super) max_age_days: i32,
}

impl Life {
    /// The life of a package built now.
    pub(super) async fn now(state: &AppState) -> Result<Self> {
        let max_age_days = crate::db::settings::packages(&state.pool).await?.max_age_days;
        let created = chrono::Utc::now();
        Ok(Self { created, expires: created + chrono::Duration::days(i64::from(max_age_days)), max_age_days })
    }

    /// `created` as RFC 3339 in UTC, to the second.
    pub(super) fn created_text(&self) -> String {
        self.created.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    /// `expires` as RFC 3339 in UTC, to the second.
    pub(super) fn expires_text(&self) -> String {
        self.expires.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

/// `GET /api/v1/packages/area.mbtiles`: the package as an MBTiles file. Every refusal comes
/// before the answer starts; then the headers go out at once and the body waits for the build
/// (its own task) and streams the file, so a package that takes longer to build than the
/// request timeout (which bounds the wait for the headers) still arrives. A build that fails
/// then cuts the download short, logged, rather than answering a status already sent.
async fn mbtiles(State(state): State<AppState>, who: Principal, Params(pairs): Params) -> Result<Response> {
    let request = parse(&pairs)?;
    let (area, scope, plan) = prepare(&who, &state, &request).await?;
    let name = format!(
        "antq_{}_{}_z{}-{}",
        request.codes().join("-"),
        request.date.format("%Y%m%d"),
        plan.zooms.0,
        plan.zooms.1
    );
    let chosen = if area.segments.is_empty() { &area.communes } else { &area.segments };
    let names: Vec<&str> = chosen.iter().map(|c| c.name.as_str()).collect();
    let description = format!("ANTQ Atlas: {} ({})", names.join(", "), request.date);
    let mut metadata = packages::metadata(&plan, &name, &description, area.bbox);
    // Read by the map's package store and shown to QGIS users; a copied file cannot be made to
    // stop working, so this says when it should no longer be trusted (README).
    let life = Life::now(&state).await?;
    metadata.extend([("created", life.created_text()), ("expires", life.expires_text())]);
    let (file, path) = streamed::new_file(".mbtiles")?;
    let mut details = summary(&request, &area, &plan);
    details["expires_at"] = json!(life.expires_text());
    let entry = who.audit("export", Outcome::Ok).with_target("package");
    let (pool, audit_pool, date) = (state.read_pool().clone(), state.pool.clone(), request.date);
    let build = tokio::spawn(async move {
        let tiles = packages::build(&pool, &plan, date, &scope, path.clone(), metadata).await?;
        details["tiles_stored"] = json!(tiles);
        // Audited before the first byte leaves: a download cut short was still an export.
        audit::record(&audit_pool, &entry.with_details(details)).await?;
        anyhow::Ok(tokio::fs::File::open(&path).await?)
    });
    Ok(streamed::attachment(build, file, &format!("{name}.mbtiles"), "application/vnd.sqlite3"))
}
