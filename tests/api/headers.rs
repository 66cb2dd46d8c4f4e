//! `http/headers.rs`: every answer carries the security headers (the page, a static file, an API
//! answer, each kind of error answer), HSTS follows `--secure-cookies`, the base map's origin is
//! the one other image source, and what we ship has no inline code the policy would block.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use antq_atlas::auth::Role;
use antq_atlas::config::CookieSecurity;
use antq_atlas::http::HttpSettings;
use axum::http::{HeaderMap, StatusCode};

use crate::support::{app, app_with, as_user, get_raw, test_db, token};

/// The policy's directives, each with its sources.
fn directives(headers: &HeaderMap) -> BTreeMap<String, String> {
    let policy =
        headers.get("content-security-policy").expect("a Content-Security-Policy").to_str().expect("ASCII");
    policy
        .split(';')
        .filter_map(|d| {
            let d = d.trim();
            let (name, sources) = d.split_once(' ').unwrap_or((d, ""));
            (!name.is_empty()).then(|| (name.to_owned(), sources.to_owned()))
        })
        .collect()
}

fn assert_secure(what: &str, headers: &HeaderMap) {
    let csp = directives(headers);
    for (directive, sources) in [
        ("default-src", "'self'"),
        ("script-src", "'self'"),
        ("style-src", "'self'"),
        ("img-src", "'self' data:"),
        ("connect-src", "'self'"),
        ("frame-ancestors", "'none'"),
        ("base-uri", "'none'"),
        ("form-action", "'self'"),
        ("object-src", "'none'"),
    ] {
        assert_eq!(csp.get(directive).map(String::as_str), Some(sources), "{what}: {directive} in {csp:?}");
    }
    // No source anywhere lets inline code or eval run.
    for sources in csp.values() {
        assert!(!sources.contains("unsafe"), "{what}: {csp:?}");
    }
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    let permissions = get("permissions-policy");
    let allowed: Vec<&str> = permissions.split(',').map(str::trim).filter(|p| !p.ends_with("=()")).collect();
    assert_eq!(allowed, ["geolocation=(self)", "screen-wake-lock=(self)"], "{what}: {permissions}");
    assert!(permissions.contains("camera=()") && permissions.contains("microphone=()"), "{what}");
    assert!(headers.get("strict-transport-security").is_none(), "{what}: HSTS over plain HTTP");
}

#[tokio::test]
async fn the_page_a_static_file_an_api_answer_and_error_answers_carry_the_headers() {
    let db = test_db().await;
    let viewer = as_user(app(db.pool.clone()), &token(&db.pool, Role::Viewer, &[]).await);
    let anonymous = app(db.pool.clone());
    for (who, router, uri, status) in [
        ("anonymous", &anonymous, "/", StatusCode::OK),
        ("anonymous", &anonymous, "/css/app.css", StatusCode::OK),
        ("anonymous", &anonymous, "/js/main.js", StatusCode::OK),
        ("anonymous", &anonymous, "/api/v1/api.html", StatusCode::OK),
        ("anonymous", &anonymous, "/no-such-file.js", StatusCode::NOT_FOUND),
        ("anonymous", &anonymous, "/api/v1/collections", StatusCode::UNAUTHORIZED),
        ("viewer", &viewer, "/api/v1/collections", StatusCode::OK),
        ("viewer", &viewer, "/api/v1/collections/communes/items?limit=1", StatusCode::OK),
        ("viewer", &viewer, "/api/v1/collections/no_such_layer/items", StatusCode::NOT_FOUND),
        ("viewer", &viewer, "/api/v1/search?q=a%00b", StatusCode::BAD_REQUEST),
        ("viewer", &viewer, "/api/v1/collections/key_points/items", StatusCode::FORBIDDEN),
        ("viewer", &viewer, "/audit", StatusCode::FORBIDDEN),
    ] {
        let (got, headers, body) = get_raw(router, uri, &[]).await;
        let what = format!("{who} GET {uri}");
        assert_eq!(got, status, "{what}: {}", String::from_utf8_lossy(&body));
        assert_secure(&what, &headers);
    }
}

#[tokio::test]
async fn hsts_follows_the_secure_cookie_setting() {
    let db = test_db().await;
    let proxied = [("x-forwarded-proto", "https")];
    for (setting, headers, hsts) in [
        (CookieSecurity::Auto, &proxied[..], true),
        (CookieSecurity::Auto, &[][..], false),
        (CookieSecurity::Always, &[][..], true),
        (CookieSecurity::Never, &proxied[..], false),
    ] {
        let router =
            app_with(db.pool.clone(), HttpSettings { cookie_security: setting, ..HttpSettings::default() });
        // An error answer too: the gate's 401 is made before any handler runs.
        for uri in ["/", "/api/v1/collections"] {
            let (_, got, _) = get_raw(&router, uri, headers).await;
            let value = got.get("strict-transport-security").map(|v| v.to_str().expect("ASCII").to_owned());
            let expected = hsts.then(|| "max-age=31536000".to_owned());
            assert_eq!(value, expected, "{setting:?} {headers:?} {uri}");
        }
    }
}

#[tokio::test]
async fn the_base_map_origin_is_the_one_other_image_source() {
    let db = test_db().await;
    let settings = HttpSettings {
        basemap_url: Some("https://{s}.tile.example.org/{z}/{x}/{y}.png?key=1".to_owned()),
        ..HttpSettings::default()
    };
    let (_, headers, _) = get_raw(&app_with(db.pool.clone(), settings), "/", &[]).await;
    let csp = directives(&headers);
    assert_eq!(csp["img-src"], "'self' data: https://*.tile.example.org");
    assert_eq!(csp["connect-src"], "'self'");
    assert_eq!(csp["default-src"], "'self'");
}

/// Every HTML file we ship, and every attribute of it, stays within the policy: no inline script
/// or style element, no `style` attribute, no `on…` handler, no `javascript:` URL.
#[test]
fn what_we_ship_has_no_inline_code() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut pages = vec![root.join("src/http/api.html")];
    collect_html(&root.join("web"), &mut pages);
    assert!(pages.len() >= 2, "{pages:?}");
    for page in pages {
        let html = std::fs::read_to_string(&page).expect("read").to_lowercase();
        let what = page.display();
        assert!(!html.contains("<style"), "{what}: a <style> element");
        assert!(!html.contains("javascript:"), "{what}: a javascript: URL");
        let tags = html.split('<').skip(1).map(|t| t.split('>').next().unwrap_or_default());
        for tag in tags.filter(|t| !t.starts_with('!')) {
            let attributes: Vec<&str> =
                tag.split_whitespace().skip(1).map(|a| a.split('=').next().unwrap_or(a)).collect();
            assert!(!attributes.contains(&"style"), "{what}: a style attribute in <{tag}>");
            assert!(!attributes.iter().any(|a| a.starts_with("on")), "{what}: an event handler in <{tag}>");
            if tag.starts_with("script") {
                assert!(attributes.contains(&"src"), "{what}: an inline script <{tag}>");
            }
        }
    }
}

fn collect_html(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "node_modules" || n == "tests") {
            continue;
        }
        if path.is_dir() {
            collect_html(&path, out);
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
}
