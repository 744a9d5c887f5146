//! Writing RDF for clients: triples grouped by subject in every format the service offers,
//! JSON-LD compacted with a readable context, and the SPARQL service description.

use std::collections::BTreeMap;
use std::io::{self, Write};

use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{BlankNode, Literal, NamedNode, NamedOrBlankNode, Term, Triple};
use serde_json::{json, Map, Value};

use crate::vocab::rdf;

/// Prefixes used in Turtle, TriG and the JSON-LD context.
pub const PREFIXES: &[(&str, &str)] = &[
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("esco", "http://data.europa.eu/esco/model#"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("void", "http://rdfs.org/ns/void#"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("isothes", "http://purl.org/iso25964/skos-thes#"),
    ("sd", "http://www.w3.org/ns/sparql-service-description#"),
];

/// Orders subjects: IRIs, then blank nodes, without formatting them.
fn subject_key(s: &NamedOrBlankNode) -> (u8, &str) {
    match s {
        NamedOrBlankNode::NamedNode(n) => (0, n.as_str()),
        NamedOrBlankNode::BlankNode(b) => (1, b.as_str()),
    }
}

/// Orders objects: literals (by value, then language or datatype), IRIs, blank nodes.
fn object_key(o: &Term) -> (u8, &str, &str) {
    match o {
        Term::Literal(l) => (
            0,
            l.value(),
            l.language().unwrap_or_else(|| l.datatype().as_str()),
        ),
        Term::NamedNode(n) => (1, n.as_str(), ""),
        Term::BlankNode(b) => (2, b.as_str(), ""),
    }
}

/// Writes triples in `format`, grouped by subject (the Turtle and RDF/XML writers group only
/// consecutive triples). JSON-LD is compacted; dataset formats put the triples in the default graph.
pub fn write_triples(
    triples: &[Triple],
    format: RdfFormat,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut sorted: Vec<&Triple> = triples.iter().collect();
    sorted.sort_unstable_by(|a, b| {
        subject_key(&a.subject)
            .cmp(&subject_key(&b.subject))
            .then_with(|| a.predicate.as_str().cmp(b.predicate.as_str()))
            .then_with(|| object_key(&a.object).cmp(&object_key(&b.object)))
    });
    sorted.dedup();
    if matches!(format, RdfFormat::JsonLd { .. }) {
        let doc = compact_json_ld(&sorted);
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        return out.write_all(b"\n");
    }
    let mut serializer = RdfSerializer::from_format(format);
    if matches!(
        format,
        RdfFormat::Turtle | RdfFormat::TriG | RdfFormat::RdfXml
    ) {
        for (prefix, ns) in PREFIXES {
            serializer = serializer
                .with_prefix(*prefix, *ns)
                .map_err(io::Error::other)?;
        }
    }
    let mut writer = serializer.for_writer(out);
    for triple in sorted {
        if format.supports_datasets() {
            writer.serialize_quad(
                triple
                    .as_ref()
                    .in_graph(oxigraph::model::GraphNameRef::DefaultGraph),
            )?;
        } else {
            writer.serialize_triple(triple)?;
        }
    }
    writer.finish()?;
    Ok(())
}

fn compact_iri(iri: &str) -> String {
    for (prefix, ns) in PREFIXES {
        if let Some(local) = iri.strip_prefix(ns) {
            if !local.is_empty()
                && local
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
            {
                return format!("{prefix}:{local}");
            }
        }
    }
    iri.to_owned()
}

fn node_id(node: &NamedOrBlankNode) -> String {
    match node {
        NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
        NamedOrBlankNode::BlankNode(b) => format!("_:{}", b.as_str()),
    }
}

fn value(term: &Term) -> Value {
    match term {
        Term::NamedNode(n) => json!({ "@id": n.as_str() }),
        Term::BlankNode(b) => json!({ "@id": format!("_:{}", b.as_str()) }),
        Term::Literal(l) => literal(l),
        #[expect(unreachable_patterns)]
        other => json!({ "@value": other.to_string() }),
    }
}

fn literal(l: &Literal) -> Value {
    if let Some(lang) = l.language() {
        json!({ "@value": l.value(), "@language": lang })
    } else if l.datatype() == crate::vocab::xsd::STRING {
        Value::String(l.value().to_owned())
    } else {
        json!({ "@value": l.value(), "@type": compact_iri(l.datatype().as_str()) })
    }
}

/// JSON-LD in compacted form: a context with the prefixes, one node object per subject,
/// properties as compact IRIs, `@type` for `rdf:type`.
fn compact_json_ld(triples: &[&Triple]) -> Value {
    let mut nodes: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for t in triples {
        let node = nodes.entry(node_id(&t.subject)).or_insert_with(|| {
            let mut m = Map::new();
            m.insert("@id".into(), Value::String(node_id(&t.subject)));
            m
        });
        let (key, v) = if t.predicate.as_ref() == rdf::TYPE {
            let Term::NamedNode(class) = &t.object else {
                continue;
            };
            (
                "@type".to_owned(),
                Value::String(compact_iri(class.as_str())),
            )
        } else {
            (compact_iri(t.predicate.as_str()), value(&t.object))
        };
        match node.get_mut(&key) {
            Some(Value::Array(values)) => values.push(v),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, v]);
            }
            None => {
                node.insert(key, v);
            }
        }
    }
    let context: Map<String, Value> = PREFIXES
        .iter()
        .map(|(p, ns)| ((*p).to_owned(), Value::String((*ns).to_owned())))
        .collect();
    json!({
        "@context": context,
        "@graph": nodes.into_values().map(Value::Object).collect::<Vec<_>>(),
    })
}

