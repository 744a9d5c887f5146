//! Any IR test collection in the TREC layout (`id<TAB>text` queries and corpus, `qid 0 docid
//! rel` qrels), ranked with the same model and method as ESCO concepts: each corpus document
//! stands for a concept whose one label is the document's text.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::Instant;

use oxigraph::model::NamedNode;

use super::eval::{Figures, Ranked, Report};
use crate::concept::Class;
use crate::concept::Target;
use crate::matching::setup::ModelChoice;
use crate::matching::{Input, MatchError, Matcher, Semantic};
use crate::store::forms::{Concept, Form, FormKind, Forms};

/// A test collection.
#[derive(Debug, Default)]
pub struct Collection {
    /// Queries: (id, text).
    pub queries: Vec<(String, String)>,
    /// Documents: (id, text).
    pub corpus: Vec<(String, String)>,
    /// Relevant documents per query.
    pub qrels: HashMap<String, HashSet<String>>,
}

fn read_tsv(path: &Path) -> Result<Vec<(String, String)>, MatchError> {
    let text = std::fs::read_to_string(path).map_err(|e| MatchError::Io {
        path: path.to_owned(),
        source: e,
    })?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some((id, body)) = line.split_once('\t') else {
            return Err(MatchError::Input(format!(
                "{}:{}: expected id<TAB>text",
                path.display(),
                n + 1
            )));
        };
        out.push((id.trim().to_owned(), body.trim().to_owned()));
    }
    Ok(out)
}

fn doc_iri(i: usize) -> NamedNode {
    NamedNode::new_unchecked(format!("urn:x-esco-ld:trec:{i}"))
}

impl Collection {
    /// Reads the three files.
    pub fn read(queries: &Path, corpus: &Path, qrels: &Path) -> Result<Self, MatchError> {
        let mut c = Self {
            queries: read_tsv(queries)?,
            corpus: read_tsv(corpus)?,
            qrels: HashMap::new(),
        };
        let text = std::fs::read_to_string(qrels).map_err(|e| MatchError::Io {
            path: qrels.to_owned(),
            source: e,
        })?;
        for (n, line) in text.lines().enumerate() {
            let cells: Vec<&str> = line.split_whitespace().collect();
            if cells.is_empty() {
                continue;
            }
            let [q, _, d, rel] = cells[..] else {
                return Err(MatchError::Input(format!(
                    "{}:{}: expected `qid 0 docid rel`",
                    qrels.display(),
                    n + 1
                )));
            };
            let rel: f64 = rel.parse().map_err(|_| {
                MatchError::Input(format!(
                    "{}:{}: relevance {rel:?} is not a number",
                    qrels.display(),
                    n + 1
                ))
            })?;
            if rel > 0.0 {
                c.qrels
                    .entry(q.to_owned())
                    .or_default()
                    .insert(d.to_owned());
            }
        }
        if c.corpus.is_empty() || c.queries.is_empty() {
            return Err(MatchError::Input(
                "the queries and the corpus must not be empty".into(),
            ));
        }
        Ok(c)
    }

    /// A matcher over the corpus; the dense index (with a model) is built in `work`.
    pub fn matcher(
        &self,
        work: &Path,
        model: &ModelChoice,
        progress: &dyn Fn(usize, usize),
    ) -> Result<(Matcher, f64), MatchError> {
        let started = Instant::now();
        let concepts = (0..self.corpus.len())
            .map(|i| Concept {
                iri: doc_iri(i),
                class: Class::Occupation,
                schemes: Vec::new(),
                preferred: HashMap::new(),
                isco: None,
                codes: Vec::new(),
            })
            .collect();
        let forms = self
            .corpus
            .iter()
            .enumerate()
            .map(|(i, (_, text))| Form {
                concept: u32::try_from(i).unwrap_or(u32::MAX),
                text: text.clone(),
                lang: String::new(),
                kind: FormKind::Preferred,
            })
            .collect();
        let mut matcher = Matcher::lexical(Forms {
            concepts,
            forms,
            fingerprint: 0,
        });
        if let Some(dir) = model.resolve()? {
            let encoder = crate::matching::setup::load_encoder(&dir)?;
            let (dense, _) = crate::matching::dense::Dense::open(
                work,
                "trec",
                matcher.forms(),
                &|_| true,
                &encoder,
                usearch::ScalarKind::F16,
                progress,
            )?;
            matcher = matcher.with_semantic(Semantic {
                encoder: std::sync::Arc::new(encoder),
                dense,
            });
        }
        Ok((matcher, started.elapsed().as_secs_f64()))
    }

    /// Ranks every judged query and scores the rankings.
    pub fn evaluate(
        &self,
        matcher: &Matcher,
        progress: &dyn Fn(usize, usize),
    ) -> Result<Report, MatchError> {
        let doc_of: HashMap<String, &str> = self
            .corpus
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (doc_iri(i).into_string(), id.as_str()))
            .collect();
        let started = Instant::now();
        let mut ranks = Vec::new();
        let mut ranked = Vec::new();
        let judged: Vec<&(String, String)> = self
            .queries
            .iter()
            .filter(|(q, _)| self.qrels.contains_key(q))
            .collect();
        for (n, (q, text)) in judged.iter().enumerate() {
            let found = matcher.search(&Input {
                text: text.clone(),
                description: None,
                language: None,
                target: Target::Any,
                k: 30,
                label_language: None,
            })?;
            let relevant = &self.qrels[q];
            let docs: Vec<String> = found
                .candidates
                .iter()
                .filter_map(|c| doc_of.get(&c.uri).map(|d| (*d).to_owned()))
                .collect();
            let rank = found
                .candidates
                .iter()
                .position(|c| doc_of.get(&c.uri).is_some_and(|d| relevant.contains(*d)))
                .map(|p| p + 1);
            ranks.push(rank);
            let mut gold: Vec<String> = relevant.iter().map(ToString::to_string).collect();
            gold.sort();
            ranked.push(Ranked {
                id: q.clone(),
                text: text.clone(),
                rank,
                gold,
                found: docs,
            });
            progress(n + 1, judged.len());
        }
        let rate = ranks.len() as f64 / started.elapsed().as_secs_f64().max(1e-9);
        Ok(Report {
            overall: Figures::from_ranks(&ranks, rate),
            by_relation: BTreeMap::new(),
            method: matcher.method().as_str().to_owned(),
            skipped: self.queries.len() - judged.len(),
            unreachable: 0,
            reachable_only: false,
            ranked,
        })
    }
}
