//! The named queries of `queries/`: each one's result on the fixture store, checked against the
//! reviewed expectation beside this file (`tests/queries/<name>.tsv`: the projected variables,
//! then the rows in SPARQL TSV term syntax, sorted). A query whose answer changes fails here.
//!
//! A query that finds nothing in the fixture (the examples name an occupation it lacks, the
//! checks find no fault in it) is also run with `tests/queries/planted.trig` added, cases planted
//! for it to find: `<name>.planted.tsv` must list some, so that no expectation is empty only.
//!
//! After a deliberate change, `UPDATE_EXPECT=1 cargo test --release queries::` rewrites the
//! expectations; review the diff before committing it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use oxigraph::sparql::QueryResults;

use crate::common::fixture_store;

/// `queries/` of the project.
fn query_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("queries")
}

/// `tests/queries/` (the expectations).
fn expected_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/queries")
}

/// The file stems of the `ext` files in `dir`, sorted.
fn stems(dir: &Path, ext: &str) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// A SELECT's answer as TSV: the variables, then the rows sorted.
fn answer(store: &oxigraph::store::Store, query: &str) -> String {
    let QueryResults::Solutions(solutions) = esco_ld::sparql::evaluate(store, query, None).unwrap()
    else {
        panic!("not a SELECT query")
    };
    let header: Vec<String> = solutions
        .variables()
        .iter()
        .map(ToString::to_string)
        .collect();
    let mut rows: Vec<String> = solutions
        .map(|s| {
            s.unwrap()
                .values()
                .iter()
                .map(|v| v.as_ref().map(ToString::to_string).unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    rows.sort();
    let mut out = header.join("\t");
    out.push('\n');
    for row in rows {
        out.push_str(&row);
        out.push('\n');
    }
    out
}

/// Compares `got` with the expectation `tests/queries/<stem>.tsv` (rewriting it when
/// `UPDATE_EXPECT=1`); the difference, if any.
fn compare(stem: &str, got: &str) -> Option<String> {
    let path = expected_dir().join(format!("{stem}.tsv"));
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if got == expected {
        return None;
    }
    if std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1") {
        std::fs::write(&path, got).unwrap();
        return None;
    }
    Some(format!(
        "{stem}: expected ({}):\n{expected}\ngot:\n{got}",
        path.display()
    ))
}

#[test]
fn every_named_query_gives_its_reviewed_answer_on_the_fixture() {
    let queries = stems(&query_dir(), "rq");
    assert!(queries.len() >= 10, "{queries:?}");
    let (_tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    let (_planted_tmp, planted_dir) = fixture_store();
    let planted = esco_ld::store::open(&planted_dir).unwrap();
    planted
        .load_from_slice(
            oxigraph::io::RdfFormat::TriG,
            &std::fs::read(expected_dir().join("planted.trig")).unwrap(),
        )
        .unwrap();
    let mut wrong = Vec::new();
    let mut expectations = BTreeSet::new();
    for name in &queries {
        let text = std::fs::read_to_string(query_dir().join(format!("{name}.rq"))).unwrap();
        let got = answer(&store, &text);
        wrong.extend(compare(name, &got));
        expectations.insert(name.clone());
        if got.lines().count() > 1 {
            continue;
        }
        // Nothing in the fixture: what it finds among the planted cases.
        let got = answer(&planted, &text);
        if got.lines().count() < 2 {
            wrong.push(format!("{name}: finds nothing, not even in planted.trig"));
        }
        let stem = format!("{name}.planted");
        wrong.extend(compare(&stem, &got));
        expectations.insert(stem);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Every expectation belongs to a query.
    let stale: Vec<_> = stems(&expected_dir(), "tsv")
        .difference(&expectations)
        .cloned()
        .collect();
    assert!(stale.is_empty(), "expectations without a query: {stale:?}");
}
