//! SKOS Turtle: the crosswalk's named graph, or the mappings of one revision.

use std::io::Write;

use oxigraph::model::{NamedNode, Triple};
use oxigraph::store::Store;

use super::{Crosswalk, ExportError, Mapping};

/// The crosswalk's named graph as it is.
pub(super) fn write_graph(
    store: &Store,
    cw: &Crosswalk,
    out: &mut impl Write,
) -> Result<(), ExportError> {
    let g = NamedNode::new_unchecked(cw.iri.clone());
    let triples: Vec<Triple> = store
        .quads_for_pattern(None, None, None, Some(g.as_ref().into()))
        .map(|q| q.map(Triple::from))
        .collect::<Result<_, _>>()?;
    crate::rdf::write_triples(&triples, oxigraph::io::RdfFormat::Turtle, out)
        .map_err(|e| ExportError::Io(std::io::Error::other(e.to_string())))?;
    Ok(())
}

/// The mappings of one revision.
pub(super) fn write_mappings(maps: &[Mapping], out: &mut impl Write) -> Result<(), ExportError> {
    let triples: Vec<Triple> = maps
        .iter()
        .map(|m| {
            Triple::new(
                NamedNode::new_unchecked(&m.subject),
                crate::load::crosswalk::property(m.kind.kind()),
                NamedNode::new_unchecked(&m.object),
            )
        })
        .collect();
    crate::rdf::write_triples(&triples, oxigraph::io::RdfFormat::Turtle, out)
        .map_err(|e| ExportError::Io(std::io::Error::other(e.to_string())))
}