/// The SPARQL 1.1 Service Description of the endpoint.
pub fn service_description(endpoint: &str, updates: bool) -> Vec<Triple> {
    let sd = |local: &str| {
        NamedNode::new_unchecked(format!(
            "http://www.w3.org/ns/sparql-service-description#{local}"
        ))
    };
    let service = NamedNode::new_unchecked(endpoint);
    let dataset = BlankNode::default();
    let graph = BlankNode::default();
    let mut t = vec![
        Triple::new(service.clone(), rdf::TYPE, sd("Service")),
        Triple::new(service.clone(), sd("endpoint"), service.clone()),
        Triple::new(
            service.clone(),
            sd("supportedLanguage"),
            sd("SPARQL11Query"),
        ),
        Triple::new(service.clone(), sd("feature"), sd("UnionDefaultGraph")),
        Triple::new(service.clone(), sd("feature"), sd("DereferencesURIs")),
        Triple::new(service.clone(), sd("defaultDataset"), dataset.clone()),
        Triple::new(dataset.clone(), rdf::TYPE, sd("Dataset")),
        Triple::new(dataset, sd("defaultGraph"), graph.clone()),
        Triple::new(graph, rdf::TYPE, sd("Graph")),
    ];
    if updates {
        t.push(Triple::new(
            service.clone(),
            sd("supportedLanguage"),
            sd("SPARQL11Update"),
        ));
    }
    for format in [
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "RDF_XML",
        "JSON-LD",
        "N-Quads",
        "TriG",
    ] {
        t.push(Triple::new(
            service.clone(),
            sd("resultFormat"),
            NamedNode::new_unchecked(format!("http://www.w3.org/ns/formats/{format}")),
        ));
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::io::RdfParser;

    fn sample() -> Vec<Triple> {
        let c = NamedNode::new_unchecked("http://data.europa.eu/esco/occupation/x");
        vec![
            Triple::new(
                c.clone(),
                rdf::TYPE,
                NamedNode::new_unchecked("http://www.w3.org/2004/02/skos/core#Concept"),
            ),
            Triple::new(
                c.clone(),
                crate::vocab::skos::PREF_LABEL,
                Literal::new_language_tagged_literal_unchecked("économiste", "fr"),
            ),
            Triple::new(
                c.clone(),
                crate::vocab::skos::PREF_LABEL,
                Literal::new_language_tagged_literal_unchecked("economist", "en"),
            ),
            Triple::new(
                c.clone(),
                crate::vocab::skos::NOTATION,
                Literal::new_simple_literal("2631.1"),
            ),
            Triple::new(
                c.clone(),
                crate::vocab::dcterms::MODIFIED,
                Literal::new_typed_literal("2016-07-05T13:58:41Z", crate::vocab::xsd::DATE_TIME),
            ),
            Triple::new(
                c,
                crate::vocab::skos::BROADER,
                NamedNode::new_unchecked("http://data.europa.eu/esco/isco/C2631"),
            ),
        ]
    }

    /// Every format parses back (with Oxigraph's parsers) to the same graph.
    #[test]
    fn every_format_round_trips() {
        let mut expected: Vec<String> = sample().iter().map(ToString::to_string).collect();
        expected.sort();
        for format in [
            RdfFormat::Turtle,
            RdfFormat::NTriples,
            RdfFormat::RdfXml,
            RdfFormat::from_extension("jsonld").unwrap(),
            RdfFormat::NQuads,
            RdfFormat::TriG,
        ] {
            let mut out = Vec::new();
            write_triples(&sample(), format, &mut out).unwrap();
            let mut parsed: Vec<String> = RdfParser::from_format(format)
                .for_slice(&out)
                .map(|q| Triple::from(q.unwrap()).to_string())
                .collect();
            parsed.sort();
            assert_eq!(
                parsed,
                expected,
                "{format}: {}",
                String::from_utf8_lossy(&out)
            );
        }
    }

    #[test]
    fn json_ld_is_compact() {
        let mut out = Vec::new();
        write_triples(
            &sample(),
            RdfFormat::from_extension("jsonld").unwrap(),
            &mut out,
        )
        .unwrap();
        let doc: Value = serde_json::from_slice(&out).unwrap();
        let node = &doc["@graph"][0];
        assert_eq!(node["@type"], "skos:Concept");
        assert_eq!(node["skos:notation"], "2631.1");
        assert_eq!(
            node["skos:broader"]["@id"],
            "http://data.europa.eu/esco/isco/C2631"
        );
        assert_eq!(
            doc["@context"]["skos"],
            "http://www.w3.org/2004/02/skos/core#"
        );
    }
}
