//! The catalogue: the crosswalks the store holds (their linkset descriptions), for the home
//! page, the dataset description, the command line and the exports.

use std::collections::BTreeMap;

use oxigraph::model::{GraphNameRef, NamedOrBlankNode};
use oxigraph::store::{StorageError, Store};

use super::ExportError;
use crate::load::crosswalk::MatchKind;
use crate::store::read;
use crate::vocab::{dcterms, mint, owl, rdf, void};

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

/// The version of the newest ESCO release in the store (empty if none).
pub(crate) fn release(store: &Store) -> Result<String, StorageError> {
    let mut best: Option<(Vec<u32>, String)> = None;
    for q in store.quads_for_pattern(
        None,
        Some(rdf::TYPE),
        Some(crate::vocab::esco::RELEASE.into()),
        None,
    ) {
        if let NamedOrBlankNode::NamedNode(g) = q?.subject {
            let v = read::text(store, g.as_ref(), owl::VERSION_INFO, None)?;
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
                .quads_for_pattern(
                    None,
                    Some(crate::load::crosswalk::property(kind)),
                    None,
                    Some(g.into()),
                )
                .count() as u64;
            if n > 0 {
                links.insert(kind.local_name().to_owned(), n);
            }
        }
        out.push(Crosswalk {
            id: id.to_owned(),
            iri: s.as_str().to_owned(),
            name: read::text(store, g, dcterms::TITLE, Some(g))?,
            source: read::text(store, g, dcterms::SOURCE, Some(g))?,
            version: read::text(store, g, owl::VERSION_INFO, Some(g))?,
            issued: read::text(store, g, dcterms::ISSUED, Some(g))?,
            creator: read::text(store, g, dcterms::CREATOR, Some(g))?,
            subjects_target: read::text(store, g, void::SUBJECTS_TARGET, Some(g))?,
            objects_target: read::text(store, g, void::OBJECTS_TARGET, Some(g))?,
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
