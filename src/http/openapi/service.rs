//! The operations of the routes around the data: sign-in, health and metadata, reports,
//! analyses and search.

use axum::http::Method;
use serde_json::{Value, json};

use super::parts::{JSON_OK, body, exception, operation, param, query};
use crate::auth::Permission;
use crate::http::routes::Route;

/// The commune reports and the patrol effort (restricted figures, permission `Analyse`).
pub(super) fn analysis_operation(route: &Route) -> Option<Value> {
    let one = |summary: &str, params: Vec<Value>| Some(operation(summary, route.permission, params, JSON_OK));
    let window = |default: &str| query("datetime", json!({ "type": "string" }), default);
    let as_of = || query("as_of", json!({ "type": "string", "format": "date" }), "default today");
    let format = || query("f", json!({ "type": "string", "enum": ["json", "csv"] }), "format");
    let width = || {
        let schema = json!({ "type": "number", "minimum": 10, "maximum": 5000, "default": 500 });
        query("width", schema, "sight width in metres")
    };
    let min_share = || {
        let schema = json!({ "type": "number", "minimum": 0, "maximum": 1, "default": 0.25 });
        query("min_share", schema, "least share of the segment a patrol must cover to count as patrolling it")
    };
    match (route.method.clone(), route.path) {
        (Method::GET, "/api/v1/reports/communes") => one(
            "One row of figures per commune as of a date (designations, staff, villages, models, key points, \
             patrol effort, border coverage)",
            vec![as_of(), window("window of key points and patrols; default the year up to as_of"), format()],
        ),
        (Method::GET, "/api/v1/reports/communes/{code}") => one(
            "One commune's report as of a date, with the details behind its figures",
            vec![
                param("code", "path", true, json!({ "type": "string" }), "commune code"),
                as_of(),
                window("window of key points and patrols; default the year up to as_of"),
            ],
        ),
        (Method::GET, "/api/v1/analysis/effort") => one(
            "Patrol effort (patrols, patrol-days, hours, geodesic km) per month, unit or commune",
            vec![
                window("window; default all time"),
                query(
                    "by",
                    json!({ "type": "string", "enum": ["month", "unit", "commune"] }),
                    "grouping, default month",
                ),
                query(
                    "units_as_of",
                    json!({ "type": "string", "format": "date" }),
                    "by=commune: the communes of this date; default the window's last day (today at the latest)",
                ),
                format(),
            ],
        ),
        (Method::GET, "/api/v1/analysis/plan-coverage") => one(
            "Planned border coverage of the coming weeks: per segment the plans and forecast share, the gaps \
             ahead (no plan reaches the segment, each with its last patrol before the window by the min_share \
             rule, the days since and the last touch) and the conflicts (two plans on a segment in overlapping \
             time by units with none in common, neither joint)",
            vec![
                query(
                    "from",
                    json!({ "type": "string", "format": "date" }),
                    "first day; default today (Vietnam)",
                ),
                query(
                    "weeks",
                    json!({ "type": "integer", "minimum": 1, "maximum": 26, "default": 4 }),
                    "window length in weeks",
                ),
                width(),
                min_share(),
            ],
        ),
        (Method::GET, "/api/v1/analysis/border-segments/{code}/patrols") => one(
            "One border segment's patrol history: its coverage row (as border_coverage) and, newest first, each \
             patrol that touched it in the window, plus the last that counted and the last that touched it before \
             the window, with units, date, metres, share and whether it counts (share >= min_share)",
            vec![
                param("code", "path", true, json!({ "type": "string" }), "border segment code (BG-11)"),
                window("window of tracks; default the last 30 days up to today (Vietnam)"),
                width(),
                min_share(),
            ],
        ),
        _ => None,
    }
}

