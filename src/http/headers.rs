//! The headers every answer carries, whatever answered it: the page, a static file, an API
//! answer, a refusal of the gate, a timeout. They tell the browser what to trust, so that the next
//! escaping mistake (user text reaching `innerHTML`) runs nothing: scripts and styles come only
//! from this service, with no inline code; the page talks to no other server and sits in no
//! other site's frame.
//!
//! The one exception to "this service only" is the operator's online base map
//! (`--basemap-url`): its origin may serve images. A same-origin service worker and web app
//! manifest follow `default-src 'self'`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use super::state::HttpSettings;
use crate::config::{CookieSecurity, basemap_origin};

/// One year: long enough that a browser that has seen the service once never tries plain HTTP
/// again (the common floor for HSTS preload lists).
const HSTS: &str = "max-age=31536000";

/// Everything but geolocation and the screen wake lock is denied: the map may show where an
/// officer stands and the patrol track recorder keeps the screen on while it records (a phone
/// whose screen turns off stops giving positions); no other powerful feature is used, so an
/// injected script cannot ask for the camera or microphone.
const PERMISSIONS: &str = "geolocation=(self), camera=(), microphone=(), payment=(), usb=(), \
     serial=(), bluetooth=(), hid=(), midi=(), display-capture=(), screen-wake-lock=(self), \
     accelerometer=(), gyroscope=(), magnetometer=(), fullscreen=(), publickey-credentials-get=(), \
     browsing-topics=()";

/// The headers of every answer, made once from the settings.
#[derive(Debug)]
pub struct SecurityHeaders {
    fixed: Vec<(HeaderName, HeaderValue)>,
    tls: CookieSecurity,
}

impl SecurityHeaders {
    /// The headers for `settings`. A base map whose origin cannot be told (the command line
    /// refuses such a URL; a test may not) adds nothing: its tiles are blocked, never the page.
    #[must_use]
    pub fn new(settings: &HttpSettings) -> Arc<Self> {
        let policy = content_security_policy(settings.basemap_url.as_deref());
        let mut fixed = vec![
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
            // For browsers that predate `frame-ancestors`.
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (HeaderName::from_static("permissions-policy"), HeaderValue::from_static(PERMISSIONS)),
        ];
        match HeaderValue::from_str(&policy) {
            Ok(value) => fixed.push((header::CONTENT_SECURITY_POLICY, value)),
            Err(e) => {
                tracing::error!(%e, "the Content-Security-Policy is not a header value; serving the strict one");
                fixed.push((header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(STRICT)));
            }
        }
        Arc::new(Self { fixed, tls: settings.cookie_security })
    }
}

/// The policy without a base map.
const STRICT: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; \
     form-action 'self'";

/// The Content-Security-Policy: [`STRICT`], with the base map's origin among the image sources.
#[must_use]
pub fn content_security_policy(basemap_url: Option<&str>) -> String {
    match basemap_url.and_then(basemap_origin) {
        Some(origin) => STRICT.replacen("img-src 'self' data:", &format!("img-src 'self' data: {origin}"), 1),
        None => STRICT.to_owned(),
    }
}

/// Whether the answer goes out over TLS, as `--secure-cookies` says: always, never, or when the
/// TLS-terminating proxy says so in `X-Forwarded-Proto` (antq itself serves plain HTTP). The
/// session cookie's `Secure` follows the same rule.
#[must_use]
pub fn over_tls(setting: CookieSecurity, headers: &HeaderMap) -> bool {
    match setting {
        CookieSecurity::Always => true,
        CookieSecurity::Never => false,
        CookieSecurity::Auto => headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').next().is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))),
    }
}

/// The middleware: adds the headers to whatever answered. A header a handler set itself is
/// replaced: one policy for the whole service.
pub async fn secure(State(headers): State<Arc<SecurityHeaders>>, request: Request, next: Next) -> Response {
    let tls = over_tls(headers.tls, request.headers());
    let mut response = next.run(request).await;
    let out = response.headers_mut();
    for (name, value) in &headers.fixed {
        out.insert(name.clone(), value.clone());
    }
    if tls {
        out.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_map_origin_joins_the_image_sources_only() {
        let policy = content_security_policy(Some("https://{s}.tile.example.org/{z}/{x}/{y}.png"));
        assert!(policy.contains("img-src 'self' data: https://*.tile.example.org;"), "{policy}");
        assert_eq!(policy.matches("example.org").count(), 1, "{policy}");
        assert_eq!(content_security_policy(None), STRICT);
        assert_eq!(content_security_policy(Some("javascript:alert(1)")), STRICT);
    }

    #[test]
    fn tls_follows_the_cookie_setting() {
        let mut proxied = HeaderMap::new();
        proxied.insert("x-forwarded-proto", HeaderValue::from_static("HTTPS, http"));
        assert!(over_tls(CookieSecurity::Auto, &proxied));
        assert!(!over_tls(CookieSecurity::Auto, &HeaderMap::new()));
        assert!(over_tls(CookieSecurity::Always, &HeaderMap::new()));
        assert!(!over_tls(CookieSecurity::Never, &proxied));
    }
}
