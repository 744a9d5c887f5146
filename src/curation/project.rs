//! Mapping projects: made from a scheme already in the store, a CSV of `id, title[,
//! description]`, or a SKOS file; their items (one per source concept) and what state each is
//! in.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{
    GraphNameRef, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Term,
};
use oxigraph::store::Store;
use serde::Serialize;

use super::{key_of, object, text, CurationError, State};
use crate::concept::Target;
use crate::vocab::{cur, dcat, dcterms, mint, owl, rdf, skos, void, xsd};

/// A mapping project.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    /// Its ID (URL segment; also its crosswalk's ID).
    pub id: String,
    /// Its IRI, which is also the IRI of its graph.
    pub iri: String,
    /// Its title.
    pub title: String,
    /// The scheme whose concepts are mapped.
    pub source_scheme: String,
    /// What they are mapped to.
    pub target: Target,
    /// The language of the source concepts' labels (detected per label when empty).
    pub language: String,
    /// Candidates kept per source concept.
    pub k: usize,
    /// The crosswalk it publishes (IRI).
    pub crosswalk: String,
    /// Who made it.
    pub creator: String,
    /// When.
    pub created: String,
}

impl Project {
    /// Its graph.
    pub fn graph(&self) -> NamedNode {
        NamedNode::new_unchecked(&self.iri)
    }

    /// The graph of its crosswalk.
    pub fn crosswalk_graph(&self) -> NamedNode {
        NamedNode::new_unchecked(&self.crosswalk)
    }

    /// The IRI of the item with `key`.
    pub fn item_iri(&self, key: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}/item/{key}", self.iri))
    }
}

/// Where a new project's source concepts come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A scheme in the store.
    Scheme(String),
    /// A CSV (or TSV) file of `id, title[, description]`, with or without a header.
    Csv(Vec<u8>),
    /// A SKOS file (Turtle, N-Triples or RDF/XML, by `format`).
    Skos(Vec<u8>, RdfFormat),
}

/// What a new project is.
#[derive(Debug, Clone)]
pub struct NewProject {
    /// Its ID.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its source.
    pub source: Source,
    /// What to map to.
    pub target: Target,
    /// The source labels' language (`None`: detected).
    pub language: Option<String>,
    /// Candidates per source concept.
    pub k: usize,
    /// Who makes it (curator name).
    pub creator: String,
}

fn check_id(id: &str) -> Result<(), CurationError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(CurationError::Input(format!(
            "project ID {id:?}: use 1-64 lower-case letters, digits and '-'"
        )))
    }
}

/// The source concepts of a CSV: `(id, title, description)` per row.
pub fn read_csv(bytes: &[u8]) -> Result<Vec<(String, String, String)>, CurationError> {
    let (text, _) = crate::load::table::decode(bytes, "source CSV")
        .map_err(|e| CurationError::Input(e.to_string()))?;
    let delimiter = crate::load::table::sniff_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 1;
        let record =
            record.map_err(|e| CurationError::Input(format!("source CSV line {line}: {e}")))?;
        let cell = |i: usize| record.get(i).unwrap_or("").trim().to_owned();
        let (id, title, description) = (cell(0), cell(1), cell(2));
        if n == 0
            && id.eq_ignore_ascii_case("id")
            && matches!(
                title.to_ascii_lowercase().as_str(),
                "title" | "label" | "name"
            )
        {
            continue;
        }
        if id.is_empty() && title.is_empty() {
            continue;
        }
        if id.is_empty() || title.is_empty() {
            return Err(CurationError::Input(format!(
                "source CSV line {line}: each row needs an id and a title (id,title[,description])"
            )));
        }
        if !seen.insert(id.clone()) {
            return Err(CurationError::Input(format!(
                "source CSV line {line}: id {id:?} appears twice"
            )));
        }
        out.push((id, title, description));
    }
    if out.is_empty() {
        return Err(CurationError::Input(
            "the source CSV has no rows (id,title[,description])".into(),
        ));
    }
    Ok(out)
}

