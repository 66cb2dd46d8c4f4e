//! The module layout's rules, read from the source (docs/architecture.md states them):
//! - no two files of `layers/` or `http/` import each other, directly or around a circle;
//! - `config.rs` imports nothing from `db`, `imports` or `http`;
//! - `spatial` imports nothing from `layers`, `imports`, `http` or `db`.
//!
//! A file's imports are the paths it names outside comments (`use` trees expanded, and paths
//! written inline such as `crate::layers::analysis_runs::prepare`). A path to an item of a
//! directory's `mod.rs` that the `mod.rs` only re-exports (`pub use child::Item`) counts as a
//! path to the child, since that is where the item lives.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The text without `//` comments (doc comments included) and without string literals' insides,
/// so paths mentioned in prose or in SQL do not count.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut prev = ' ';
        let mut kept = String::new();
        for (i, c) in line.char_indices() {
            if !in_string && c == '/' && line[i..].starts_with("//") {
                break;
            }
            if c == '"' && prev != '\\' {
                in_string = !in_string;
            }
            if !in_string {
                kept.push(c);
            }
            prev = c;
        }
        out.push_str(&kept);
        out.push('\n');
    }
    out
}

/// Expands a `use` tree (`a::{b, c::{d, e}}`) into its paths.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        return vec![path.to_owned()];
    };
    let prefix = tree[..open].trim_end_matches("::").trim();
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(expand)
        .map(|p| if p == "self" { prefix.to_owned() } else { format!("{prefix}::{p}") })
        .collect()
}

/// Every path the code names that starts with `crate::` or `super::`.
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    // `use` statements, brace trees and all.
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        let after = &rest[at + 4..];
        if before.is_none_or(|c| !c.is_alphanumeric() && c != '_')
            && let Some(end) = after.find(';')
        {
            out.extend(expand(&after[..end]).into_iter().map(|p| p.replace(char::is_whitespace, "")));
        }
        rest = after;
    }
    // Inline paths.
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let i = from + i;
            from = i + start.len();
            if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b':')
            {
                continue;
            }
            let end = code[i..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |e| i + e);
            // `super::{a, b}` and `super::*` are `use` trees, expanded above.
            if !code[i..end].ends_with("::") {
                out.push(code[i..end].to_owned());
            }
        }
    }
    out
}

/// The module path of a file under `src/` (`src/http/openapi/mod.rs` -> `http::openapi`).
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap_or(file).with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The files of `src/` by module path, with their code.
fn modules() -> BTreeMap<Vec<String>, String> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files
        .into_iter()
        .map(|f| (module_of(&f), code_of(&std::fs::read_to_string(&f).expect("read source"))))
        .collect()
}

/// Names a module re-exports from its children: `pub use child::{A, b::C}` maps A and C to
/// `child`.
fn re_exports(code: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for stmt in code.split(';') {
        let Some(tree) = stmt.trim().strip_prefix("pub use ") else { continue };
        for path in expand(tree) {
            let path = path.replace(char::is_whitespace, "");
            let segs: Vec<&str> = path.split("::").collect();
            if let (Some(first), Some(last)) = (segs.first(), segs.last())
                && !["crate", "super", "std"].contains(first)
            {
                out.insert((*last).to_owned(), (*first).to_owned());
            }
        }
    }
    out
}

/// The module file a path from module `from` lands in: the longest module prefix, then through
/// its re-exports.
fn target(from: &[String], path: &str, mods: &BTreeMap<Vec<String>, String>) -> Option<Vec<String>> {
    let segs: Vec<&str> = path.split("::").collect();
    let mut abs: Vec<String> = Vec::new();
    let mut rest = segs.as_slice();
    if rest.first() == Some(&"crate") {
        rest = &rest[1..];
    } else {
        abs = from.to_vec();
        while rest.first() == Some(&"super") {
            abs.pop();
            rest = &rest[1..];
        }
    }
    abs.extend(rest.iter().filter(|s| **s != "*").map(|s| (*s).to_owned()));
    let mut module = (0..=abs.len()).rev().map(|n| abs[..n].to_vec()).find(|m| mods.contains_key(m))?;
    // An item of a module that is only re-exported there lives in the child.
    if let Some(item) = abs.get(module.len())
        && let Some(child) = mods.get(&module).map(|code| re_exports(code)).and_then(|r| r.get(item).cloned())
    {
        let mut c = module.clone();
        c.push(child);
        if mods.contains_key(&c) {
            module = c;
        }
    }
    Some(module)
}

