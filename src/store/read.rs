//! Typed reads of the store: the first object, every object or subject, literals by language,
//! whether a triple is there. `graph` is one named graph, or `None` for any graph.

use std::collections::BTreeSet;

use oxigraph::model::{GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, TermRef};
use oxigraph::store::{StorageError, Store};

use crate::concept::{Class, Target};
use crate::vocab::{rdf, skos};

fn graph_name(graph: Option<NamedNodeRef<'_>>) -> Option<GraphNameRef<'_>> {
    graph.map(GraphNameRef::NamedNode)
}

/// The first object of `s p`.
pub fn first_object(
    store: &Store,
    s: NamedNodeRef<'_>,
    p: NamedNodeRef<'_>,
    graph: Option<NamedNodeRef<'_>>,
) -> Result<Option<Term>, StorageError> {
    store
        .quads_for_pattern(Some(s.into()), Some(p), None, graph_name(graph))
        .next()
        .transpose()
        .map(|q| q.map(|q| q.object))
}

/// The first literal's value or IRI among the objects of `s p`; empty when there is none.
pub fn text(
    store: &Store,
    s: NamedNodeRef<'_>,
    p: NamedNodeRef<'_>,
    graph: Option<NamedNodeRef<'_>>,
) -> Result<String, StorageError> {
    for q in store.quads_for_pattern(Some(s.into()), Some(p), None, graph_name(graph)) {
        match q?.object {
            Term::Literal(l) => return Ok(l.value().to_owned()),
            Term::NamedNode(n) => return Ok(n.into_string()),
            Term::BlankNode(_) => {}
        }
    }
    Ok(String::new())
}

/// Every object of `s p`, in the store's order.
pub fn objects(
    store: &Store,
    s: NamedNodeRef<'_>,
    p: NamedNodeRef<'_>,
    graph: Option<NamedNodeRef<'_>>,
) -> Result<Vec<Term>, StorageError> {
    store
        .quads_for_pattern(Some(s.into()), Some(p), None, graph_name(graph))
        .map(|q| q.map(|q| q.object))
        .collect()
}

/// The IRIs among the objects of `s p` in any graph, without repeats, sorted.
pub fn iri_objects(
    store: &Store,
    s: NamedNodeRef<'_>,
    p: NamedNodeRef<'_>,
) -> Result<Vec<NamedNode>, StorageError> {
    let mut out = BTreeSet::new();
    for q in store.quads_for_pattern(Some(s.into()), Some(p), None, None) {
        if let Term::NamedNode(o) = q?.object {
            out.insert(IriOrder(o));
        }
    }
    Ok(out.into_iter().map(|o| o.0).collect())
}

/// The IRIs among the subjects of `? p o` in any graph, without repeats, sorted.
pub fn iri_subjects(
    store: &Store,
    p: NamedNodeRef<'_>,
    o: NamedNodeRef<'_>,
) -> Result<Vec<NamedNode>, StorageError> {
    let mut out = BTreeSet::new();
    for q in store.quads_for_pattern(None, Some(p), Some(o.into()), None) {
        if let NamedOrBlankNode::NamedNode(s) = q?.subject {
            out.insert(IriOrder(s));
        }
    }
    Ok(out.into_iter().map(|s| s.0).collect())
}

/// `(language, text)` of every literal object of `s p` in any graph, without repeats, sorted.
pub fn literals(
    store: &Store,
    s: NamedNodeRef<'_>,
    p: NamedNodeRef<'_>,
) -> Result<Vec<(String, String)>, StorageError> {
    let mut out = BTreeSet::new();
    for q in store.quads_for_pattern(Some(s.into()), Some(p), None, None) {
        if let Term::Literal(l) = q?.object {
            out.insert((
                l.language().unwrap_or_default().to_owned(),
                l.value().to_owned(),
            ));
        }
    }
    Ok(out.into_iter().collect())
}

/// Whether `s p o` is in some graph.
pub fn has<'a>(
    store: &Store,
    s: NamedNodeRef<'_>,
    p: NamedNodeRef<'_>,
    o: impl Into<TermRef<'a>>,
) -> Result<bool, StorageError> {
    Ok(store
        .quads_for_pattern(Some(s.into()), Some(p), Some(o.into()), None)
        .next()
        .transpose()?
        .is_some())
}

/// Whether the concept `iri` is one of `target`'s: of the target's class (any of the four for
/// [`Target::Any`]) or in its scheme; a union's concept is in one of its parts.
pub fn is_in(store: &Store, iri: NamedNodeRef<'_>, target: &Target) -> Result<bool, StorageError> {
    for part in target.parts() {
        let found = match part {
            Target::Any => {
                let mut any = false;
                for class in Class::ALL {
                    any |= has(store, iri, rdf::TYPE, class.iri())?;
                }
                any
            }
            Target::Scheme(scheme) => has(store, iri, skos::IN_SCHEME, scheme.as_ref())?,
            // A union's parts are never unions.
            Target::Union(_) => false,
            Target::Occupations | Target::Skills | Target::IscoGroups | Target::SkillGroups => {
                match part.class() {
                    Some(class) => has(store, iri, rdf::TYPE, class.iri())?,
                    None => false,
                }
            }
        };
        if found {
            return Ok(true);
        }
    }
    Ok(false)
}

/// IRIs ordered by their text (`NamedNode` has no `Ord`).
#[derive(PartialEq, Eq)]
struct IriOrder(NamedNode);

impl PartialOrd for IriOrder {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for IriOrder {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.as_str().cmp(other.0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{Literal, Quad};

    #[test]
    fn reads_see_what_was_written() {
        let store = Store::new().unwrap();
        let (s, p, g) = (
            NamedNode::new_unchecked("http://x/s"),
            NamedNode::new_unchecked("http://x/p"),
            NamedNode::new_unchecked("http://x/g"),
        );
        for o in ["http://x/b", "http://x/a", "http://x/b"] {
            store
                .insert(&Quad::new(
                    s.clone(),
                    p.clone(),
                    NamedNode::new_unchecked(o),
                    g.clone(),
                ))
                .unwrap();
        }
        store
            .insert(&Quad::new(
                s.clone(),
                p.clone(),
                Literal::new_language_tagged_literal_unchecked("x", "fr"),
                g.clone(),
            ))
            .unwrap();
        let iris: Vec<String> = iri_objects(&store, s.as_ref(), p.as_ref())
            .unwrap()
            .into_iter()
            .map(NamedNode::into_string)
            .collect();
        assert_eq!(iris, ["http://x/a", "http://x/b"]);
        assert_eq!(
            literals(&store, s.as_ref(), p.as_ref()).unwrap(),
            [("fr".to_owned(), "x".to_owned())]
        );
        assert_eq!(
            iri_subjects(
                &store,
                p.as_ref(),
                NamedNodeRef::new_unchecked("http://x/a")
            )
            .unwrap(),
            std::slice::from_ref(&s)
        );
        assert!(has(
            &store,
            s.as_ref(),
            p.as_ref(),
            NamedNodeRef::new_unchecked("http://x/a")
        )
        .unwrap());
        assert_eq!(
            objects(&store, s.as_ref(), p.as_ref(), Some(g.as_ref()))
                .unwrap()
                .len(),
            3
        );
        assert!(
            first_object(&store, s.as_ref(), p.as_ref(), Some(s.as_ref()))
                .unwrap()
                .is_none()
        );
        assert_eq!(text(&store, p.as_ref(), p.as_ref(), None).unwrap(), "");
    }
}