/// Makes a project, all or nothing: its source concepts (when imported), its description and
/// the empty crosswalk it will publish, in one transaction. Returns it.
pub fn create(store: &Store, new: &NewProject) -> Result<Project, CurationError> {
    check_id(&new.id)?;
    if new.k == 0 || new.k > crate::matching::MAX_K {
        return Err(CurationError::Input(format!(
            "k must be between 1 and {}",
            crate::matching::MAX_K
        )));
    }
    if new.title.trim().is_empty() {
        return Err(CurationError::Input("give the project a title".into()));
    }
    if let Some(lang) = &new.language {
        if !crate::matching::language::valid_tag(lang) {
            return Err(CurationError::Input(format!(
                "{lang:?} is not a language tag"
            )));
        }
    }
    let iri = mint::project(&new.id);
    let graph = NamedNode::new_unchecked(&iri);
    let crosswalk = NamedNode::new_unchecked(mint::crosswalk(&new.id));
    if store.contains_named_graph(&graph)? {
        return Err(CurationError::Exists(format!(
            "project {:?} exists",
            new.id
        )));
    }
    if store.contains_named_graph(&crosswalk)? {
        return Err(CurationError::Exists(format!(
            "a crosswalk {:?} exists already; choose another project ID",
            new.id
        )));
    }
    let mut quads: Vec<Quad> = Vec::new();
    let scheme = match &new.source {
        Source::Scheme(s) => existing_scheme(store, s)?,
        Source::Csv(bytes) => csv_scheme(store, new, bytes, &mut quads)?,
        Source::Skos(bytes, format) => skos_scheme(store, new, bytes, *format, &mut quads)?,
    };
    let lang = new.language.clone().unwrap_or_default();
    let now = crate::util::utc_datetime(SystemTime::now());
    let creator = NamedNode::new_unchecked(mint::curator(&new.creator));
    let pg = GraphNameRef::NamedNode(graph.as_ref());
    let p = |q: &mut Vec<Quad>, pred: NamedNodeRef<'_>, o: Term| {
        q.push(Quad::new(graph.clone(), pred, o, pg));
    };
    p(&mut quads, rdf::TYPE, cur::PROJECT.into());
    p(
        &mut quads,
        dcterms::TITLE,
        Literal::new_simple_literal(new.title.trim()).into(),
    );
    p(&mut quads, cur::SOURCE_SCHEME, scheme.clone().into());
    p(
        &mut quads,
        cur::TARGET,
        Literal::new_simple_literal(new.target.to_string()).into(),
    );
    if !lang.is_empty() {
        p(
            &mut quads,
            cur::LANGUAGE,
            Literal::new_simple_literal(&lang).into(),
        );
    }
    p(&mut quads, cur::K, Literal::from(new.k as i64).into());
    p(&mut quads, cur::CROSSWALK, crosswalk.clone().into());
    p(&mut quads, dcterms::CREATOR, creator.into());
    p(
        &mut quads,
        dcterms::CREATED,
        Literal::new_typed_literal(&now, xsd::DATE_TIME).into(),
    );
    // The crosswalk it publishes: a linkset (empty so far) and a DCAT dataset.
    let cg = GraphNameRef::NamedNode(crosswalk.as_ref());
    let c = |q: &mut Vec<Quad>, pred: NamedNodeRef<'_>, o: Term| {
        q.push(Quad::new(crosswalk.clone(), pred, o, cg));
    };
    c(&mut quads, rdf::TYPE, void::LINKSET.into());
    c(&mut quads, rdf::TYPE, dcat::DATASET.into());
    c(
        &mut quads,
        dcterms::TITLE,
        Literal::new_simple_literal(new.title.trim()).into(),
    );
    c(
        &mut quads,
        dcterms::SOURCE,
        Literal::new_simple_literal(format!("mapping project {}", new.id)).into(),
    );
    c(&mut quads, void::SUBJECTS_TARGET, scheme.into());
    for scheme in new.target.schemes() {
        c(&mut quads, void::OBJECTS_TARGET, scheme.into());
    }
    c(&mut quads, cur::PROJECT_OF, graph.clone().into());
    c(&mut quads, cur::REVISION, Literal::from(0_i64).into());
    c(
        &mut quads,
        owl::VERSION_INFO,
        Literal::new_simple_literal("0").into(),
    );
    c(
        &mut quads,
        dcterms::ISSUED,
        Literal::new_typed_literal(&now[..10], xsd::DATE).into(),
    );
    c(&mut quads, void::TRIPLES, Literal::from(0_i64).into());
    // Its dumps: the latest revision in three formats (each revision N is at `v{N}.…`).
    for (file, media) in [
        ("latest.sssom.tsv", "text/tab-separated-values"),
        ("latest.csv", "text/csv"),
        ("latest.ttl", "text/turtle"),
    ] {
        let dist = NamedNode::new_unchecked(format!("{}/{file}", crosswalk.as_str()));
        c(&mut quads, dcat::HAS_DISTRIBUTION, dist.clone().into());
        let dq = |q: &mut Vec<Quad>, pred: NamedNodeRef<'_>, o: Term| {
            q.push(Quad::new(dist.clone(), pred, o, cg));
        };
        dq(&mut quads, rdf::TYPE, dcat::DISTRIBUTION.into());
        dq(&mut quads, dcat::DOWNLOAD_URL, dist.clone().into());
        dq(
            &mut quads,
            dcat::MEDIA_TYPE,
            Literal::new_simple_literal(media).into(),
        );
    }
    let mut tx = store.start_transaction()?;
    for q in &quads {
        tx.insert(q);
    }
    tx.commit()?;
    load(store, &new.id)
}

