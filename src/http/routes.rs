//! The route table: every route is declared once, with the permission it needs, and both the
//! router and the tests are built from that one list. A route cannot be declared without a
//! permission ([`Route`] has no constructor that omits one), and a route added to the router any
//! other way is answered 500 by the gate (it fails closed, see `gate`).
//!
//! ```ignore
//! // In a resource module:
//! pub fn routes() -> Vec<Route> {
//!     vec![
//!         Route::get("/api/v1/collections/{id}/items", Permission::ReadPublic, items),
//!         Route::post("/api/v1/key-points", Permission::Write, create),
//!     ]
//! }
//! // ...and add `module::routes()` to `http::routes()`.
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{self, MethodRouter};

use super::AppState;
use crate::auth::Permission;

/// One route: a method and a path (axum syntax, `{param}`), the permission it needs, and its
/// handler.
pub struct Route {
    /// The HTTP method.
    pub method: Method,
    /// The path pattern, as `MatchedPath` reports it.
    pub path: &'static str,
    /// What the caller needs; the gate checks it before the handler runs.
    pub permission: Permission,
    /// The handler, for this method only.
    pub handler: MethodRouter<AppState>,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({:?})", self.method, self.path, self.permission)
    }
}

macro_rules! constructor {
    ($name:ident, $method:ident, $doc:literal) => {
        #[doc = $doc]
        pub fn $name<H, T>(path: &'static str, permission: Permission, handler: H) -> Self
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            Self { method: Method::$method, path, permission, handler: routing::$name(handler) }
        }
    };
}

impl Route {
    constructor!(get, GET, "A `GET` route (it answers `HEAD` too, with the same permission).");
    constructor!(post, POST, "A `POST` route.");
    constructor!(put, PUT, "A `PUT` route.");
    constructor!(patch, PATCH, "A `PATCH` route.");
    constructor!(delete, DELETE, "A `DELETE` route.");
}

/// What the gate looks a request up in: (method, matched path) -> permission.
#[derive(Debug, Default)]
pub struct Permissions(HashMap<&'static str, HashMap<Method, Permission>>);

impl Permissions {
    /// The permission declared for `method` on the route `path`; `HEAD` is answered by `GET`.
    #[must_use]
    pub fn get(&self, method: &Method, path: &str) -> Option<Permission> {
        let method = if method == Method::HEAD { &Method::GET } else { method };
        self.0.get(path).and_then(|methods| methods.get(method)).copied()
    }

    /// Whether any method is declared on `path`.
    #[must_use]
    pub fn knows_path(&self, path: &str) -> bool {
        self.0.contains_key(path)
    }
}

/// Builds the router of `table`, and the permissions the gate will enforce on it.
///
/// # Panics
/// The same method and path are declared twice (a programming error, caught by every test).
pub fn assemble(table: Vec<Route>) -> (axum::Router<AppState>, Arc<Permissions>) {
    let mut permissions: HashMap<&'static str, HashMap<Method, Permission>> = HashMap::new();
    let mut router = axum::Router::new();
    for route in table {
        let previous =
            permissions.entry(route.path).or_default().insert(route.method.clone(), route.permission);
        assert!(previous.is_none(), "{} {} is declared twice", route.method, route.path);
        router = router.route(route.path, route.handler);
    }
    (router, Arc::new(Permissions(permissions)))
}

/// The route × permission table, as Markdown: README's "Permission of every route" is this
/// output (`antq routes`), and a test fails when they differ.
#[must_use]
pub fn markdown_table(table: &[Route]) -> String {
    use crate::auth::Role;
    let mut out = String::from("| route | permission | who |\n|---|---|---|\n");
    for route in table {
        let p = route.permission;
        let who = match p {
            Permission::Public => "anyone".to_owned(),
            Permission::ReadPublic => "every role; anonymous with `--public-layers`".to_owned(),
            _ => Role::ALL
                .into_iter()
                .filter(|r| r.allows(p))
                .map(|r| {
                    let name = format!("{r:?}").to_lowercase();
                    if r.is_jurisdiction_bound() && p.bounded_by_jurisdiction() {
                        format!("{name} (J)")
                    } else {
                        name
                    }
                })
                .collect::<Vec<_>>()
                .join(", "),
        };
        let _ = writeln!(out, "| `{} {}` | `{p:?}` | {who} |", route.method, route.path);
    }
    out
}
