//! What the store says about one resource, as its page shows it: its own triples, the preferred
//! labels of everything it points at, its broader chain to the top, the crosswalk links that
//! point at it from any graph, and the collections it is in. Read straight from the indexes:
//! a handful of point lookups, no query planning.

use std::collections::{HashMap, HashSet};

use oxigraph::model::{Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, Triple};
use oxigraph::store::{StorageError, Store};

use crate::vocab::{mint, skos};

const MAPPINGS: [NamedNodeRef<'static>; 4] = [
    skos::EXACT_MATCH,
    skos::CLOSE_MATCH,
    skos::BROAD_MATCH,
    skos::NARROW_MATCH,
];

/// Every preferred label in the store, by resource: read once per store version so that a
/// page naming hundreds of linked concepts needs no lookup per name.
#[derive(Debug, Default)]
pub struct Labels(HashMap<NamedNode, Vec<Literal>>);

impl Labels {
    /// Reads every `skos:prefLabel` of the store (all graphs).
    pub fn read(store: &Store) -> Result<Self, StorageError> {
        let mut map: HashMap<NamedNode, Vec<Literal>> = HashMap::new();
        for quad in store.quads_for_pattern(None, Some(skos::PREF_LABEL), None, None) {
            let quad = quad?;
            if let (NamedOrBlankNode::NamedNode(s), Term::Literal(l)) = (quad.subject, quad.object)
            {
                let labels = map.entry(s).or_default();
                if !labels.contains(&l) {
                    labels.push(l);
                }
            }
        }
        Ok(Self(map))
    }

    /// The preferred label of `iri` in `lang`, else in English, else any.
    pub fn preferred(&self, iri: &str, lang: &str) -> Option<&str> {
        let labels = self.0.get(&NamedNode::new_unchecked(iri))?;
        labels
            .iter()
            .find(|l| l.language() == Some(lang))
            .or_else(|| labels.iter().find(|l| l.language() == Some("en")))
            .or_else(|| labels.first())
            .map(Literal::value)
    }

    /// Every preferred label of `iri`.
    pub fn all(&self, iri: &str) -> &[Literal] {
        self.0
            .get(&NamedNode::new_unchecked(iri))
            .map_or(&[], Vec::as_slice)
    }

    /// Resources with a label.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no resource has a label.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

struct Collector<'s> {
    store: &'s Store,
    index: Option<&'s Labels>,
    /// May hold a triple twice (from two graphs); the serialisers drop repeats.
    triples: Vec<Triple>,
    labelled: HashSet<NamedNode>,
}

impl Collector<'_> {
    fn push(&mut self, triple: Triple) {
        self.triples.push(triple);
    }

    fn pattern(
        &mut self,
        s: Option<&NamedNode>,
        p: Option<NamedNodeRef<'_>>,
        o: Option<&NamedNode>,
    ) -> Result<Vec<Triple>, StorageError> {
        self.store
            .quads_for_pattern(
                s.map(|s| s.as_ref().into()),
                p,
                o.map(|o| o.as_ref().into()),
                None,
            )
            .map(|q| q.map(Triple::from))
            .collect()
    }

    fn labels(&mut self, node: &NamedNode) -> Result<(), StorageError> {
        if !self.labelled.insert(node.clone()) {
            return Ok(());
        }
        if let Some(index) = self.index {
            for label in index.0.get(node).into_iter().flatten() {
                self.push(Triple::new(node.clone(), skos::PREF_LABEL, label.clone()));
            }
        } else {
            for t in self.pattern(Some(node), Some(skos::PREF_LABEL), None)? {
                self.push(t);
            }
        }
        Ok(())
    }
}

fn named(subject: &NamedOrBlankNode) -> Option<NamedNode> {
    match subject {
        NamedOrBlankNode::NamedNode(n) => Some(n.clone()),
        NamedOrBlankNode::BlankNode(_) => None,
    }
}

/// Describes `iri`; empty when the store has no triple about it. The ESCO model document
/// (`…/model`) is described by the terms of the ontology graph. `labels`, when given, must
/// have been read from the store as it is now; it answers for the preferred labels.
pub fn describe(
    store: &Store,
    labels: Option<&Labels>,
    iri: &NamedNode,
) -> Result<Vec<Triple>, StorageError> {
    if iri.as_str().ends_with("/model") {
        let prefix = format!("{}#", iri.as_str());
        let graph = NamedNodeRef::new_unchecked(mint::ONTOLOGY_GRAPH);
        return store
            .quads_for_pattern(None, None, None, Some(graph.into()))
            .filter(|q| {
                q.as_ref().map_or(true, |q| {
                    named(&q.subject).is_some_and(|s| s.as_str().starts_with(&prefix) || s == *iri)
                })
            })
            .map(|q| q.map(Triple::from))
            .collect();
    }
    let mut c = Collector {
        store,
        index: labels,
        triples: Vec::new(),
        labelled: HashSet::new(),
    };
    let own = c.pattern(Some(iri), None, None)?;
    if own.is_empty() {
        return Ok(Vec::new());
    }
    let mut linked = Vec::new();
    let mut broader = Vec::new();
    for t in own {
        if let Term::NamedNode(o) = &t.object {
            if t.predicate.as_ref() == skos::BROADER {
                broader.push(o.clone());
            }
            linked.push(o.clone());
        }
        c.push(t);
    }
    c.labelled.insert(iri.clone());
    for node in &linked {
        c.labels(node)?;
    }
    // The broader chain, to the top.
    let mut visited: HashSet<NamedNode> = HashSet::new();
    while let Some(up) = broader.pop() {
        if !visited.insert(up.clone()) {
            continue;
        }
        c.labels(&up)?;
        for t in c.pattern(Some(&up), Some(skos::BROADER), None)? {
            if let Term::NamedNode(next) = &t.object {
                broader.push(next.clone());
            }
            c.push(t);
        }
    }
    // Who points at it: crosswalk links from any graph, and collections.
    for p in MAPPINGS.into_iter().chain([skos::MEMBER]) {
        for t in c.pattern(None, Some(p), Some(iri))? {
            if let Some(other) = named(&t.subject) {
                c.labels(&other)?;
                if p != skos::MEMBER {
                    for s in c.pattern(Some(&other), Some(skos::IN_SCHEME), None)? {
                        c.push(s);
                    }
                }
            }
            c.push(t);
        }
    }
    Ok(c.triples)
}
