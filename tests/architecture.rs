//! The layering of `docs/architecture.md`, checked: every `crate::` path in `src/` (test modules
//! aside) goes from a module to one in a lower layer, so the module graph has no cycles.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, lowest first; a module may use only modules of lower layers.
const LAYERS: &[(&str, &[&str])] = &[
    ("foundation", &["util", "text", "config", "conneg"]),
    ("vocabulary", &["vocab"]),
    (
        "nouns",
        &["concept", "rdf", "queries", "describe", "sparql"],
    ),
    ("store", &["store", "stats"]),
    ("integrity", &["check"]),
    ("load", &["load"]),
    ("indexes", &["embed", "search"]),
    ("matching", &["matching"]),
    ("domain services", &["reconcile", "esco_api", "extract"]),
    ("review", &["curation"]),
    ("write-back and publication", &["publish", "lab"]),
    ("serving", &["http"]),
    ("command line", &["cli"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, mods)| mods.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`None` for the crate root and `main`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_string_lossy();
    let name = first.trim_end_matches(".rs");
    (name != "lib" && name != "main").then(|| name.to_owned())
}

/// The top-level modules named by `crate::` paths in `text`, `use crate::{a, b::c}` groups
/// included.
fn crate_paths(text: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The first segment of each item of the group, at its own depth only.
            let (mut depth, mut start) = (0usize, true);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && !c.is_whitespace() => {
                        start = false;
                        let name = ident(&group[i..]);
                        if !name.is_empty() {
                            found.insert(name);
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// Every edge between top-level modules, from the non-test code of `src/`.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let Some(from) = module_of(&src, &file) else {
            continue;
        };
        let text = fs::read_to_string(&file).expect("a source file is readable");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for to in crate_paths(code) {
            if to != from && to.starts_with(|c: char| c.is_ascii_lowercase()) {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    graph
}

#[test]
fn every_module_uses_only_lower_layers() {
    let graph = module_graph();
    assert!(
        graph.len() > 10,
        "the graph was not read: {} modules",
        graph.len()
    );
    let mut wrong = Vec::new();
    for (from, tos) in &graph {
        let Some(lf) = layer_of(from) else {
            wrong.push(format!("{from} is in no layer"));
            continue;
        };
        for to in tos {
            match layer_of(to) {
                None => wrong.push(format!("{to} (used by {from}) is in no layer")),
                Some(lt) if lt >= lf => wrong.push(format!(
                    "{from} ({}) uses {to} ({})",
                    LAYERS[lf].0, LAYERS[lt].0
                )),
                Some(_) => {}
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}

#[test]
fn the_parser_sees_grouped_and_plain_paths() {
    let found = crate_paths(
        "use crate::{store::{self, search}, vocab};\nlet x = crate::load::table::decode(b);",
    );
    let found: Vec<&str> = found.iter().map(String::as_str).collect();
    assert_eq!(found, ["load", "store", "vocab"]);
}
