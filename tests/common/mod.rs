//! Helpers shared by the integration tests: the fixture, stores in temporary folders, queries.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

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
    .map_err(|e| e.to_string())?;
    store::load_into(dir, plan).map_err(|e| e.to_string())
}

/// A temporary folder with the fixture loaded into `store/` inside it.
pub fn fixture_store() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    load(&dir, &fixture_sources(), Some("1.1.1")).expect("the fixture loads");
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

/// Prefixes for test queries.
pub const PREFIXES: &str = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX esco: <http://data.europa.eu/esco/model#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>";

/// Every quad of a store as sorted N-Quads lines.
pub fn quads(store: &Store) -> BTreeSet<String> {
    let mut out = Vec::new();
    esco_ld::store::write_dataset(store, RdfFormat::NQuads, &mut out).unwrap();
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

/// Service state over a fresh copy of the fixture store (the folder lives as long as the
/// returned guard); matching stays lexical unless `config` names a model.
pub fn app_state(
    config: esco_ld::http::Config,
) -> (
    tempfile::TempDir,
    actix_web::web::Data<esco_ld::http::AppState>,
) {
    let (tmp, dir) = fixture_store();
    let store = esco_ld::store::open(&dir).unwrap();
    (
        tmp,
        actix_web::web::Data::new(esco_ld::http::AppState::new(
            store,
            config,
            esco_ld::http::Version::new(42, std::time::SystemTime::UNIX_EPOCH),
        )),
    )
}

/// A configuration without an embedding model (lexical matching), admin token `token`.
pub fn lexical_config(token: Option<&str>) -> esco_ld::http::Config {
    esco_ld::http::Config {
        admin_token: token.map(str::to_owned),
        model: esco_ld::matching::setup::ModelChoice::None,
        ..esco_ld::http::Config::default()
    }
}
