//! The crosswalks of a store, listed and written out: SKOS (the crosswalk's named graph as
//! Turtle), SSSOM TSV (with its YAML metadata block) and the EURES mapping-table CSV (the
//! preamble and columns of the tables ESCO publishes, ESCO as classification 1).

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use oxigraph::model::{GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, Triple};
use oxigraph::store::{StorageError, Store};

use super::table::MatchKind;
use crate::vocab::{dcterms, mint, owl, rdf, skos, void};

/// What can go wrong listing or exporting.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// No crosswalk has this ID.
    #[error("no crosswalk {id:?} in the store (crosswalks: {known})")]
    Unknown {
        /// The ID asked for.
        id: String,
        /// The IDs there are.
        known: String,
    },
    /// An export format that does not exist.
    #[error("unknown format {0:?}: use sssom, eures or skos")]
    Format(String),
    /// Reading the store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Writing failed.
    #[error("cannot write the export")]
    Io(#[from] std::io::Error),
}

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// SSSOM TSV.
    Sssom,
    /// The EURES mapping-table CSV.
    Eures,
    /// SKOS Turtle.
    Skos,
}

impl Format {
    /// Reads a format name.
    pub fn parse(name: &str) -> Result<Self, ExportError> {
        match name.to_ascii_lowercase().as_str() {
            "sssom" | "sssom-tsv" => Ok(Self::Sssom),
            "eures" | "csv" => Ok(Self::Eures),
            "skos" | "ttl" | "turtle" => Ok(Self::Skos),
            other => Err(ExportError::Format(other.to_owned())),
        }
    }

    /// The media type of the export.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Sssom => "text/tab-separated-values; charset=utf-8",
            Self::Eures => "text/csv; charset=utf-8",
            Self::Skos => "text/turtle; charset=utf-8",
        }
    }
}

/// A crosswalk of the store.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Crosswalk {
    /// Its ID (the last segment of its IRI).
    pub id: String,
    /// Its IRI: its named graph and its `void:Linkset`.
    pub iri: String,
    /// Its name.
    pub name: String,
    /// The file it was imported from, if any.
    pub source: String,
    /// Its version, if given.
    pub version: String,
    /// When it was issued, if given.
    pub issued: String,
    /// Who made it, if given.
    pub creator: String,
    /// The schemes it links (subjects, objects).
    pub subjects_target: String,
    /// The scheme of its objects.
    pub objects_target: String,
    /// Links per relation (`exactMatch` …).
    pub links: BTreeMap<String, u64>,
}

/// The first value of `s p` (in graph `g`, or any graph), as text.
pub(crate) fn value(
    store: &Store,
    s: NamedNodeRef<'_>,
    p: NamedNodeRef<'_>,
    g: Option<NamedNodeRef<'_>>,
) -> Result<String, StorageError> {
    for q in store.quads_for_pattern(Some(s.into()), Some(p), None, g.map(Into::into)) {
        let q = q?;
        if let Term::Literal(l) = &q.object {
            return Ok(l.value().to_owned());
        }
        if let Term::NamedNode(n) = q.object {
            return Ok(n.into_string());
        }
    }
    Ok(String::new())
}

fn literal(
    store: &Store,
    s: NamedNodeRef<'_>,
    p: NamedNodeRef<'_>,
    g: NamedNodeRef<'_>,
) -> Result<String, StorageError> {
    value(store, s, p, Some(g))
}

fn literal_any(
    store: &Store,
    s: NamedNodeRef<'_>,
    p: NamedNodeRef<'_>,
) -> Result<String, StorageError> {
    value(store, s, p, None)
}

/// The version of the newest ESCO release in the store (empty if none).
fn release(store: &Store) -> Result<String, StorageError> {
    let mut best: Option<(Vec<u32>, String)> = None;
    for q in store.quads_for_pattern(
        None,
        Some(rdf::TYPE),
        Some(crate::vocab::esco::RELEASE.into()),
        None,
    ) {
        if let NamedOrBlankNode::NamedNode(g) = q?.subject {
            let v = literal_any(store, g.as_ref(), owl::VERSION_INFO)?;
            let key: Vec<u32> = v.split('.').filter_map(|p| p.parse().ok()).collect();
            if best.as_ref().is_none_or(|(k, _)| key > *k) {
                best = Some((key, v));
            }
        }
    }
    Ok(best.map(|b| b.1).unwrap_or_default())
}