/// Sign-in, health, metadata and the other routes around the data.
pub(super) fn service_operation(route: &Route) -> Option<Value> {
    let p = route.permission;
    let json_ok = JSON_OK;
    let one = |summary: &str, params: Vec<Value>, ok| Some(operation(summary, p, params, ok));
    match (route.method.clone(), route.path) {
        (Method::GET, "/health") => one("Service and database health", vec![], json_ok),
        (Method::GET, "/config.json") => one("The web map's settings (base map)", vec![], json_ok),
        (Method::GET, "/sw.js") => one(
            "The web map's service worker: the app shell's files and their version, then its code",
            vec![],
            ("200", "text/javascript", "the worker script"),
        ),
        (Method::GET, "/metrics") => one(
            "Request counts and latencies by route, pool usage and database errors (Prometheus text format; admins)",
            vec![],
            ("200", "text/plain", "Prometheus text exposition format 0.0.4"),
        ),
        (Method::POST, "/auth/login") => {
            let mut op = operation("Sign in (sets the session cookie)", p, vec![], json_ok);
            op["responses"]["429"] =
                exception("too many failed sign-ins; the description says when to retry");
            body(
                &mut op,
                json!({ "type": "object", "required": ["username", "password"],
                "properties": { "username": { "type": "string" }, "password": { "type": "string" } } }),
            );
            Some(op)
        }
        (Method::POST, "/auth/logout") => {
            let mut op = operation("Sign out", p, vec![], JSON_OK);
            // 204 has no body (schemathesis: a declared content type on an empty answer).
            op["responses"].as_object_mut().map(|r| r.remove("200"));
            op["responses"]["204"] = json!({ "description": "signed out" });
            Some(op)
        }
        (
            Method::POST,
            "/api/v1/admin/users/{username}/sessions/revoke" | "/api/v1/admin/users/{username}/disable",
        ) => {
            let summary = if route.path.ends_with("revoke") {
                "End every session of a user (a lost phone); the user may sign in again. Each phone holding one \
                 gets 401 session_revoked on its next request and wipes its data. Audited"
            } else {
                "Disable a user: its sessions end (401 user_disabled on the next request; the phone wipes its \
                 data), its tokens stop working, sign-in is refused. Audited"
            };
            let name = param("username", "path", true, json!({ "type": "string" }), "sign-in name");
            let mut op =
                operation(summary, p, vec![name], ("200", "application/json", "the user and sessions_ended"));
            if route.path.ends_with("disable") {
                op["responses"]["409"] = exception("an admin cannot disable itself");
            }
            Some(op)
        }
        (Method::GET, "/auth/me") => {
            one("The signed-in user, role, jurisdiction and CSRF token", vec![], json_ok)
        }
        (Method::GET, "/audit") => one(
            "The audit log, newest first",
            vec![
                query("user", json!({ "type": "string" }), "user name"),
                query("action", json!({ "type": "string" }), "action, exact or a prefix ending in '.'"),
                query("from", json!({ "type": "string", "format": "date-time" }), "from this time"),
                query("to", json!({ "type": "string", "format": "date-time" }), "until this time"),
                query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 1000 }), "rows"),
            ],
            json_ok,
        ),
        (Method::GET, "/api/v1") => one("Landing page", vec![], json_ok),
        (Method::GET, "/api/v1/conformance") => one("Conformance classes", vec![], json_ok),
        (Method::GET, "/api/v1/openapi.json") => one("This API definition", vec![], json_ok),
        (Method::GET, "/api/v1/api.html") => {
            one("This API definition as a page", vec![], ("200", "text/html", "page"))
        }
        (Method::GET, "/api/v1/collections") => one("The collections the caller may read", vec![], json_ok),
        _ => None,
    }
}

/// Writes, reports and search.
pub(super) fn data_operation(route: &Route) -> Option<Value> {
    let p = route.permission;
    let json_ok = JSON_OK;
    let one = |summary: &str, params: Vec<Value>, ok| Some(operation(summary, p, params, ok));
    match (route.method.clone(), route.path) {
        (Method::GET, "/api/v1/reports/province") => one(
            "The province report as of a date",
            vec![
                query("as_of", json!({ "type": "string", "format": "date" }), "default today"),
                query("f", json!({ "type": "string", "enum": ["json", "csv"] }), "format"),
            ],
            json_ok,
        ),
        (Method::GET, "/api/v1/units/{code}/lineage") => one(
            "A unit's lineage: its versions, the units it came from and became, with dates and basis",
            vec![param("code", "path", true, json!({ "type": "string" }), "unit code (of any time)")],
            json_ok,
        ),
        (Method::GET, "/api/v1/analysis/pai") => Some(pai(p)),
        (Method::GET, "/api/v1/forms/{kind}") => one(
            "An edit form: fields, types, limits, coded choices (vi/en) and the key point status workflow",
            vec![param(
                "kind",
                "path",
                true,
                json!({ "type": "string", "enum": ["key-points", "model-sites"] }),
                "the write route's name",
            )],
            json_ok,
        ),
        (Method::GET, "/api/v1/search") => one(
            "Find units, posts, markers, model sites and key points by name or code; a former name (a unit closed by as_of) finds the unit it became, `former` true, labelled with the chain of changes",
            vec![
                param(
                    "q",
                    "query",
                    true,
                    json!({ "type": "string", "minLength": 1, "maxLength": 200 }),
                    "what to find",
                ),
                query(
                    "limit",
                    json!({ "type": "integer", "minimum": 1, "maximum": 50 }),
                    "hits (default 10)",
                ),
                query("as_of", json!({ "type": "string", "format": "date" }), "units as of this date"),
            ],
            json_ok,
        ),
        _ => None,
    }
}

/// `GET /api/v1/analysis/pai`.
pub(super) fn pai(p: Permission) -> Value {
    operation(
        "Hit rate and Predictive Accuracy Index of the hot-spot map and of the key security communes",
        p,
        vec![
            param("train", "query", true, json!({ "type": "string" }), "training interval (OGC datetime)"),
            param("test", "query", true, json!({ "type": "string" }), "test interval (OGC datetime)"),
            query(
                "coverage",
                json!({ "type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1, "default": 0.05 }),
                "share of the province the selected cells cover",
            ),
            query("cell", json!({ "type": "number", "minimum": 1 }), "hexagon edge, m (default as hotspots)"),
            query("as_of", json!({ "type": "string", "format": "date" }), "boundaries and designations"),
            query(
                "units_as_of",
                json!({ "type": "string", "format": "date" }),
                "the units (province, communes, designations) both windows are counted in; default as_of, else the \
                 test window's last day",
            ),
        ],
        ("200", "application/json", "success"),
    )
}