/// A scheme already in the store, as a project's source.
fn existing_scheme(store: &Store, s: &str) -> Result<NamedNode, CurationError> {
    let s =
        NamedNode::new(s).map_err(|e| CurationError::Input(format!("source scheme {s:?}: {e}")))?;
    if store
        .quads_for_pattern(None, Some(skos::IN_SCHEME), Some(s.as_ref().into()), None)
        .next()
        .is_none()
    {
        return Err(CurationError::Input(format!(
            "no concept of the store is in scheme <{s}>"
        )));
    }
    Ok(s)
}

/// The source concepts of a CSV, as a new scheme of the project's own (its quads added to
/// `quads`).
fn csv_scheme(
    store: &Store,
    new: &NewProject,
    bytes: &[u8],
    quads: &mut Vec<Quad>,
) -> Result<NamedNode, CurationError> {
    let lang = new.language.clone().unwrap_or_default();
    let rows = read_csv(bytes)?;
    let scheme = NamedNode::new_unchecked(mint::classification(&new.id));
    if store.contains_named_graph(&scheme)? {
        return Err(CurationError::Exists(format!(
            "a classification {:?} exists already; choose another project ID",
            new.id
        )));
    }
    let g = GraphNameRef::NamedNode(scheme.as_ref());
    let add = |q: &mut Vec<Quad>, s: &NamedNode, p: NamedNodeRef<'_>, o: Term| {
        q.push(Quad::new(s.clone(), p, o, g));
    };
    let text_of = |t: &str| -> Term {
        if lang.is_empty() {
            Literal::new_simple_literal(t).into()
        } else {
            Literal::new_language_tagged_literal_unchecked(t, &lang).into()
        }
    };
    add(quads, &scheme, rdf::TYPE, skos::CONCEPT_SCHEME.into());
    add(quads, &scheme, skos::PREF_LABEL, text_of(new.title.trim()));
    if !lang.is_empty() {
        add(
            quads,
            &scheme,
            dcterms::LANGUAGE,
            Literal::new_simple_literal(&lang).into(),
        );
    }
    for (id, title, description) in &rows {
        let c = NamedNode::new_unchecked(mint::foreign_concept(&new.id, id));
        add(quads, &c, rdf::TYPE, skos::CONCEPT.into());
        add(quads, &c, skos::IN_SCHEME, scheme.clone().into());
        add(
            quads,
            &c,
            skos::NOTATION,
            Literal::new_simple_literal(id).into(),
        );
        add(quads, &c, skos::PREF_LABEL, text_of(title));
        if !description.is_empty() {
            add(quads, &c, skos::DEFINITION, text_of(description));
        }
    }
    Ok(scheme)
}

