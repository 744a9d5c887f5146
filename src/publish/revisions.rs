//! The revisions of a curated crosswalk, rebuilt from its mapping records: each record says
//! in which revision its mapping was added and, once withdrawn, in which it was taken back.

use oxigraph::model::{NamedNode, NamedNodeRef, NamedOrBlankNode, Term};
use oxigraph::store::{StorageError, Store};

use crate::load::crosswalk::MatchKind;
use crate::publish::{Crosswalk, KindOrd, Mapping};

/// The mapping record of a curated mapping (SSSOM in RDF, in the crosswalk's graph).
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// Who gave the answer.
    pub author: Vec<String>,
    /// Who reviewed it.
    pub reviewer: Vec<String>,
    /// The candidate's similarity score.
    pub score: String,
    /// How it was measured.
    pub measure: String,
    /// When it was decided.
    pub date: String,
    /// What made it.
    pub tool: String,
    /// The curators' comments.
    pub comment: String,
    /// The revision that added it.
    pub added_in: u64,
    /// The revision that withdrew it, if any.
    pub removed_in: Option<u64>,
}

/// Every mapping record of a crosswalk, with what it maps.
pub fn records(store: &Store, cw: &Crosswalk) -> Result<Vec<(Mapping, Record)>, StorageError> {
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
            .find(|k| crate::load::crosswalk::property(*k).as_str() == property)
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

/// The mappings of `cw` at revision `version` (its current revision is `current`): what was
/// added at or before it and not withdrawn by it; `None` when there is no such revision.
pub fn at(
    store: &Store,
    cw: &Crosswalk,
    version: u64,
    current: u64,
) -> Result<Option<Vec<Mapping>>, StorageError> {
    let recs = records(store, cw)?;
    if version > current || (recs.is_empty() && version != current) {
        return Ok(None);
    }
    let mut maps: Vec<Mapping> = recs
        .into_iter()
        .filter(|(_, r)| r.added_in <= version && r.removed_in.is_none_or(|x| x > version))
        .map(|(m, _)| m)
        .collect();
    maps.sort();
    maps.dedup();
    Ok(Some(maps))
}
