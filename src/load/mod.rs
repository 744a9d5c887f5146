//! Loading sources into a store: what each source is, in which order it goes in, and the checks
//! that the store holds what the sources said.

pub mod crosswalk;
pub mod esco;
pub mod sink;
pub mod table;

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphNameRef, NamedNode, NamedNodeRef, Term};
use oxigraph::store::{LoaderError, StorageError, Store};
use serde::Serialize;

use crate::check::{self, IntegrityReport};
use crate::stats::{self, StoreStats};
use crate::store::{self, StoreError};
use crate::vocab::{esco as esco_terms, mint, owl, rdf, skos};
use crosswalk::CrosswalkReport;
use esco::{LabelReport, ReleaseReport, ReleaseTables};
use sink::QuadSink;
use table::{read_tables, Table};

/// Errors of loading: every message names the source, and the line and column where it can.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// A file could not be read.
    #[error("{}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A zip archive could not be read.
    #[error("{}: not a readable zip archive: {message}", path.display())]
    Zip {
        /// The archive.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Text that cannot be decoded.
    #[error("{origin}: {message}")]
    Encoding {
        /// The table.
        origin: String,
        /// What went wrong.
        message: String,
    },
    /// Malformed CSV.
    #[error("{origin}, line {line}: {message}")]
    Csv {
        /// The table.
        origin: String,
        /// Line of the record.
        line: u64,
        /// What went wrong.
        message: String,
    },
    /// A field with a bad value.
    #[error("{origin}, line {line}, column {column}: {message}")]
    Field {
        /// The table.
        origin: String,
        /// Line of the record.
        line: u64,
        /// Column name and position.
        column: String,
        /// What went wrong.
        message: String,
    },
    /// A column the table must have.
    #[error("{origin}: no column {column:?} (the header has: {found})")]
    MissingColumn {
        /// The table.
        origin: String,
        /// The column.
        column: String,
        /// The columns found.
        found: String,
    },
    /// A source that is not something this tool reads.
    #[error("{}: {message}", path.display())]
    UnknownSource {
        /// The source.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// Sources that do not fit together.
    #[error("{0}")]
    Plan(String),
    /// An RDF file that does not parse.
    #[error("{}: {message}", path.display())]
    Rdf {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// The store does not hold what the sources said.
    #[error("the loaded store disagrees with its sources: {0}")]
    Mismatch(String),
    /// Hard SKOS integrity violations.
    #[error("SKOS integrity violations, nothing was loaded:\n{0}")]
    Integrity(String),
    /// The storage failed.
    #[error("storage")]
    Storage(#[from] StorageError),
    /// A query of the checks failed.
    #[error("query: {0}")]
    Query(String),
    /// The store could not be opened, staged or swapped.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Options of a load.
#[derive(Debug, Default, Clone)]
pub struct LoadOptions {
    /// The ESCO release of tables whose path names none.
    pub release: Option<String>,
    /// The ID of the crosswalk (only with a single crosswalk source).
    pub crosswalk_id: Option<String>,
}

/// What the sources are, sorted into kinds.
#[derive(Debug, Default)]
pub struct Plan {
    releases: BTreeMap<String, ReleaseTables>,
    crosswalks: Vec<Table>,
    onet: Vec<Table>,
    rdf: Vec<(PathBuf, RdfFormat)>,
    ignored: Vec<String>,
    crosswalk_id: Option<String>,
}

fn rdf_format(path: &Path) -> Option<(RdfFormat, bool)> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let (name, gz) = name
        .strip_suffix(".gz")
        .map_or((name.as_str(), false), |n| (n, true));
    let ext = name.rsplit('.').next()?;
    let format = match ext {
        "nq" => RdfFormat::NQuads,
        "trig" => RdfFormat::TriG,
        "nt" => RdfFormat::NTriples,
        "ttl" => RdfFormat::Turtle,
        "rdf" | "owl" => RdfFormat::RdfXml,
        _ => return None,
    };
    Some((format, gz))
}

/// Sorts the sources into ESCO releases, label supplements, crosswalks and RDF files.
pub fn plan(sources: &[PathBuf], options: &LoadOptions) -> Result<Plan, LoadError> {
    let mut plan = Plan {
        crosswalk_id: options.crosswalk_id.clone(),
        ..Plan::default()
    };
    for source in sources {
        if !source.exists() {
            return Err(LoadError::Io {
                path: source.clone(),
                source: io::Error::new(io::ErrorKind::NotFound, "no such file or folder"),
            });
        }
        if source.is_file() {
            if let Some((format, _)) = rdf_format(source) {
                plan.rdf.push((source.clone(), format));
                continue;
            }
        }
        let explicit_file = source.is_file();
        for table in read_tables(source)? {
            if let Some((kind, lang)) = esco::classify(&table.file_name) {
                let version = esco::release_of(&table.container)
                    .or_else(|| options.release.clone())
                    .ok_or_else(|| {
                        LoadError::Plan(format!(
                            "{}: cannot tell which ESCO release this is (no vX.Y.Z in its path); pass --release",
                            table.origin
                        ))
                    })?;
                let release =
                    plan.releases
                        .entry(version.clone())
                        .or_insert_with(|| ReleaseTables {
                            version,
                            tables: Vec::new(),
                        });
                release.tables.push((kind, lang, table));
            } else if crosswalk::is_crosswalk(&table) {
                plan.crosswalks.push(table);
            } else if crosswalk::is_onet_occupation_data(&table) {
                plan.onet.push(table);
            } else if explicit_file {
                return Err(LoadError::UnknownSource {
                    path: source.clone(),
                    message:
                        "neither an ESCO bundle table, a crosswalk table nor O*NET occupation data"
                            .into(),
                });
            } else {
                plan.ignored.push(table.origin);
            }
        }
    }
    if plan.crosswalk_id.is_some() && plan.crosswalks.len() != 1 {
        return Err(LoadError::Plan(format!(
            "--id names one crosswalk, but the sources hold {}",
            plan.crosswalks.len()
        )));
    }
    Ok(plan)
}

impl Plan {
    /// True when there is nothing to load.
    pub fn is_empty(&self) -> bool {
        self.releases.is_empty()
            && self.crosswalks.is_empty()
            && self.onet.is_empty()
            && self.rdf.is_empty()
    }

    /// Only crosswalk tables (what `crosswalk import` accepts).
    pub fn only_crosswalks(&self) -> bool {
        self.releases.is_empty()
            && self.onet.is_empty()
            && self.rdf.is_empty()
            && !self.crosswalks.is_empty()
    }
}

/// What a load did.
#[derive(Debug, Default, Serialize)]
pub struct LoadReport {
    /// Full releases converted.
    pub releases: Vec<ReleaseReport>,
    /// Label supplements.
    pub label_supplements: Vec<LabelReport>,
    /// Crosswalks imported.
    pub crosswalks: Vec<CrosswalkReport>,
    /// O*NET occupations described.
    pub onet_occupations: u64,
    /// RDF files loaded as they are.
    pub rdf_files: Vec<String>,
    /// Tables found in folders that are none of the above.
    pub ignored: Vec<String>,
    /// Quads written (duplicates included).
    pub quads_written: u64,
    /// What the store holds afterwards.
    pub stats: StoreStats,
    /// Its integrity report.
    pub integrity: IntegrityReport,
}

/// The model and vocabulary files, built into the binary.
pub const ONTOLOGY: &[(&str, &str)] = &[
    (
        "esco-model.ttl",
        include_str!("../../ontology/esco-model.ttl"),
    ),
    (
        "esco-vocabularies.ttl",
        include_str!("../../ontology/esco-vocabularies.ttl"),
    ),
    (
        "esco-ld-curation.ttl",
        include_str!("../../ontology/esco-ld-curation.ttl"),
    ),
];

#[expect(
    clippy::wildcard_enum_match_arm,
    reason = "LoaderError is non-exhaustive"
)]
fn parse_error(path: &Path, e: LoaderError) -> LoadError {
    match e {
        LoaderError::Storage(e) => LoadError::Storage(e),
        other => LoadError::Rdf {
            path: path.to_path_buf(),
            message: other.to_string(),
        },
    }
}

fn release_version(
    store: &Store,
    graph: NamedNodeRef<'_>,
) -> Result<Option<Vec<u32>>, StorageError> {
    for quad in store.quads_for_pattern(
        Some(graph.into()),
        Some(owl::VERSION_INFO),
        None,
        Some(graph.into()),
    ) {
        if let Term::Literal(l) = quad?.object {
            return Ok(Some(version_key(l.value())));
        }
    }
    Ok(None)
}

fn version_key(version: &str) -> Vec<u32> {
    version.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

fn iri_of(subject: &oxigraph::model::NamedOrBlankNode) -> Option<&str> {
    match subject {
        oxigraph::model::NamedOrBlankNode::NamedNode(n) => Some(n.as_str()),
        oxigraph::model::NamedOrBlankNode::BlankNode(_) => None,
    }
}

/// The concepts of a stored release and the languages of their preferred labels.
fn release_index(store: &Store, graph: &NamedNode) -> Result<esco::ReleaseIndex, StorageError> {
    let g = GraphNameRef::from(graph.as_ref());
    let mut index = esco::ReleaseIndex::default();
    for quad in store.quads_for_pattern(None, Some(rdf::TYPE), Some(skos::CONCEPT.into()), Some(g))
    {
        if let Some(iri) = iri_of(&quad?.subject) {
            index.concepts.insert(iri.to_owned());
        }
    }
    for quad in store.quads_for_pattern(None, Some(skos::PREF_LABEL), None, Some(g)) {
        let quad = quad?;
        if let (Some(iri), Term::Literal(l)) = (iri_of(&quad.subject), &quad.object) {
            index
                .labelled
                .insert((iri.to_owned(), l.language().unwrap_or_default().to_owned()));
        }
    }
    Ok(index)
}

/// The newest full release in the store: its graph.
fn newest_release(store: &Store) -> Result<Option<NamedNode>, StorageError> {
    let mut best: Option<(Vec<u32>, NamedNode)> = None;
    for quad in store.quads_for_pattern(
        None,
        Some(rdf::TYPE),
        Some(esco_terms::RELEASE.into()),
        None,
    ) {
        let quad = quad?;
        let oxigraph::model::NamedOrBlankNode::NamedNode(graph) = quad.subject else {
            continue;
        };
        let version = release_version(store, graph.as_ref())?.unwrap_or_default();
        if best.as_ref().is_none_or(|(v, _)| version > *v) {
            best = Some((version, graph));
        }
    }
    Ok(best.map(|(_, g)| g))
}

/// Loads a plan into the store at `path`, all or nothing (see [`store::replace`]).
pub fn load_into(path: &Path, plan: Plan) -> Result<LoadReport, LoadError> {
    store::replace(path, |staging| apply(staging, plan))
}

/// Loads a plan into a store (one that is not yet visible to anybody: see [`load_into`]), then
/// checks the result against the sources.
pub fn apply(store: &Store, plan: Plan) -> Result<LoadReport, LoadError> {
    let started = std::time::Instant::now();
    let phase = |name: &str| {
        tracing::info!(
            phase = name,
            seconds = started.elapsed().as_secs_f64(),
            "load"
        );
    };
    let mut report = LoadReport {
        ignored: plan.ignored,
        ..LoadReport::default()
    };

    // Every graph the plan writes is replaced: cleared first, then written by one bulk load.
    let (full, supplements): (Vec<_>, Vec<_>) = plan
        .releases
        .into_values()
        .partition(ReleaseTables::is_full);
    let crosswalks = plan
        .crosswalks
        .iter()
        .map(|table| {
            let parsed = crosswalk::parse(table)?;
            let id = plan
                .crosswalk_id
                .clone()
                .unwrap_or_else(|| crosswalk::default_id(&parsed));
            Ok((parsed, id))
        })
        .collect::<Result<Vec<_>, LoadError>>()?;
    let mut ids = HashSet::new();
    for (_, id) in &crosswalks {
        if !ids.insert(id.as_str()) {
            return Err(LoadError::Plan(format!(
                "two crosswalk tables have the ID {id:?}; import them one at a time with --id"
            )));
        }
    }
    let mut graphs = vec![mint::ONTOLOGY_GRAPH.to_owned()];
    graphs.extend(full.iter().map(|r| mint::release_graph(&r.version)));
    graphs.extend(supplements.iter().map(|r| mint::label_graph(&r.version)));
    graphs.extend(crosswalks.iter().map(|(_, id)| mint::crosswalk(id)));
    if !plan.onet.is_empty() {
        graphs.push(mint::classification("onet"));
    }
    for graph in &graphs {
        store.clear_graph(&NamedNode::new_unchecked(graph.as_str()))?;
    }
    // A supplement labels the newest full release: one of this load, or one already stored.
    let target = match full.iter().max_by_key(|r| version_key(&r.version)) {
        Some(r) => Some(NamedNode::new_unchecked(mint::release_graph(&r.version))),
        None if !supplements.is_empty() => Some(newest_release(store)?.ok_or_else(|| {
            LoadError::Plan("label tables of an older release need a full ESCO release to supplement: load one with them or before them".into())
        })?),
        None => None,
    };
    let mut target_index = match (&target, full.is_empty()) {
        (Some(graph), true) => Some(release_index(store, graph)?),
        _ => None,
    };

    let mut sink = QuadSink::new(store);
    let ontology = NamedNode::new_unchecked(mint::ONTOLOGY_GRAPH);
    for (name, text) in ONTOLOGY {
        let parser = RdfParser::from_format(RdfFormat::Turtle).with_default_graph(ontology.clone());
        sink.load_rdf(parser, text.as_bytes())
            .map_err(|e| parse_error(Path::new(name), e))?;
    }
    for (path, format) in &plan.rdf {
        let file = fs::File::open(path).map_err(|e| LoadError::Io {
            path: path.clone(),
            source: e,
        })?;
        let reader: Box<dyn Read> = if path.to_string_lossy().ends_with(".gz") {
            Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file)))
        } else {
            Box::new(BufReader::new(file))
        };
        sink.load_rdf(RdfParser::from_format(*format), reader)
            .map_err(|e| parse_error(path, e))?;
        report.rdf_files.push(path.display().to_string());
    }
    phase("ontology and RDF files");

    for release in &full {
        let (release_report, index) = esco::convert_release(release, &mut sink)?;
        if target
            .as_ref()
            .is_some_and(|t| t.as_str() == release_report.graph)
        {
            target_index = Some(index);
        }
        report.releases.push(release_report);
    }
    phase("releases");

    if let (Some(target), Some(index)) = (&target, &target_index) {
        for release in &supplements {
            report
                .label_supplements
                .push(esco::convert_label_supplement(
                    release,
                    target.as_str(),
                    index,
                    &mut sink,
                )?);
        }
    }
    drop(target_index);
    phase("label supplements");

    for (parsed, id) in &crosswalks {
        report
            .crosswalks
            .push(crosswalk::convert(parsed, id, &mut sink)?);
    }
    for table in &plan.onet {
        report.onet_occupations += crosswalk::convert_onet_occupations(table, &mut sink)?;
    }
    phase("crosswalks");
    report.quads_written = sink.commit()?;
    phase("bulk load");
    report.stats = stats::collect(store, false).map_err(|e| LoadError::Query(e.to_string()))?;
    verify(&report)?;
    phase("statistics");
    report.integrity =
        check::run(store, check::Scope::Violations).map_err(|e| LoadError::Query(e.to_string()))?;
    phase("integrity");
    if report.integrity.has_violations() {
        return Err(LoadError::Integrity(report.integrity.to_string()));
    }
    Ok(report)
}

