//! The SKOS integrity report, in the spirit of qSKOS: hard violations stop a load, warnings are
//! reported.

use std::collections::{HashMap, HashSet};
use std::fmt;

use oxigraph::model::Term;
use oxigraph::store::Store;
use serde::Serialize;

use oxigraph::model::NamedNodeRef;
use oxigraph::store::StorageError;

use crate::queries;
use crate::sparql::{self, SparqlError};
use crate::stats::short;
use crate::vocab::{esco, rdf, skos};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Breaks SKOS's integrity conditions: a load with it fails.
    Violation,
    /// Worth knowing; ESCO's own data has some.
    Warning,
}

/// One rule's result.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Rule name.
    pub rule: &'static str,
    /// What it checks.
    pub description: &'static str,
    /// Severity.
    pub severity: Severity,
    /// How many cases.
    pub count: u64,
    /// Up to ten of them.
    pub examples: Vec<String>,
}

/// The report.
#[derive(Debug, Default, Clone, Serialize)]
pub struct IntegrityReport {
    /// One entry per rule, in a fixed order.
    pub findings: Vec<Finding>,
}

impl IntegrityReport {
    /// True if any hard violation was found.
    pub fn has_violations(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Violation && f.count > 0)
    }

    /// The finding of a rule.
    pub fn finding(&self, rule: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.rule == rule)
    }
}

