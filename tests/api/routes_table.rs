//! README's table of every route and its permission is `antq routes`'s output: it cannot drift
//! from `http::routes()`, the list the router is built from.

use antq_atlas::http::routes;
use antq_atlas::http::routes::markdown_table;

const BEGIN: &str = "<!-- routes: the output of `antq routes`; a test compares -->\n";
const END: &str = "<!-- routes end -->";

#[test]
fn readme_lists_every_route_with_its_permission_as_the_route_table_declares() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let start = readme.find(BEGIN).expect("README marks the route table") + BEGIN.len();
    let end = start + readme[start..].find(END).expect("README marks the end of the route table");
    let expected = markdown_table(&routes());
    assert!(
        readme[start..end] == expected,
        "README's route table differs from `antq routes`; replace it with:\n{expected}"
    );
}

#[test]
fn the_table_has_one_row_per_route_and_marks_jurisdiction_bound_roles() {
    let table = markdown_table(&routes());
    assert_eq!(table.lines().count(), routes().len() + 2, "a header, a rule, one row per route");
    assert!(table.contains("| `POST /api/v1/key-points` | `Write` | editor (J), admin |"), "{table}");
    assert!(table.contains("| `GET /health` | `Public` | anyone |"), "{table}");
}
