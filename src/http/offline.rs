//! The web map as an installable app that opens with no network: `GET /sw.js`, its service
//! worker. The worker's code is `web/sw/worker.js`; the server puts two lines before it: the app
//! shell's files (the page, its modules, styles, icons and the vendored Leaflet files it loads)
//! and a version that is a hash of all their contents. So any deploy that changes a file of the
//! shell changes the worker's bytes, the browser installs the new worker beside the old one, and
//! the page offers the update (never forced: see `web/js/offline.js`). No build step and no
//! hand-kept version number to forget.

use std::fmt::Write as _;
use std::path::Path;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![Route::get("/sw.js", Permission::Public, service_worker)]
}

/// The worker's own code, under the web directory.
const WORKER: &str = "sw/worker.js";
/// Single files of the shell (the page itself is cached as `/`).
const FILES: [&str; 3] = ["index.html", "manifest.webmanifest", "favicon.svg"];
/// Directories of the shell, with the file endings taken from each (not recursive).
const DIRS: [(&str, &str); 3] = [("js", ".js"), ("css", ".css"), ("icons", ".png")];
/// The vendored files the page loads from `node_modules` (index.html, `js/geoman.js`, and the
/// images Leaflet's stylesheet names).
const VENDORED: [&str; 12] = [
    "node_modules/leaflet/dist/leaflet.css",
    "node_modules/leaflet/dist/leaflet.js",
    "node_modules/leaflet/dist/images/layers.png",
    "node_modules/leaflet/dist/images/layers-2x.png",
    "node_modules/leaflet/dist/images/marker-icon.png",
    "node_modules/leaflet/dist/images/marker-icon-2x.png",
    "node_modules/leaflet/dist/images/marker-shadow.png",
    "node_modules/leaflet.markercluster/dist/MarkerCluster.css",
    "node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css",
    "node_modules/leaflet.markercluster/dist/leaflet.markercluster.js",
    "node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css",
    "node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js",
];

/// 200 with the worker (`no-cache`: the browser checks it on every visit); 404 when the web
/// directory has no worker.
async fn service_worker(State(state): State<AppState>) -> Result<Response> {
    let dir = state.http.web_dir.clone();
    let script = tokio::task::spawn_blocking(move || assemble(&dir))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ApiError::NotFound("the service worker".into()),
            _ => ApiError::Internal(e.into()),
        })?;
    Ok((
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")],
        script,
    )
        .into_response())
}

/// The shell's files under `dir` that exist, as paths relative to it, sorted.
fn shell_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut files: Vec<String> = FILES.iter().chain(&VENDORED).map(|f| (*f).to_owned()).collect();
    for (sub, ending) in DIRS {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else { continue };
        for entry in entries {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if name.ends_with(ending) {
                files.push(format!("{sub}/{name}"));
            }
        }
    }
    // A vendored file missing (node packages not installed) is one the page cannot load either.
    files.retain(|f| dir.join(f).is_file());
    files.sort();
    Ok(files)
}

/// The worker: the shell's URLs and version, then its code.
fn assemble(dir: &Path) -> std::io::Result<String> {
    let worker = std::fs::read_to_string(dir.join(WORKER))?;
    let files = shell_files(dir)?;
    let mut hash = Sha256::new();
    hash.update(worker.as_bytes());
    for file in &files {
        hash.update(file.as_bytes());
        hash.update([0]);
        hash.update(std::fs::read(dir.join(file))?);
    }
    let version = hash.finalize().iter().take(8).fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    let urls: Vec<String> =
        files.iter().map(|f| if f == "index.html" { "/".to_owned() } else { format!("/{f}") }).collect();
    let urls = serde_json::to_string(&urls).map_err(std::io::Error::other)?;
    Ok(format!(
        "// Written by antq for GET /sw.js: the app shell's files and a hash of their contents.\n\
         const SHELL_VERSION = '{version}';\nconst SHELL_FILES = {urls};\n\n{worker}"
    ))
}
