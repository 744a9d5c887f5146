//! Publication of the store's crosswalks: the catalogue ([`catalogue`]: what crosswalks the
//! store holds), and one writer per format: SKOS Turtle (the crosswalk's named graph),
//! SSSOM TSV (with its YAML metadata block, and each curated mapping's record) and the EURES
//! mapping-table CSV (the preamble and columns of the tables ESCO publishes, ESCO as
//! classification 1). Any revision of a curated crosswalk can be written again from the
//! curation records ([`crate::publish::revisions`]).

pub mod catalogue;
mod eures;
pub mod revisions;
mod skos;
mod sssom;

use std::collections::HashMap;
use std::io::Write;

use oxigraph::model::{NamedNode, NamedNodeRef, NamedOrBlankNode, Term};
use oxigraph::store::{StorageError, Store};

pub use catalogue::{find, list, Crosswalk};

use crate::load::crosswalk::MatchKind;
use crate::store::read;
use crate::vocab::{dcterms, mint, skos as skos_vocab};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// SSSOM TSV.
    #[value(alias = "sssom-tsv")]
    Sssom,
    /// The EURES mapping-table CSV.
    #[value(alias = "csv")]
    Eures,
    /// SKOS Turtle.
    #[value(alias = "ttl", alias = "turtle")]
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
    pub(crate) fn of(kind: MatchKind) -> Self {
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
            Some(crate::load::crosswalk::property(kind)),
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
pub(crate) fn labels(
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
            Some(skos_vocab::PREF_LABEL),
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
        let lang = read::text(
            store,
            NamedNodeRef::new_unchecked(scheme),
            dcterms::LANGUAGE,
            Some(g.as_ref()),
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
        Format::Skos => skos::write_graph(store, cw, out),
        Format::Sssom => sssom::write(store, cw, &mappings(store, cw)?, &cw.version, out),
        Format::Eures => eures::write(store, cw, &mappings(store, cw)?, &cw.version, out),
    }
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
    let Some(maps) = revisions::at(store, cw, version, current)? else {
        return Ok(false);
    };
    let label = version.to_string();
    match format {
        Format::Sssom => sssom::write(store, cw, &maps, &label, out)?,
        Format::Eures => eures::write(store, cw, &maps, &label, out)?,
        Format::Skos => skos::write_mappings(&maps, out)?,
    }
    Ok(true)
}