fn show(term: Option<&Term>) -> String {
    match term {
        Some(Term::NamedNode(n)) => format!("<{}>", n.as_str()),
        Some(Term::Literal(l)) => l.to_string(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

const EXAMPLES: usize = 10;

fn from_query(
    store: &Store,
    rule: &'static str,
    description: &'static str,
    severity: Severity,
    query: &str,
) -> Result<Finding, SparqlError> {
    let started = std::time::Instant::now();
    let rows = sparql::select(store, query)?;
    tracing::debug!(rule, seconds = started.elapsed().as_secs_f64(), "check");
    let examples = rows
        .iter()
        .take(EXAMPLES)
        .map(|r| {
            r.iter()
                .map(|t| show(t.as_ref()))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    Ok(Finding {
        rule,
        description,
        severity,
        count: rows.len() as u64,
        examples,
    })
}

/// Relations between concepts whose object must be a concept (or, for `skos:member`, a collection).
const RELATIONS: &[NamedNodeRef<'static>] = &[
    skos::BROADER,
    skos::NARROWER,
    skos::HAS_TOP_CONCEPT,
    skos::MEMBER,
    esco::RELATED_ESSENTIAL_SKILL,
    esco::RELATED_OPTIONAL_SKILL,
    esco::IS_ESSENTIAL_SKILL_FOR,
    esco::IS_OPTIONAL_SKILL_FOR,
    esco::MEMBER_OF_ISCO_GROUP,
];

/// The SKOS mapping relations.
pub const MAPPINGS: &[NamedNodeRef<'static>] = &[
    skos::EXACT_MATCH,
    skos::CLOSE_MATCH,
    skos::BROAD_MATCH,
    skos::NARROW_MATCH,
];

fn iri(term: &impl ToString) -> String {
    let text = term.to_string();
    text.strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .map_or(text.clone(), str::to_owned)
}

fn finding(
    rule: &'static str,
    description: &'static str,
    severity: Severity,
    cases: Vec<String>,
) -> Finding {
    let count = cases.len() as u64;
    let mut examples = cases;
    examples.sort();
    examples.truncate(EXAMPLES);
    Finding {
        rule,
        description,
        severity,
        count,
        examples,
    }
}

/// Which rules to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The hard rules only (what a load must pass).
    Violations,
    /// Every rule.
    Full,
}

/// Runs the rules of a scope.
pub fn run(store: &Store, scope: Scope) -> Result<IntegrityReport, SparqlError> {
    let mut findings = vec![
        from_query(
            store,
            "preflabel-unique",
            "SKOS S14: at most one skos:prefLabel per language (per graph)",
            Severity::Violation,
            queries::CHECK_PREFLABEL_UNIQUE,
        )?,
        broader_cycles(store)?,
        from_query(
            store,
            "disjoint-classes",
            "SKOS S9/S37: concept, concept scheme and collection are disjoint",
            Severity::Violation,
            queries::CHECK_DISJOINT_CLASSES,
        )?,
    ];
    if scope == Scope::Full {
        findings.push(from_query(
            store,
            "not-in-scheme",
            "every concept is in a concept scheme",
            Severity::Warning,
            queries::CHECK_NOT_IN_SCHEME,
        )?);
        findings.extend(warnings(store)?);
    }
    Ok(IntegrityReport { findings })
}

/// Dangling relations and mappings, duplicate labels in a scheme.
fn warnings(store: &Store) -> Result<Vec<Finding>, SparqlError> {
    let storage = |e: StorageError| SparqlError::Io(std::io::Error::other(e));
    let mut nodes = HashSet::new();
    for class in [skos::CONCEPT, skos::COLLECTION] {
        for quad in store.quads_for_pattern(None, Some(rdf::TYPE), Some(class.into()), None) {
            nodes.insert(iri(&quad.map_err(storage)?.subject));
        }
    }

    // Relations and mappings whose ends the store does not have.
    let mut dangling = Vec::new();
    for p in RELATIONS {
        for quad in store.quads_for_pattern(None, Some(*p), None, None) {
            let quad = quad.map_err(storage)?;
            if !nodes.contains(&iri(&quad.object)) {
                dangling.push(format!(
                    "<{}> {} <{}>",
                    iri(&quad.subject),
                    short(p.as_str()),
                    iri(&quad.object)
                ));
            }
        }
    }
    dangling.dedup();
    let mut dangling_mappings = Vec::new();
    for p in MAPPINGS {
        for quad in store.quads_for_pattern(None, Some(*p), None, None) {
            let quad = quad.map_err(storage)?;
            let (s, o) = (iri(&quad.subject), iri(&quad.object));
            if !nodes.contains(&s) || !nodes.contains(&o) {
                dangling_mappings.push(format!(
                    "{} <{s}> {} <{o}>",
                    short(&iri(&quad.graph_name)),
                    short(p.as_str())
                ));
            }
        }
    }

    // The same preferred label on two concepts of a scheme.
    let mut schemes: HashMap<String, Vec<String>> = HashMap::new();
    for quad in store.quads_for_pattern(None, Some(skos::IN_SCHEME), None, None) {
        let quad = quad.map_err(storage)?;
        schemes
            .entry(iri(&quad.subject))
            .or_default()
            .push(iri(&quad.object));
    }
    let mut per_scheme: HashMap<(String, String), HashSet<String>> = HashMap::new();
    for quad in store.quads_for_pattern(None, Some(skos::PREF_LABEL), None, None) {
        let quad = quad.map_err(storage)?;
        let Term::Literal(label) = &quad.object else {
            continue;
        };
        let concept = iri(&quad.subject);
        for scheme in schemes.get(&concept).into_iter().flatten() {
            per_scheme
                .entry((scheme.clone(), label.to_string()))
                .or_default()
                .insert(concept.clone());
        }
    }
    let duplicates = per_scheme
        .into_iter()
        .filter(|(_, concepts)| concepts.len() > 1)
        .map(|((scheme, label), concepts)| {
            let mut concepts: Vec<String> = concepts.into_iter().collect();
            concepts.sort();
            format!(
                "{} {label}: {} concepts, e.g. <{}>",
                short(&scheme),
                concepts.len(),
                concepts[0]
            )
        })
        .collect();

    Ok(vec![
        finding(
            "dangling-relation",
            "relations point at concepts the store has",
            Severity::Warning,
            dangling,
        ),
        finding(
            "dangling-mapping",
            "crosswalk links join concepts the store has",
            Severity::Warning,
            dangling_mappings,
        ),
        finding(
            "duplicate-preflabel",
            "no two concepts of a scheme share a preferred label",
            Severity::Warning,
            duplicates,
        ),
    ])
}

/// Cycles of `skos:broader` (over all graphs), found by depth-first search.
fn broader_cycles(store: &Store) -> Result<Finding, SparqlError> {
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut edges: Vec<Vec<usize>> = Vec::new();
    let mut id = |iri: String, edges: &mut Vec<Vec<usize>>| {
        let next = ids.len();
        *ids.entry(iri).or_insert_with(|| {
            edges.push(Vec::new());
            next
        })
    };
    for row in sparql::select(store, queries::BROADER_EDGES)? {
        let (Some(Term::NamedNode(n)), Some(Term::NamedNode(b))) = (&row[0], &row[1]) else {
            continue;
        };
        let n = id(n.as_str().to_owned(), &mut edges);
        let b = id(b.as_str().to_owned(), &mut edges);
        edges[n].push(b);
    }
    let names: HashMap<usize, &String> = ids.iter().map(|(k, v)| (*v, k)).collect();
    // Iterative three-colour DFS.
    let mut colour = vec![0u8; edges.len()];
    let mut in_cycle = HashSet::new();
    for start in 0..edges.len() {
        if colour[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        colour[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&target) = edges[node].get(*next) {
                *next += 1;
                match colour[target] {
                    0 => {
                        colour[target] = 1;
                        stack.push((target, 0));
                    }
                    1 => {
                        in_cycle.insert(target);
                    }
                    _ => {}
                }
            } else {
                colour[node] = 2;
                stack.pop();
            }
        }
    }
    let mut examples: Vec<String> = in_cycle.iter().map(|i| format!("<{}>", names[i])).collect();
    examples.sort();
    examples.truncate(EXAMPLES);
    Ok(Finding {
        rule: "broader-cycle",
        description: "skos:broader has no cycles",
        severity: Severity::Violation,
        count: in_cycle.len() as u64,
        examples,
    })
}

impl fmt::Display for IntegrityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            let status = match (finding.count, finding.severity) {
                (0, _) => "ok",
                (_, Severity::Violation) => "VIOLATION",
                (_, Severity::Warning) => "warning",
            };
            writeln!(
                f,
                "{status:>9}  {:<20} {:>6}  {}",
                finding.rule, finding.count, finding.description
            )?;
            for example in &finding.examples {
                writeln!(f, "             {example}")?;
            }
        }
        Ok(())
    }
}