/// The one scheme of a SKOS file and its concepts (what the file says of them added to
/// `quads`).
fn skos_scheme(
    store: &Store,
    new: &NewProject,
    bytes: &[u8],
    format: RdfFormat,
    quads: &mut Vec<Quad>,
) -> Result<NamedNode, CurationError> {
    let graph_iri = NamedNode::new_unchecked(mint::classification(&new.id));
    if store.contains_named_graph(&graph_iri)? {
        return Err(CurationError::Exists(format!(
            "a classification {:?} exists already; choose another project ID",
            new.id
        )));
    }
    let g = GraphNameRef::NamedNode(graph_iri.as_ref());
    let mut triples = Vec::new();
    for t in RdfParser::from_format(format)
        .without_named_graphs()
        .for_slice(bytes)
    {
        triples.push(t.map_err(|e| CurationError::Input(format!("the SKOS file: {e}")))?);
    }
    let schemes: Vec<NamedNode> = triples
        .iter()
        .filter(|q| {
            q.predicate.as_ref() == rdf::TYPE
                && q.object == Term::from(skos::CONCEPT_SCHEME.into_owned())
        })
        .filter_map(|q| match &q.subject {
            NamedOrBlankNode::NamedNode(n) => Some(n.clone()),
            NamedOrBlankNode::BlankNode(_) => None,
        })
        .collect();
    let [found] = schemes.as_slice() else {
        return Err(CurationError::Input(format!(
            "the SKOS file must declare one skos:ConceptScheme (it declares {})",
            schemes.len()
        )));
    };
    if crate::load::crosswalk::is_esco_uri(found.as_str()) {
        return Err(CurationError::Input(format!(
            "<{found}> is in ESCO's URI space: a source scheme must be another classification's"
        )));
    }
    // Only what the file says about its scheme and the scheme's concepts.
    let members: std::collections::HashSet<NamedOrBlankNode> = triples
        .iter()
        .filter(|q| {
            q.predicate.as_ref() == skos::IN_SCHEME && q.object == Term::from(found.clone())
        })
        .map(|q| q.subject.clone())
        .collect();
    if members.is_empty() {
        return Err(CurationError::Input(format!(
            "no concept of the SKOS file is in scheme <{found}>"
        )));
    }
    let scheme_node = NamedOrBlankNode::from(found.clone());
    for q in triples {
        if q.subject == scheme_node || members.contains(&q.subject) {
            quads.push(Quad::new(q.subject, q.predicate, q.object, g));
        }
    }
    Ok(found.clone())
}

/// The project `id`.
pub fn load(store: &Store, id: &str) -> Result<Project, CurationError> {
    let iri = mint::project(id);
    let g = NamedNode::new_unchecked(&iri);
    let gr = g.as_ref();
    if object(store, gr, rdf::TYPE, gr)?.is_none() {
        return Err(CurationError::UnknownProject(format!("no project {id:?}")));
    }
    let k = text(store, gr, cur::K, gr)?.parse().unwrap_or(10);
    Ok(Project {
        id: id.to_owned(),
        title: text(store, gr, dcterms::TITLE, gr)?,
        source_scheme: text(store, gr, cur::SOURCE_SCHEME, gr)?,
        target: text(store, gr, cur::TARGET, gr)?
            .parse()
            .map_err(|e| CurationError::Internal(format!("project {id:?}: its target: {e}")))?,
        language: text(store, gr, cur::LANGUAGE, gr)?,
        k,
        crosswalk: text(store, gr, cur::CROSSWALK, gr)?,
        creator: text(store, gr, dcterms::CREATOR, gr)?,
        created: text(store, gr, dcterms::CREATED, gr)?,
        iri,
    })
}

