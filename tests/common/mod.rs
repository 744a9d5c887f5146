//! Helpers shared by the integration tests: the fixture, stores in temporary folders, queries,
//! and [`TestApp`], the real app factory over a fresh copy of the fixture store.

mod app;

pub use app::TestApp;

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use esco_ld::load::{self, LoadOptions, LoadReport};
use esco_ld::store;
use oxigraph::io::RdfFormat;
use oxigraph::sparql::QueryResults;
use oxigraph::store::Store;

/// `tests/fixtures/...`
pub fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

/// The ESCO fixture bundle and its O*NET crosswalk subset.
pub fn fixture_sources() -> Vec<PathBuf> {
    vec![
        fixture("esco"),
        fixture("crosswalks/onet_esco_crosswalk_subset.csv"),
    ]
}

/// Loads sources into the store folder `dir` through the real all-or-nothing path.
pub fn load(dir: &Path, sources: &[PathBuf], release: Option<&str>) -> Result<LoadReport, String> {
    let plan = load::plan(
        sources,
        &LoadOptions {
            release: release.map(str::to_owned),
            crosswalk_id: None,
        },
    )
    .map_err(|e| esco_ld::util::error_chain(&e))?;
    load::load_into(dir, plan).map_err(|e| esco_ld::util::error_chain(&e))
}

/// The fixture loaded once per test process through the real loader, kept open: every test's
/// store is a copy of it (a RocksDB checkpoint, whose table files are hard links).
fn template() -> &'static Store {
    static TEMPLATE: OnceLock<Store> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        // Templates of test processes that have ended.
        for entry in std::fs::read_dir(tmp).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("fixture-template-") {
                if !Path::new("/proc").join(pid).exists() {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let dir = tmp
            .join(format!("fixture-template-{}", std::process::id()))
            .join("store");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
        load(&dir, &fixture_sources(), Some("1.1.1")).expect("the fixture loads");
        Store::open(&dir).expect("the fixture store opens")
    })
}

/// A temporary folder with a copy of the fixture store in `store/` inside it.
pub fn fixture_store() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    template().backup(&dir).expect("the fixture store copies");
    (tmp, dir)
}

/// ASK over the union of all graphs.
pub fn ask(store: &Store, query: &str) -> bool {
    let prefixed = format!("{PREFIXES}\n{query}");
    match esco_ld::sparql::evaluate(store, &prefixed, None).unwrap() {
        QueryResults::Boolean(b) => b,
        QueryResults::Solutions(_) | QueryResults::Graph(_) => panic!("not an ASK query"),
    }
}

/// The first value of a one-row SELECT, as an integer.
pub fn count(store: &Store, query: &str) -> u64 {
    let prefixed = format!("{PREFIXES}\n{query}");
    let rows = esco_ld::sparql::select(store, &prefixed).unwrap();
    match rows.first().and_then(|r| r.first()).cloned().flatten() {
        Some(oxigraph::model::Term::Literal(l)) => l.value().parse().unwrap(),
        other => panic!("no count: {other:?}"),
    }
}

/// The first two values of each row of a SELECT, as IRIs or literal values.
pub fn select_pairs(store: &Store, query: &str) -> Vec<(String, String)> {
    let prefixed = format!("{PREFIXES}\n{query}");
    let text = |t: &Option<oxigraph::model::Term>| match t {
        Some(oxigraph::model::Term::NamedNode(n)) => n.as_str().to_owned(),
        Some(oxigraph::model::Term::Literal(l)) => l.value().to_owned(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    esco_ld::sparql::select(store, &prefixed)
        .unwrap()
        .iter()
        .map(|row| (text(&row[0]), text(&row[1])))
        .collect()
}

/// Prefixes for test queries.
pub const PREFIXES: &str = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX esco: <http://data.europa.eu/esco/model#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>";

/// Every quad of a store as sorted N-Quads lines.
pub fn quads(store: &Store) -> BTreeSet<String> {
    let mut out = Vec::new();
    store::write_dataset(store, RdfFormat::NQuads, &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Rows of a CSV file as maps from column to value (read independently of the code under test).
pub fn csv_column(path: &Path, column: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .unwrap();
    let headers = reader.headers().unwrap().clone();
    let i = headers
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == column)
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap().get(i).unwrap_or("").to_owned())
        .collect()
}

/// Distinct values of a column.
pub fn distinct(values: Vec<String>) -> HashSet<String> {
    values.into_iter().filter(|v| !v.is_empty()).collect()
}

/// A configuration without an embedding model (lexical matching), admin token `token`.
pub fn lexical_config(token: Option<&str>) -> esco_ld::http::Config {
    esco_ld::http::Config {
        admin_token: token.map(str::to_owned),
        model: esco_ld::matching::setup::ModelChoice::None,
        ..esco_ld::http::Config::default()
    }
}

/// The static model shipped in `data/models/m2v-me5-tiny`: always there, so tests that use
/// only it run everywhere.
pub fn static_model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(esco_ld::embed::FAST_MODEL_DIR)
}

/// The installed embedding model (multilingual-e5-small) the model tests need: the folder
/// `ESCO_LD_MODEL` names, else `models/multilingual-e5-small` (where `esco-ld model install`
/// puts it). Those tests are `#[ignore]`d; run with `--include-ignored`, they fail here when the
/// model is missing rather than pass without having run.
pub fn installed_model() -> PathBuf {
    let dir = std::env::var_os("ESCO_LD_MODEL").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join(esco_ld::embed::DEFAULT_MODEL_DIR),
        PathBuf::from,
    );
    assert!(
        dir.join("model.safetensors").is_file(),
        "this test needs the model, and {} holds none: run `esco-ld model install` (or set ESCO_LD_MODEL)",
        dir.display()
    );
    dir
}

/// `/sparql?query=...` for `query`, with `extra` parameters after it (`&format=csv`, ...).
pub fn sparql_uri(query: &str, extra: &str) -> String {
    let encoded: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("query", query)
        .finish();
    format!("/sparql?{encoded}{extra}")
}

/// Runs the `esco-ld` binary as a user would, with none of the developer's `ESCO_LD_*`
/// settings leaking in.
pub fn esco_ld(args: &[&str]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_esco-ld"));
    command.args(args);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("ESCO_LD_") {
            command.env_remove(key);
        }
    }
    command.output().unwrap()
}
