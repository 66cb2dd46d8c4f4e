//! The installable web map (`http/offline.rs`): `GET /sw.js` is the worker with the app shell's
//! files and a version that follows their contents, so a deploy that changes any of them is
//! offered to the phones that have the old one.

use std::path::Path;

use antq_atlas::http::{AppState, HttpSettings};
use axum::http::StatusCode;

use crate::support::{app, get_raw, test_db};

/// The shell's URLs as the worker lists them (`const SHELL_FILES = [...]`) and its version.
fn shell(script: &str) -> (String, Vec<String>) {
    let line = |name: &str| {
        script
            .lines()
            .find_map(|l| l.strip_prefix(&format!("const {name} = ")))
            .expect(name)
            .trim_end_matches(';')
    };
    let version = line("SHELL_VERSION").trim_matches('\'').to_owned();
    (version, serde_json::from_str(line("SHELL_FILES")).expect("a JSON list"))
}

#[tokio::test]
async fn the_worker_lists_the_whole_shell_and_every_listed_file_is_served() {
    let db = test_db().await;
    let app = app(db.pool.clone());

    let (status, headers, body) = get_raw(&app, "/sw.js", &[]).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-cache");
    let script = String::from_utf8(body).expect("utf-8");
    let (version, files) = shell(&script);
    assert_eq!(version.len(), 16, "{version}");
    for needed in [
        "/",
        "/js/main.js",
        "/js/offline.js",
        "/js/edit.js",
        "/css/app.css",
        "/manifest.webmanifest",
        "/icons/icon-192.png",
        "/icons/icon-512.png",
        "/node_modules/leaflet/dist/leaflet.js",
        "/node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js",
    ] {
        assert!(files.iter().any(|f| f == needed), "{needed} is not in the shell: {files:?}");
    }
    assert!(!files.iter().any(|f| f.contains("/tests/")), "{files:?}");
    assert!(script.contains("self.addEventListener('fetch'"), "the worker's code follows");
    for file in &files {
        let (status, ..) = get_raw(&app, file, &[]).await;
        assert_eq!(status, StatusCode::OK, "{file}");
    }
}

#[tokio::test]
async fn the_manifest_names_the_app_in_vietnamese_with_png_icons_that_exist() {
    let db = test_db().await;
    let app = app(db.pool.clone());

    let (status, headers, body) = get_raw(&app, "/manifest.webmanifest", &[]).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/manifest+json");
    let manifest: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(
        (manifest["lang"].as_str(), manifest["name"].as_str()),
        (Some("vi"), Some("Bản đồ ANTQ Lào Cai"))
    );
    assert_eq!(manifest["display"], "standalone");
    let icons = manifest["icons"].as_array().expect("icons");
    assert!(icons.iter().any(|i| i["sizes"] == "512x512" && i["purpose"] == "maskable"), "{icons:?}");
    for icon in icons {
        let (status, headers, png) = get_raw(&app, icon["src"].as_str().expect("src"), &[]).await;
        assert_eq!(
            (status, &headers["content-type"]),
            (StatusCode::OK, &"image/png".parse().expect("value"))
        );
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{}", icon["src"]);
        // The width in the PNG's header is the size the manifest promises.
        let width = u32::from_be_bytes(png[16..20].try_into().expect("4 bytes"));
        assert_eq!(icon["sizes"], format!("{width}x{width}"));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    }
}

#[tokio::test]
async fn changing_any_shell_file_changes_the_version_and_nothing_else_does() {
    let db = test_db().await;
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let dir = tempfile::tempdir().expect("temp dir");
    for sub in ["js", "css", "icons", "sw"] {
        copy_dir(&web.join(sub), &dir.path().join(sub));
    }
    for file in ["index.html", "manifest.webmanifest", "favicon.svg"] {
        std::fs::copy(web.join(file), dir.path().join(file)).expect("copy");
    }
    let settings = HttpSettings { web_dir: dir.path().to_owned(), ..HttpSettings::default() };
    let app = antq_atlas::http::router(AppState::new(db.pool.clone(), false, settings));
    let version = || async {
        let (status, _, body) = get_raw(&app, "/sw.js", &[]).await;
        assert_eq!(status, StatusCode::OK);
        shell(&String::from_utf8(body).expect("utf-8")).0
    };

    let first = version().await;
    assert_eq!(version().await, first, "the same files, the same version");
    std::fs::write(dir.path().join("notes.txt"), "not part of the shell").expect("write");
    assert_eq!(version().await, first);
    let main = dir.path().join("js/main.js");
    let mut text = std::fs::read_to_string(&main).expect("main.js");
    text.push_str("\n// a deploy\n");
    std::fs::write(&main, text).expect("write");

    assert_ne!(version().await, first);
    std::fs::remove_file(dir.path().join("sw/worker.js")).expect("rm");
    let (status, ..) = get_raw(&app, "/sw.js", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