/// The import graph of the files under `dir` (a module path such as `layers`).
fn graph(dir: &str) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mods = modules();
    let inside = |m: &Vec<String>| m.first().is_some_and(|f| f == dir);
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, code) in mods.iter().filter(|(m, _)| inside(m)) {
        let set = edges.entry(module.clone()).or_default();
        for path in paths(code) {
            if let Some(t) = target(module, &path, &mods).filter(|t| inside(t) && t != module) {
                set.insert(t);
            }
        }
    }
    edges
}

/// A circle of imports, if there is one.
fn find_cycle(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Option<Vec<String>> {
    fn visit(
        node: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut HashMap<Vec<String>, u8>,
        stack: &mut Vec<Vec<String>>,
    ) -> Option<Vec<String>> {
        state.insert(node.clone(), 1);
        stack.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            match state.get(next) {
                Some(1) => {
                    let from = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut cycle: Vec<String> = stack[from..].iter().map(|m| m.join("::")).collect();
                    cycle.push(next.join("::"));
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(next, edges, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node.clone(), 2);
        None
    }
    let mut state = HashMap::new();
    edges
        .keys()
        .find_map(|n| if state.contains_key(n) { None } else { visit(n, edges, &mut state, &mut Vec::new()) })
}

#[test]
fn no_file_of_layers_or_http_imports_one_that_imports_it_back() {
    for dir in ["layers", "http"] {
        let edges = graph(dir);
        assert!(edges.len() > 10, "{dir}: the source was not read ({} files)", edges.len());
        if let Some(cycle) = find_cycle(&edges) {
            panic!("{dir}: circular imports: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_cycle_finder_finds_a_circle_through_a_re_export() {
    // The check must be able to fail: a made-up pair that imports each other.
    let mut mods = BTreeMap::new();
    let m = |s: &str| s.split("::").map(str::to_owned).collect::<Vec<_>>();
    mods.insert(m("x"), "mod a;\nmod b;\npub use b::Thing;\n".to_owned());
    mods.insert(m("x::a"), "use super::Thing;\n".to_owned());
    mods.insert(m("x::b"), "pub struct Thing;\nfn f() { crate::x::a::g(); }\n".to_owned());
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, code) in &mods {
        let set = edges.entry(module.clone()).or_default();
        for p in paths(code) {
            if let Some(t) = target(module, &p, &mods).filter(|t| t != module) {
                set.insert(t);
            }
        }
    }
    let cycle = find_cycle(&edges).expect("a -> b -> a");
    assert!(cycle.contains(&"x::a".to_owned()) && cycle.contains(&"x::b".to_owned()), "{cycle:?}");
}

#[test]
fn config_and_spatial_import_nothing_from_the_layers_above_them() {
    let mods = modules();
    let rules: [(&str, &[&str]); 2] =
        [("config", &["db", "imports", "http"]), ("spatial", &["layers", "imports", "http", "db"])];
    for (module, forbidden) in rules {
        for (m, code) in mods.iter().filter(|(m, _)| m.first().is_some_and(|f| f == module)) {
            for path in paths(code) {
                let t = target(m, &path, &mods).unwrap_or_default();
                assert!(
                    !t.first().is_some_and(|f| forbidden.contains(&f.as_str())),
                    "{} imports {path}",
                    m.join("::")
                );
            }
        }
    }
}