/// Every project, by ID.
pub fn list(store: &Store) -> Result<Vec<Project>, CurationError> {
    let prefix = mint::project("");
    let mut out = Vec::new();
    for q in store.quads_for_pattern(None, Some(rdf::TYPE), Some(cur::PROJECT.into()), None) {
        if let NamedOrBlankNode::NamedNode(n) = q?.subject {
            if let Some(id) = n.as_str().strip_prefix(&prefix) {
                out.push(load(store, id)?);
            }
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// A source concept, as matched and shown.
#[derive(Debug, Clone, Serialize)]
pub struct SourceConcept {
    /// Its IRI.
    pub iri: String,
    /// Its code (`skos:notation`), if any.
    pub notation: String,
    /// Its label (in the project's language if it has one).
    pub label: String,
    /// Its description or definition.
    pub description: String,
    /// The language of its label (empty when untagged).
    pub language: String,
    /// The item key.
    pub key: String,
}

/// The concepts of the project's source scheme, in a stable order, each with its item key.
pub fn source_concepts(
    store: &Store,
    project: &Project,
) -> Result<Vec<SourceConcept>, CurationError> {
    let scheme = NamedNode::new_unchecked(&project.source_scheme);
    let mut iris = std::collections::BTreeSet::new();
    for q in store.quads_for_pattern(
        None,
        Some(skos::IN_SCHEME),
        Some(scheme.as_ref().into()),
        None,
    ) {
        if let NamedOrBlankNode::NamedNode(n) = q?.subject {
            iris.insert(n);
        }
    }
    let mut out = Vec::with_capacity(iris.len());
    let mut keys = std::collections::HashSet::new();
    for iri in iris {
        let mut notation = String::new();
        let mut best: Option<(u8, Literal)> = None;
        let mut description = String::new();
        for q in store.quads_for_pattern(Some(iri.as_ref().into()), None, None, None) {
            let q = q?;
            let Term::Literal(l) = q.object else { continue };
            let p = q.predicate.as_ref();
            if p == skos::NOTATION && notation.is_empty() {
                l.value().clone_into(&mut notation);
            } else if p == skos::PREF_LABEL {
                let rank = match l.language() {
                    Some(x) if x == project.language => 0,
                    None => 1,
                    Some("en") => 2,
                    Some(_) => 3,
                };
                if best.as_ref().is_none_or(|(r, _)| rank < *r) {
                    best = Some((rank, l));
                }
            } else if (p == skos::DEFINITION || p == dcterms::DESCRIPTION) && description.is_empty()
            {
                l.value().clone_into(&mut description);
            }
        }
        let Some((_, label)) = best else { continue };
        let segment = iri.as_str().rsplit(['/', '#']).next().unwrap_or_default();
        let mut key = key_of(if notation.is_empty() {
            segment
        } else {
            &notation
        });
        if !keys.insert(key.clone()) {
            key = format!(
                "{key}-{:08x}",
                crate::matching::vectors::key(&[iri.as_str()]) as u32
            );
            keys.insert(key.clone());
        }
        out.push(SourceConcept {
            notation,
            label: label.value().to_owned(),
            language: label.language().unwrap_or_default().to_owned(),
            description,
            key,
            iri: iri.into_string(),
        });
    }
    Ok(out)
}

/// Items per state, and the crosswalk's size.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The project.
    pub project: Project,
    /// Source concepts.
    pub sources: usize,
    /// Items per state (every state present, zero or not); sources without an item count as
    /// unmapped.
    pub states: BTreeMap<&'static str, usize>,
    /// Mappings published in the crosswalk.
    pub mappings: u64,
    /// The crosswalk's revision.
    pub revision: u64,
}

/// The state of every item, by key.
pub fn states(store: &Store, project: &Project) -> Result<BTreeMap<String, State>, CurationError> {
    let g = project.graph();
    let prefix = format!("{}/item/", project.iri);
    let mut out = BTreeMap::new();
    for q in store.quads_for_pattern(None, Some(cur::STATE), None, Some(g.as_ref().into())) {
        let q = q?;
        let (NamedOrBlankNode::NamedNode(s), Term::Literal(l)) = (&q.subject, &q.object) else {
            continue;
        };
        if let Some(key) = s.as_str().strip_prefix(&prefix) {
            out.insert(key.to_owned(), State::parse(l.value())?);
        }
    }
    Ok(out)
}

/// The project's progress.
pub fn status(store: &Store, project: &Project) -> Result<Status, CurationError> {
    let sources = source_concepts(store, project)?.len();
    let item_states = states(store, project)?;
    let mut states: BTreeMap<&'static str, usize> =
        State::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    for s in item_states.values() {
        *states.entry(s.as_str()).or_default() += 1;
    }
    *states.entry(State::Unmapped.as_str()).or_default() +=
        sources.saturating_sub(item_states.len());
    let cg = project.crosswalk_graph();
    let mut mappings = 0;
    for kind in crate::load::crosswalk::MatchKind::ALL {
        mappings += store
            .quads_for_pattern(
                None,
                Some(crate::load::crosswalk::property(kind)),
                None,
                Some(cg.as_ref().into()),
            )
            .count() as u64;
    }
    let revision = text(store, cg.as_ref(), cur::REVISION, cg.as_ref())?
        .parse()
        .unwrap_or(0);
    Ok(Status {
        project: project.clone(),
        sources,
        states,
        mappings,
        revision,
    })
}

/// Reads a SKOS file's format from its name.
pub fn skos_format(path: &Path) -> Result<RdfFormat, CurationError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    RdfFormat::from_extension(&ext).ok_or_else(|| {
        CurationError::Input(format!(
            "{}: a SKOS file is Turtle (.ttl), N-Triples (.nt) or RDF/XML (.rdf)",
            path.display()
        ))
    })
}
