//! The operator's offline base map (`--basemap-file`): its tiles by address for any file, and a
//! PMTiles file whole, with `Range`, for clients that read PMTiles themselves. Public, like the
//! page: a base map is what a paper map shows, no record of the service is in it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt as _;
use tower_http::services::ServeFile;

use super::extract::Path;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::spatial::TileCoord;
use crate::tilesets::{Basemap, TilesetError};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/basemap/{z}/{x}/{y}", Permission::Public, tile),
        Route::get("/basemap.pmtiles", Permission::Public, pmtiles),
    ]
}

/// The base map of this installation.
fn basemap(state: &AppState) -> Result<Arc<Basemap>> {
    state
        .http
        .basemap_file
        .clone()
        .ok_or_else(|| ApiError::NotFound("the base map (none is configured: --basemap-file)".into()))
}

/// `GET /basemap/{z}/{x}/{y}` (rows from the north, as web maps count): 200 with the tile, its
/// media type and, when stored gzipped, `Content-Encoding: gzip`; 204 for a tile of the file's
/// zooms it does not hold (outside its area); 404 for a zoom the file does not have.
async fn tile(
    State(state): State<AppState>,
    Path((z, x, y)): Path<(String, String, String)>,
) -> Result<Response> {
    let map = basemap(&state)?;
    let number = |name: &str, v: &str| {
        v.parse::<u32>().map_err(|_| ApiError::BadRequest(format!("tile {name} '{v}' is not a whole number")))
    };
    let coord = TileCoord::new_checked(number("zoom", &z)?, number("column", &x)?, number("row", &y)?)
        .map_err(|e| ApiError::BadRequest(e.0))?;
    let info = map.info();
    if coord.z < info.minzoom || coord.z > info.maxzoom {
        return Err(ApiError::NotFound(format!(
            "base map tile {z}/{x}/{y} (the base map has zooms {}..={})",
            info.minzoom, info.maxzoom
        )));
    }
    let format = info.format;
    let reader = Arc::clone(&map);
    let found = tokio::task::spawn_blocking(move || reader.tile(coord.z, coord.x, coord.y))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|e: TilesetError| ApiError::Internal(e.into()))?;
    // The file changes only with a restart; an hour keeps a reload cheap and a swap visible.
    let cache = (header::CACHE_CONTROL, "public, max-age=3600");
    let Some(found) = found else { return Ok((StatusCode::NO_CONTENT, [cache]).into_response()) };
    let mut response = ([(header::CONTENT_TYPE, format.content_type()), cache], found.bytes).into_response();
    if found.gzip {
        response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    Ok(response)
}

/// `GET /basemap.pmtiles`: the PMTiles file; with `Range: bytes=…` (one range) 206 and the
/// bytes, 416 naming what is wrong with any other range. 404 when the base map is not PMTiles.
async fn pmtiles(State(state): State<AppState>, headers: HeaderMap, request: Request) -> Result<Response> {
    let map = basemap(&state)?;
    if !matches!(*map, Basemap::PmTiles(_)) {
        return Err(ApiError::NotFound(
            "the base map as PMTiles (it is an MBTiles file; use /basemap/{z}/{x}/{y})".into(),
        ));
    }
    let path = map.path().to_owned();
    let size = tokio::fs::metadata(&path).await.map_err(|e| ApiError::Internal(e.into()))?.len();
    if let Some(range) = headers.get(header::RANGE) {
        let range = range.to_str().map_err(|_| ApiError::BadRequest("Range: not ASCII".into()))?;
        check_range(range, size).map_err(|why| ApiError::RangeNotSatisfiable { size, why })?;
    }
    // The range is one tower-http serves (checked above, with a message it would not give);
    // it streams the file and answers 206 with Content-Range.
    let mut response = ServeFile::new(path)
        .oneshot(request)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/vnd.pmtiles"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    Ok(response)
}

/// `Ok` when `range` is one satisfiable byte range of a file of `size` bytes (RFC 9110 14.1.2:
/// `first-last`, `first-`, or `-suffix`); else why not.
fn check_range(range: &str, size: u64) -> Result<(), String> {
    let spec = range
        .strip_prefix("bytes=")
        .ok_or_else(|| format!("Range '{range}': only bytes ranges are served (bytes=first-last)"))?;
    if spec.contains(',') {
        return Err(format!("Range '{range}': one range per request"));
    }
    let (first, last) =
        spec.trim().split_once('-').ok_or_else(|| format!("Range '{range}': a range is first-last"))?;
    let number = |v: &str| {
        v.trim().parse::<u64>().map_err(|_| format!("Range '{range}': '{v}' is not a byte position"))
    };
    match (first.trim().is_empty(), last.trim().is_empty()) {
        (true, true) => Err(format!("Range '{range}': a range is first-last")),
        (true, false) => match number(last)? {
            0 => Err(format!("Range '{range}': a suffix of 0 bytes is empty")),
            _ if size == 0 => Err(format!("Range '{range}': the file is empty")),
            _ => Ok(()),
        },
        (false, open) => {
            let first = number(first)?;
            if !open && number(last)? < first {
                return Err(format!("Range '{range}': the last byte is before the first"));
            }
            if first >= size {
                return Err(format!(
                    "Range '{range}': starts at or after the end of the file ({size} bytes)"
                ));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check_range;

    #[test]
    fn ranges_are_checked_as_rfc_9110_reads_them() {
        assert!(check_range("bytes=0-126", 1000).is_ok());
        assert!(check_range("bytes=990-", 1000).is_ok());
        assert!(check_range("bytes=-10", 1000).is_ok());
        assert!(check_range("bytes=500-2000", 1000).is_ok(), "a last byte past the end is clamped");
        for bad in
            ["bytes=1000-", "bytes=5-1", "bytes=0-1,5-6", "items=0-1", "bytes=-0", "bytes=a-b", "bytes=-"]
        {
            assert!(check_range(bad, 1000).is_err(), "{bad}");
        }
    }
}