/// Every crosswalk of the store, by ID.
pub fn list(store: &Store) -> Result<Vec<Crosswalk>, StorageError> {
    let prefix = mint::crosswalk("");
    let mut out = Vec::new();
    for q in store.quads_for_pattern(None, Some(rdf::TYPE), Some(void::LINKSET.into()), None) {
        let q = q?;
        let NamedOrBlankNode::NamedNode(s) = &q.subject else {
            continue;
        };
        // The crosswalk itself lives in its own graph; its per-relation subsets do not count.
        if GraphNameRef::NamedNode(s.as_ref()) != q.graph_name.as_ref() {
            continue;
        }
        let Some(id) = s.as_str().strip_prefix(&prefix) else {
            continue;
        };
        if id.is_empty() || id.contains('/') || out.iter().any(|c: &Crosswalk| c.id == id) {
            continue;
        }
        let g = s.as_ref();
        let mut links = BTreeMap::new();
        for kind in MatchKind::ALL {
            let n = store
                .quads_for_pattern(None, Some(super::property(kind)), None, Some(g.into()))
                .count() as u64;
            if n > 0 {
                links.insert(kind.local_name().to_owned(), n);
            }
        }
        out.push(Crosswalk {
            id: id.to_owned(),
            iri: s.as_str().to_owned(),
            name: literal(store, g, dcterms::TITLE, g)?,
            source: literal(store, g, dcterms::SOURCE, g)?,
            version: literal(store, g, owl::VERSION_INFO, g)?,
            issued: literal(store, g, dcterms::ISSUED, g)?,
            creator: literal(store, g, dcterms::CREATOR, g)?,
            subjects_target: literal(store, g, void::SUBJECTS_TARGET, g)?,
            objects_target: literal(store, g, void::OBJECTS_TARGET, g)?,
            links,
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The crosswalk `id`.
pub fn find(store: &Store, id: &str) -> Result<Crosswalk, ExportError> {
    let all = list(store)?;
    let known = all
        .iter()
        .map(|c| c.id.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    all.into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| ExportError::Unknown {
            id: id.to_owned(),
            known,
        })
}

/// One mapping: `subject relation object`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mapping {
    /// Subject IRI.
    pub subject: String,
    /// The SKOS relation.
    pub kind: KindOrd,
    /// Object IRI.
    pub object: String,
}

/// [`MatchKind`] with an order (exact, close, broad, narrow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KindOrd(u8);

impl KindOrd {
    fn of(kind: MatchKind) -> Self {
        Self(MatchKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u8)
    }

    /// The relation.
    pub fn kind(self) -> MatchKind {
        MatchKind::ALL[usize::from(self.0)]
    }
}

/// The mappings of a crosswalk, sorted.
pub fn mappings(store: &Store, cw: &Crosswalk) -> Result<Vec<Mapping>, StorageError> {
    let g = NamedNode::new_unchecked(cw.iri.clone());
    let mut out = Vec::new();
    for kind in MatchKind::ALL {
        for q in store.quads_for_pattern(
            None,
            Some(super::property(kind)),
            None,
            Some(g.as_ref().into()),
        ) {
            let q = q?;
            if let (NamedOrBlankNode::NamedNode(s), Term::NamedNode(o)) = (q.subject, q.object) {
                out.push(Mapping {
                    subject: s.into_string(),
                    kind: KindOrd::of(kind),
                    object: o.into_string(),
                });
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Preferred labels of the IRIs, in `lang` else English else any (from any graph).
fn labels(
    store: &Store,
    iris: impl Iterator<Item = String>,
    lang: &str,
) -> Result<HashMap<String, String>, StorageError> {
    let mut out = HashMap::new();
    for iri in iris {
        if out.contains_key(&iri) {
            continue;
        }
        let node = NamedNode::new_unchecked(iri.clone());
        let mut best: Option<(u8, String)> = None;
        for q in store.quads_for_pattern(
            Some(node.as_ref().into()),
            Some(skos::PREF_LABEL),
            None,
            None,
        ) {
            if let Term::Literal(l) = q?.object {
                let rank = match l.language() {
                    Some(l) if l == lang => 0,
                    Some("en") => 1,
                    _ => 2,
                };
                if best.as_ref().is_none_or(|(r, _)| rank < *r) {
                    best = Some((rank, l.value().to_owned()));
                }
            }
        }
        out.insert(iri, best.map(|b| b.1).unwrap_or_default());
    }
    Ok(out)
}

/// The language of the crosswalk's foreign scheme (`en` when it says none).
fn foreign_language(store: &Store, cw: &Crosswalk) -> Result<String, StorageError> {
    let g = NamedNode::new_unchecked(cw.iri.clone());
    for scheme in [&cw.subjects_target, &cw.objects_target] {
        if scheme.is_empty() || scheme.starts_with(&format!("{}concept-scheme/", mint::ESCO)) {
            continue;
        }
        let lang = literal(
            store,
            NamedNodeRef::new_unchecked(scheme),
            dcterms::LANGUAGE,
            g.as_ref(),
        )?;
        if !lang.is_empty() {
            return Ok(lang);
        }
    }
    Ok("en".to_owned())
}

/// Writes crosswalk `cw` in `format`.
pub fn write(
    store: &Store,
    cw: &Crosswalk,
    format: Format,
    out: &mut impl Write,
) -> Result<(), ExportError> {
    match format {
        Format::Skos => write_skos(store, cw, out),
        Format::Sssom => write_sssom(store, cw, mappings(store, cw)?, &cw.version, out),
        Format::Eures => write_eures(store, cw, mappings(store, cw)?, &cw.version, out),
    }
}

/// The mapping record of a curated mapping (SSSOM in RDF, in the crosswalk's graph).
#[derive(Debug, Clone, Default)]
struct Record {
    author: Vec<String>,
    reviewer: Vec<String>,
    score: String,
    measure: String,
    date: String,
    tool: String,
    comment: String,
    added_in: u64,
    removed_in: Option<u64>,
}

/// Every mapping record of a crosswalk, with what it maps.
fn records(store: &Store, cw: &Crosswalk) -> Result<Vec<(Mapping, Record)>, StorageError> {
    use crate::vocab::{cur, owl_axiom, sssom};
    let g = NamedNode::new_unchecked(cw.iri.clone());
    let gr = g.as_ref();
    let mut out = Vec::new();
    for q in store.quads_for_pattern(
        None,
        Some(owl_axiom::ANNOTATED_SOURCE),
        None,
        Some(gr.into()),
    ) {
        let q = q?;
        let (NamedOrBlankNode::NamedNode(r), Term::NamedNode(subject)) = (q.subject, q.object)
        else {
            continue;
        };
        let r = r.as_ref();
        let all = |p: NamedNodeRef<'_>| -> Result<Vec<String>, StorageError> {
            let mut v: Vec<String> = store
                .quads_for_pattern(Some(r.into()), Some(p), None, Some(gr.into()))
                .map(|q| {
                    q.map(|q| match q.object {
                        Term::NamedNode(n) => n.into_string(),
                        Term::Literal(l) => l.value().to_owned(),
                        other => other.to_string(),
                    })
                })
                .collect::<Result<_, _>>()?;
            v.sort();
            Ok(v)
        };
        let one = |p: NamedNodeRef<'_>| -> Result<String, StorageError> {
            Ok(all(p)?.into_iter().next().unwrap_or_default())
        };
        let property = one(owl_axiom::ANNOTATED_PROPERTY)?;
        let Some(kind) = MatchKind::ALL
            .into_iter()
            .find(|k| super::property(*k).as_str() == property)
        else {
            continue;
        };
        let object = one(owl_axiom::ANNOTATED_TARGET)?;
        out.push((
            Mapping {
                subject: subject.into_string(),
                kind: KindOrd::of(kind),
                object,
            },
            Record {
                author: all(sssom::AUTHOR_ID)?,
                reviewer: all(sssom::REVIEWER_ID)?,
                score: one(sssom::SIMILARITY_SCORE)?,
                measure: one(sssom::SIMILARITY_MEASURE)?,
                date: one(sssom::MAPPING_DATE)?,
                tool: one(sssom::MAPPING_TOOL)?,
                comment: one(sssom::COMMENT)?,
                added_in: one(cur::ADDED_IN)?.parse().unwrap_or(0),
                removed_in: one(cur::REMOVED_IN)?.parse().ok(),
            },
        ));
    }
    Ok(out)
}

/// Writes crosswalk `cw` as it was at revision `version` (curated crosswalks keep a record of
/// every mapping with the revisions that added and withdrew it). `Ok(false)` when the
/// crosswalk has no such revision.
pub fn write_version(
    store: &Store,
    cw: &Crosswalk,
    format: Format,
    version: u64,
    out: &mut impl Write,
) -> Result<bool, ExportError> {
    let current: u64 = cw.version.parse().unwrap_or(0);
    let recs = records(store, cw)?;
    if version > current || (recs.is_empty() && version != current) {
        return Ok(false);
    }
    let mut maps: Vec<Mapping> = recs
        .into_iter()
        .filter(|(_, r)| r.added_in <= version && r.removed_in.is_none_or(|x| x > version))
        .map(|(m, _)| m)
        .collect();
    maps.sort();
    maps.dedup();
    let label = version.to_string();
    match format {
        Format::Sssom => write_sssom(store, cw, maps, &label, out)?,
        Format::Eures => write_eures(store, cw, maps, &label, out)?,
        Format::Skos => {
            let triples: Vec<Triple> = maps
                .iter()
                .map(|m| {
                    Triple::new(
                        NamedNode::new_unchecked(&m.subject),
                        super::property(m.kind.kind()),
                        NamedNode::new_unchecked(&m.object),
                    )
                })
                .collect();
            crate::rdf::write_triples(&triples, oxigraph::io::RdfFormat::Turtle, out)
                .map_err(|e| ExportError::Io(std::io::Error::other(e.to_string())))?;
        }
    }
    Ok(true)
}

fn write_skos(store: &Store, cw: &Crosswalk, out: &mut impl Write) -> Result<(), ExportError> {
    let g = NamedNode::new_unchecked(cw.iri.clone());
    let triples: Vec<Triple> = store
        .quads_for_pattern(None, None, None, Some(g.as_ref().into()))
        .map(|q| q.map(Triple::from))
        .collect::<Result<_, _>>()?;
    crate::rdf::write_triples(&triples, oxigraph::io::RdfFormat::Turtle, out)
        .map_err(|e| ExportError::Io(std::io::Error::other(e.to_string())))?;
    Ok(())
}

/// A TSV field: tabs and line breaks would break the row.
fn tsv(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}

/// A CURIE under the `esco:` prefix when the IRI is in the ESCO URI space.
fn curie(iri: &str) -> String {
    iri.strip_prefix(mint::ESCO)
        .map_or_else(|| iri.to_owned(), |rest| format!("esco:{rest}"))
}

fn yaml(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn write_sssom(
    store: &Store,
    cw: &Crosswalk,
    maps: Vec<Mapping>,
    version: &str,
    out: &mut impl Write,
) -> Result<(), ExportError> {
    // Curated mappings carry their record: who, when, how similar.
    let live: HashMap<Mapping, Record> = records(store, cw)?
        .into_iter()
        .filter(|(_, r)| r.removed_in.is_none())
        .collect();
    let lang = foreign_language(store, cw)?;
    let names = labels(
        store,
        maps.iter()
            .flat_map(|m| [m.subject.clone(), m.object.clone()]),
        &lang,
    )?;
    writeln!(out, "# curie_map:")?;
    writeln!(out, "#   esco: {}", mint::ESCO)?;
    writeln!(out, "#   semapv: https://w3id.org/semapv/vocab/")?;
    writeln!(out, "#   skos: http://www.w3.org/2004/02/skos/core#")?;
    writeln!(out, "# mapping_set_id: {}", cw.iri)?;
    if !version.is_empty() {
        writeln!(out, "# mapping_set_version: {}", yaml(version))?;
    }
    writeln!(
        out,
        "# mapping_set_title: {}",
        yaml(if cw.name.is_empty() { &cw.id } else { &cw.name })
    )?;
    writeln!(
        out,
        "# mapping_set_description: {}",
        yaml(&format!("Exported by esco-ld. {}", crate::ATTRIBUTION))
    )?;
    writeln!(
        out,
        "# license: https://eur-lex.europa.eu/eli/dec/2011/833/oj"
    )?;
    if super::is_iso_date(&cw.issued) {
        writeln!(out, "# publication_date: {}", cw.issued)?;
    }
    if !cw.creator.is_empty() {
        writeln!(out, "# creator_label:\n#   - {}", yaml(&cw.creator))?;
    }
    if !cw.subjects_target.is_empty() {
        writeln!(out, "# subject_source: {}", curie(&cw.subjects_target))?;
    }
    if !cw.objects_target.is_empty() {
        writeln!(out, "# object_source: {}", curie(&cw.objects_target))?;
    }
    let curated = !live.is_empty();
    write!(
        out,
        "subject_id\tsubject_label\tpredicate_id\tobject_id\tobject_label\tmapping_justification"
    )?;
    if curated {
        write!(
            out,
            "\tauthor_id\treviewer_id\tmapping_date\tmapping_tool\tsimilarity_score\tsimilarity_measure\tcomment"
        )?;
    }
    writeln!(out)?;
    for m in &maps {
        write!(
            out,
            "{}\t{}\tskos:{}\t{}\t{}\tsemapv:ManualMappingCuration",
            curie(&m.subject),
            tsv(names.get(&m.subject).map_or("", String::as_str)),
            m.kind.kind().local_name(),
            curie(&m.object),
            tsv(names.get(&m.object).map_or("", String::as_str)),
        )?;
        if curated {
            let r = live.get(m).cloned().unwrap_or_default();
            let ids = |v: &[String]| v.iter().map(|i| curie(i)).collect::<Vec<_>>().join("|");
            write!(
                out,
                "\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                ids(&r.author),
                ids(&r.reviewer),
                r.date,
                tsv(&r.tool),
                r.score,
                tsv(&r.measure),
                tsv(&r.comment)
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The inverse relation, for a mapping read from the other side.
fn inverse(kind: MatchKind) -> MatchKind {
    match kind {
        MatchKind::Broad => MatchKind::Narrow,
        MatchKind::Narrow => MatchKind::Broad,
        MatchKind::Exact => MatchKind::Exact,
        MatchKind::Close => MatchKind::Close,
    }
}

fn write_eures(
    store: &Store,
    cw: &Crosswalk,
    maps: Vec<Mapping>,
    version: &str,
    out: &mut impl Write,
) -> Result<(), ExportError> {
    let lang = foreign_language(store, cw)?;
    let foreign_scheme = [&cw.subjects_target, &cw.objects_target]
        .into_iter()
        .find(|s| !s.is_empty() && !super::is_esco_uri(s))
        .cloned()
        .unwrap_or_default();
    let g = NamedNode::new_unchecked(cw.iri.clone());
    let foreign_name = if foreign_scheme.is_empty() {
        String::new()
    } else {
        let scheme = NamedNodeRef::new_unchecked(&foreign_scheme);
        let mut name = literal(store, scheme, skos::PREF_LABEL, g.as_ref())?;
        if name.is_empty() {
            name = foreign_scheme.clone();
        }
        name
    };
    let foreign_version = if foreign_scheme.is_empty() {
        String::new()
    } else {
        literal(
            store,
            NamedNodeRef::new_unchecked(&foreign_scheme),
            owl::VERSION_INFO,
            g.as_ref(),
        )?
    };
    let release = release(store)?;
    let preamble = [
        (
            "Mapping project name",
            if cw.name.is_empty() {
                cw.id.as_str()
            } else {
                cw.name.as_str()
            },
        ),
        (
            "Mapping project author",
            if cw.creator.is_empty() {
                "default-author"
            } else {
                cw.creator.as_str()
            },
        ),
        (
            "Mapping project version",
            if version.is_empty() { "N/A" } else { version },
        ),
        ("Mapping project version date", cw.issued.as_str()),
        ("Classification 1 Name", "ESCO"),
        ("Classification 1 Concept type", "Occupation"),
        ("Classification 1 Version", release.as_str()),
        ("Classification 1 Language", lang.as_str()),
        (
            "Classification 1 Landing page",
            "https://esco.ec.europa.eu/",
        ),
        ("Classification 2 Name", foreign_name.as_str()),
        ("Classification 2 Concept type", "occupations"),
        ("Classification 2 Version", foreign_version.as_str()),
        ("Classification 2 Language", lang.as_str()),
        ("Classification 2 Landing page", ""),
    ];
    for (key, value) in preamble {
        writeln!(out, "{key},{}", csv_field(value))?;
    }
    writeln!(out)?;
    writeln!(out)?;
    writeln!(out, "Classification 1 URI,Classification 1 PrefLabel,Classification 1 URL,Classification 2 ID,Classification 2 PrefLabel,Classification 2 URL,Mapping relation")?;
    let names = labels(
        store,
        maps.iter()
            .flat_map(|m| [m.subject.clone(), m.object.clone()]),
        &lang,
    )?;
    let mut rows = Vec::with_capacity(maps.len());
    for m in &maps {
        // ESCO is classification 1: a mapping stated from the other side is turned round.
        let (esco, foreign, kind) = if super::is_esco_uri(&m.subject) {
            (&m.subject, &m.object, m.kind.kind())
        } else {
            (&m.object, &m.subject, inverse(m.kind.kind()))
        };
        let foreign_node = NamedNode::new_unchecked(foreign.clone());
        let mut id = literal_any(store, foreign_node.as_ref(), skos::NOTATION)?;
        if id.is_empty() {
            id = foreign.clone();
        }
        let url = literal_any(store, foreign_node.as_ref(), crate::vocab::foaf::PAGE)?;
        rows.push(format!(
            "{},{},{},{},{},{},skos:{}",
            csv_field(esco),
            csv_field(names.get(esco).map_or("", String::as_str)),
            csv_field(esco),
            csv_field(&id),
            csv_field(names.get(foreign).map_or("", String::as_str)),
            csv_field(&url),
            kind.local_name()
        ));
    }
    rows.sort();
    for row in rows {
        writeln!(out, "{row}")?;
    }
    Ok(())
}
