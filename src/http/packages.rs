//! Offline area packages (issue 18, item 2): a user chooses communes, a date and a zoom range;
//! `…/estimate` says how many tiles and about how many bytes, `…/area.mbtiles` builds them into
//! one MBTiles file (the layers the caller's role may read, as vector tiles) and streams it. Any
//! signed-in role may ask: what is in the package is what its role reads anyway, so a patrol
//! gets the border and its patrols, a viewer the public and internal layers.
//!
//! Jurisdiction: an editor or patrol user asking for a commune outside its jurisdiction gets
//! 403 naming it (refused, not clipped: a package silently missing a commune would be trusted
//! in the field). Restricted records are then read within the chosen communes only, for every
//! role; boundaries and the border are drawn around them for context. A download is audited as
//! an export.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use chrono::NaiveDate;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt as _;

use super::access::scope;
use super::extract::Params;
use super::gate::Principal;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::audit::{self, Outcome};
use crate::db::packages::{self as areas, Area};
use crate::layers::packages::{self, Plan, PlanError};
use crate::layers::values::{parse_date, today};
use crate::layers::{ReadScope, Sensitivity};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/api/v1/packages/estimate", Permission::SignedIn, estimate),
        Route::get("/api/v1/packages/area.mbtiles", Permission::SignedIn, mbtiles),
    ]
}

/// The most communes one package may name.
const MAX_COMMUNES: usize = 50;

/// A package request: `communes=code,code&as_of=YYYY-MM-DD&minzoom=10&maxzoom=16`.
pub(super) struct Request {
    pub(super) codes: Vec<String>,
    pub(super) date: NaiveDate,
    minzoom: u8,
    maxzoom: u8,
}

pub(super) fn parse(pairs: &[(String, String)]) -> Result<Request> {
    let mut request = Request { codes: Vec::new(), date: today(), minzoom: 10, maxzoom: 16 };
    let zoom = |k: &str, v: &str| {
        v.parse::<u8>().map_err(|_| {
            ApiError::BadRequest(format!("{k}: '{v}' is not a zoom (0..={})", packages::DEEPEST))
        })
    };
    for (k, v) in pairs {
        match k.as_str() {
            "communes" => {
                request.codes = v.split(',').map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect();
                if let Some(bad) =
                    request.codes.iter().find(|c| c.len() > 10 || !c.chars().all(|ch| ch.is_ascii_digit()))
                {
                    return Err(ApiError::BadRequest(format!(
                        "communes: '{bad}' is not a commune code (digits)"
                    )));
                }
            }
            "as_of" => {
                request.date = parse_date(v).ok_or_else(|| {
                    ApiError::BadRequest(format!("as_of: '{v}' is not a date (YYYY-MM-DD)"))
                })?;
            }
            "minzoom" => request.minzoom = zoom(k, v)?,
            "maxzoom" => request.maxzoom = zoom(k, v)?,
            other => return Err(ApiError::BadRequest(format!("unknown parameter '{other}'"))),
        }
    }
    if request.codes.is_empty() {
        return Err(ApiError::BadRequest("communes: required, commune codes separated by commas".into()));
    }
    if request.codes.len() > MAX_COMMUNES {
        return Err(ApiError::Unprocessable(format!("communes: at most {MAX_COMMUNES} per package")));
    }
    Ok(request)
}

/// The area, the caller's scope within it and the plan; refusals as the module says.
async fn prepare(who: &Principal, state: &AppState, request: &Request) -> Result<(Area, ReadScope, Plan)> {
    let (area, scope) = area_scope(who, state, request).await?;
    let layers = packages::layers_for(&scope);
    let plan =
        packages::plan(state.read_pool(), layers, &area.ewkb, area.bbox, request.minzoom, request.maxzoom)
            .await
            .map_err(|e| match e {
                PlanError::Zooms(why) | PlanError::TooBig(why) => ApiError::Unprocessable(why),
                PlanError::Database(e) => e.into(),
            })?;
    Ok((area, scope, plan))
}

