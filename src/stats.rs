//! What the store holds: instances per class, relations and labels per language, per graph.

use std::collections::BTreeMap;
use std::fmt;

use oxigraph::model::{GraphName, Term};
use oxigraph::store::Store;
use serde::Serialize;

use crate::queries;
use crate::sparql::{self, SparqlError};
use crate::vocab::skos;

/// Counts for one named graph.
#[derive(Debug, Default, Clone, Serialize)]
pub struct GraphStats {
    /// Instances per class IRI.
    pub classes: BTreeMap<String, u64>,
    /// Triples per relation IRI (the relations of `queries/stats-relations.rq`).
    pub relations: BTreeMap<String, u64>,
    /// Labels per language tag.
    pub labels: BTreeMap<String, u64>,
}

/// Counts for the whole store.
#[derive(Debug, Default, Clone, Serialize)]
pub struct StoreStats {
    /// Per graph IRI.
    pub graphs: BTreeMap<String, GraphStats>,
}

fn number(term: Option<&Term>) -> u64 {
    match term {
        Some(Term::Literal(l)) => l.value().parse().unwrap_or(0),
        _ => 0,
    }
}

/// Collects the statistics; `labels` adds the labels per language, which needs every label
/// decoded.
pub fn collect(store: &Store, labels: bool) -> Result<StoreStats, SparqlError> {
    let mut stats = StoreStats::default();
    for (query, pick) in [(queries::STATS_CLASSES, 0), (queries::STATS_RELATIONS, 1)] {
        for row in sparql::select(store, query)? {
            let graph = stats
                .graphs
                .entry(sparql::term_text(row[0].as_ref()))
                .or_default();
            let map = if pick == 0 {
                &mut graph.classes
            } else {
                &mut graph.relations
            };
            map.insert(sparql::term_text(row[1].as_ref()), number(row[2].as_ref()));
        }
    }
    if !labels {
        return Ok(stats);
    }
    // Labels per language: a scan of the label indexes.
    for p in [skos::PREF_LABEL, skos::ALT_LABEL, skos::HIDDEN_LABEL] {
        for quad in store.quads_for_pattern(None, Some(p), None, None) {
            let quad = quad.map_err(|e| SparqlError::Io(std::io::Error::other(e)))?;
            let Term::Literal(label) = &quad.object else {
                continue;
            };
            let graph = match &quad.graph_name {
                GraphName::NamedNode(n) => n.as_str().to_owned(),
                GraphName::BlankNode(_) | GraphName::DefaultGraph => String::new(),
            };
            *stats
                .graphs
                .entry(graph)
                .or_default()
                .labels
                .entry(label.language().unwrap_or_default().to_owned())
                .or_default() += 1;
        }
    }
    Ok(stats)
}

impl StoreStats {
    /// Instances of a class in a graph.
    pub fn class_count(&self, graph: &str, class: &str) -> u64 {
        self.graphs
            .get(graph)
            .and_then(|g| g.classes.get(class))
            .copied()
            .unwrap_or(0)
    }

    /// Triples of a relation in a graph.
    pub fn predicate_count(&self, graph: &str, predicate: &str) -> u64 {
        self.graphs
            .get(graph)
            .and_then(|g| g.relations.get(predicate))
            .copied()
            .unwrap_or(0)
    }

    /// Instances of a class over all graphs (a concept in two graphs counts twice).
    pub fn class_total(&self, class: &str) -> u64 {
        self.graphs
            .values()
            .filter_map(|g| g.classes.get(class))
            .sum()
    }

    /// Labels per language over all graphs.
    pub fn labels_by_language(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for g in self.graphs.values() {
            for (lang, n) in &g.labels {
                *out.entry(lang.clone()).or_default() += n;
            }
        }
        out
    }
}

/// Shortens an IRI with the prefixes a reader knows.
pub fn short(iri: &str) -> String {
    for (prefix, ns) in [
        ("skos:", "http://www.w3.org/2004/02/skos/core#"),
        ("esco:", "http://data.europa.eu/esco/model#"),
        ("void:", "http://rdfs.org/ns/void#"),
        ("owl:", "http://www.w3.org/2002/07/owl#"),
        ("rdfs:", "http://www.w3.org/2000/01/rdf-schema#"),
        ("rdf:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
        ("<", "http://data.europa.eu/esco/"),
    ] {
        if let Some(rest) = iri.strip_prefix(ns) {
            return if prefix == "<" {
                format!("<{rest}>")
            } else {
                format!("{prefix}{rest}")
            };
        }
    }
    iri.to_owned()
}

impl fmt::Display for StoreStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} named graphs", self.graphs.len())?;
        for (graph, g) in &self.graphs {
            writeln!(f, "graph {}", short(graph))?;
            let classes: Vec<String> = g
                .classes
                .iter()
                .map(|(c, n)| format!("{} {n}", short(c)))
                .collect();
            if !classes.is_empty() {
                writeln!(f, "  classes:   {}", classes.join(", "))?;
            }
            let relations: Vec<String> = g
                .relations
                .iter()
                .map(|(c, n)| format!("{} {n}", short(c)))
                .collect();
            if !relations.is_empty() {
                writeln!(f, "  relations: {}", relations.join(", "))?;
            }
            let labels: Vec<String> = g.labels.iter().map(|(l, n)| format!("{l} {n}")).collect();
            if !labels.is_empty() {
                writeln!(f, "  labels:    {}", labels.join(", "))?;
            }
        }
        Ok(())
    }
}