/// Figures that ESCO documents for its releases: (version, occupations, skills, ISCO groups,
/// skill groups, occupation–skill relations, skill–skill relations).
const DOCUMENTED: &[(&str, u64, u64, u64, u64, u64, u64)] =
    &[("1.1.1", 3_007, 13_896, 619, 640, 123_855, 5_899)];

/// Compares what the store holds with what the sources said.
fn verify(report: &LoadReport) -> Result<(), LoadError> {
    let mut problems = Vec::new();
    let expect = |problems: &mut Vec<String>, what: String, source: u64, store: u64| {
        if source != store {
            problems.push(format!(
                "{what}: {source} in the source, {store} in the store"
            ));
        }
    };
    for r in &report.releases {
        let g = &r.graph;
        let class = |c: NamedNodeRef<'_>| report.stats.class_count(g, c.as_str());
        let pred = |p: NamedNodeRef<'_>| report.stats.predicate_count(g, p.as_str());
        expect(
            &mut problems,
            format!("v{} occupations", r.version),
            r.occupations,
            class(esco_terms::OCCUPATION),
        );
        expect(
            &mut problems,
            format!("v{} skills", r.version),
            r.skills,
            class(esco_terms::SKILL),
        );
        expect(
            &mut problems,
            format!("v{} knowledge skills", r.version),
            r.knowledge,
            class(esco_terms::KNOWLEDGE),
        );
        expect(
            &mut problems,
            format!("v{} skill/competence skills", r.version),
            r.skill_competence,
            class(esco_terms::SKILL_COMPETENCE),
        );
        expect(
            &mut problems,
            format!("v{} ISCO groups", r.version),
            r.isco_groups,
            class(esco_terms::ISCO_GROUP),
        );
        expect(
            &mut problems,
            format!("v{} skill groups", r.version),
            r.skill_groups + r.hierarchy_only_skill_groups,
            class(esco_terms::SKILL_GROUP),
        );
        expect(
            &mut problems,
            format!("v{} concept schemes", r.version),
            r.concept_schemes,
            class(skos::CONCEPT_SCHEME),
        );
        let occ_skill =
            pred(esco_terms::IS_ESSENTIAL_SKILL_FOR) + pred(esco_terms::IS_OPTIONAL_SKILL_FOR);
        expect(
            &mut problems,
            format!("v{} occupation–skill relations", r.version),
            r.occupation_skill_relations,
            occ_skill,
        );
        expect(
            &mut problems,
            format!("v{} essential occupation–skill relations", r.version),
            r.essential_occupation_skill_relations,
            pred(esco_terms::IS_ESSENTIAL_SKILL_FOR),
        );
        let related =
            pred(esco_terms::RELATED_ESSENTIAL_SKILL) + pred(esco_terms::RELATED_OPTIONAL_SKILL);
        expect(
            &mut problems,
            format!("v{} skill–skill relations", r.version),
            r.skill_skill_relations,
            related.saturating_sub(occ_skill),
        );
        expect(
            &mut problems,
            format!("v{} collection members", r.version),
            r.collections.values().sum(),
            pred(skos::MEMBER),
        );
        if let Some(&(_, occ, skills, isco, groups, os, ss)) =
            DOCUMENTED.iter().find(|d| d.0 == r.version)
        {
            // A whole bundle (its concept schemes table included) must give the documented figures.
            if r.concept_schemes > 0 && r.languages.iter().any(|l| l == "en") {
                let v = &r.version;
                for (what, documented, found) in [
                    ("occupations", occ, r.occupations),
                    ("skills", skills, r.skills),
                    ("ISCO groups", isco, r.isco_groups),
                    ("skill groups", groups, r.skill_groups),
                    (
                        "occupation–skill relations",
                        os,
                        r.occupation_skill_relations,
                    ),
                    ("skill–skill relations", ss, r.skill_skill_relations),
                ] {
                    if documented != found {
                        problems.push(format!("ESCO v{v} has {documented} {what}; the sources gave {found} (an incomplete or altered bundle?)"));
                    }
                }
            }
        }
    }
    for c in &report.crosswalks {
        for (relation, n) in &c.links {
            let found = report
                .stats
                .predicate_count(&c.graph, &format!("{}{relation}", skos::NS));
            expect(
                &mut problems,
                format!("crosswalk {} {relation}", c.id),
                *n,
                found,
            );
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(LoadError::Mismatch(problems.join("; ")))
    }
}