/// The area and the caller's scope within it (restricted records within the area), shared by
/// every form of a package (MBTiles here, JSON in `package_json`); refusals as the module says.
pub(super) async fn area_scope(
    who: &Principal,
    state: &AppState,
    request: &Request,
) -> Result<(Area, ReadScope)> {
    let pool = state.read_pool();
    let area = areas::area(pool, &request.codes, request.date).await?.ok_or_else(|| {
        ApiError::Unprocessable(format!(
            "communes: none of {} is a commune on {}",
            request.codes.join(", "),
            request.date
        ))
    })?;
    let missing: Vec<&str> = request
        .codes
        .iter()
        .filter(|c| !area.communes.iter().any(|u| &u.code == *c))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::Unprocessable(format!(
            "communes: no commune {} on {}",
            missing.join(", "),
            request.date
        )));
    }
    // The jurisdiction as of the package's date, as every read of that date sees it.
    let restricted = crate::layers::LAYERS.iter().find(|l| l.sensitivity == Sensitivity::Restricted);
    let mut scope = scope(who, state, restricted, request.date).await?;
    if who.is_bound()
        && let Some(jurisdiction) = &scope.jurisdiction
    {
        let outside = areas::outside(pool, &request.codes, request.date, jurisdiction).await?;
        if !outside.is_empty() {
            return Err(ApiError::Forbidden(format!(
                "communes outside your jurisdiction on {}: {}",
                request.date,
                outside.join(", ")
            )));
        }
    }
    scope.jurisdiction = Some(area.ewkb.clone());
    Ok((area, scope))
}

fn summary(request: &Request, area: &Area, plan: &Plan) -> Value {
    json!({
        "communes": area.communes,
        "as_of": request.date,
        "minzoom": plan.zooms.0,
        "maxzoom": plan.zooms.1,
        "tiles": plan.tiles.len(),
        "max_tiles": packages::MAX_TILES,
        "bbox": area.bbox,
        "layers": plan.layers.iter().map(|l| l.id).collect::<Vec<_>>(),
    })
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
    Ok(axum::Json(body))
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
        request.codes.join("-"),
        request.date.format("%Y%m%d"),
        plan.zooms.0,
        plan.zooms.1
    );
    let names: Vec<&str> = area.communes.iter().map(|c| c.name.as_str()).collect();
    let description = format!("ANTQ Atlas: {} ({})", names.join(", "), request.date);
    let metadata = packages::metadata(&plan, &name, &description, area.bbox);
    let file =
        tempfile::Builder::new().suffix(".mbtiles").tempfile().map_err(|e| ApiError::Internal(e.into()))?;
    // SQLite creates the file itself: it must not exist yet, and is deleted with `file`.
    let path = file.path().to_owned();
    std::fs::remove_file(&path).map_err(|e| ApiError::Internal(e.into()))?;
    let mut details = summary(&request, &area, &plan);
    let entry = who.audit("export", Outcome::Ok).with_target("package");
    let (pool, audit_pool, date) = (state.read_pool().clone(), state.pool.clone(), request.date);
    let build = tokio::spawn(async move {
        let tiles = packages::build(&pool, &plan, date, &scope, path.clone(), metadata).await?;
        details["tiles_stored"] = json!(tiles);
        // Audited before the first byte leaves: a download cut short was still an export.
        audit::record(&audit_pool, &entry.with_details(details)).await?;
        anyhow::Ok(tokio::fs::File::open(&path).await?)
    });
    let chunks = futures_util::stream::unfold(Download::Building(Abort(build), file), next_chunk);
    let mut response = Response::new(Body::from_stream(chunks));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/vnd.sqlite3"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.mbtiles\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// Aborts the build when the download is dropped (the client went away): no work for nobody.
struct Abort(tokio::task::JoinHandle<anyhow::Result<tokio::fs::File>>);

impl Drop for Abort {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Where a package download is. Each state owns the temporary file, deleted when it ends.
enum Download {
    /// The package is being built.
    Building(Abort, tempfile::NamedTempFile),
    /// The file is being sent.
    Sending(tokio::fs::File, tempfile::NamedTempFile),
    /// Failed: the stream ends after the error it gave.
    Done,
}

/// The next chunk of a package download: after the build, 64 KiB at a time.
async fn next_chunk(state: Download) -> Option<(std::io::Result<bytes::Bytes>, Download)> {
    let (mut opened, keep) = match state {
        Download::Sending(f, keep) => (f, keep),
        Download::Building(mut build, keep) => match (&mut build.0).await {
            Ok(Ok(f)) => (f, keep),
            Ok(Err(e)) => return Some((Err(failed(&e)), Download::Done)),
            Err(e) => return Some((Err(failed(&e.into())), Download::Done)),
        },
        Download::Done => return None,
    };
    let mut buf = vec![0; 64 * 1024];
    match opened.read(&mut buf).await {
        Ok(0) => None,
        Ok(n) => {
            buf.truncate(n);
            Some((Ok(bytes::Bytes::from(buf)), Download::Sending(opened, keep)))
        }
        Err(e) => Some((Err(e), Download::Done)),
    }
}

/// Logs a failed build; the error that cuts the download short (its text never reaches the
/// client: the connection just ends).
fn failed(why: &anyhow::Error) -> std::io::Error {
    tracing::error!(error = ?why, "an offline package failed to build; its download is cut short");
    std::io::Error::other("the package failed to build")
}
