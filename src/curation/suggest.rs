//! Suggestions: the matcher run over every source concept of a project, its top-k candidates
//! stored per item. Items already decided keep their candidates; the others get fresh ones.

use std::time::{Instant, SystemTime};

use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, Quad, Term};
use oxigraph::store::Store;
use serde::Serialize;

use super::project::{self, Project, SourceConcept};
use super::{CurationError, State};
use crate::matching::{Input, Matcher, Matches};
use crate::vocab::{cur, dcterms, prov, rdf, semapv, sssom, xsd};

/// What a suggestion run did.
#[derive(Debug, Clone, Serialize)]
pub struct SuggestReport {
    /// Source concepts.
    pub sources: usize,
    /// Items given fresh candidates.
    pub suggested: usize,
    /// Items left alone (already being decided or settled).
    pub kept: usize,
    /// Items with no candidate at all.
    pub unmapped: usize,
    /// Candidates stored.
    pub candidates: usize,
    /// `hybrid` or `lexical`.
    pub method: String,
    /// The model, if any.
    pub model: Option<String>,
    /// Seconds spent matching.
    pub match_seconds: f64,
    /// Seconds in all (matching and writing).
    pub seconds: f64,
    /// Source concepts matched per second.
    pub per_second: f64,
}

fn run_matcher(
    matcher: &Matcher,
    project: &Project,
    todo: &[&SourceConcept],
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Matches>, CurationError> {
    let target = project.target.clone();
    let language = (!project.language.is_empty()).then(|| project.language.clone());
    let done = std::sync::atomic::AtomicUsize::new(0);
    let one = |s: &SourceConcept| -> Result<Matches, CurationError> {
        let input = Input {
            text: s.label.clone(),
            description: (!s.description.is_empty()).then(|| s.description.clone()),
            language: language
                .clone()
                .or_else(|| (!s.language.is_empty()).then(|| s.language.clone())),
            target: target.clone(),
            k: project.k,
            label_language: None,
        };
        let m = matcher.search(&input)?;
        progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
        Ok(m)
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let chunk = todo.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = todo
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|s| one(s)).collect::<Vec<_>>()))
            .collect();
        let mut out = Vec::with_capacity(todo.len());
        for h in handles {
            let part = h
                .join()
                .map_err(|_| CurationError::Internal("a matching thread panicked".into()))?;
            for m in part {
                out.push(m?);
            }
        }
        Ok(out)
    })
}

/// Runs the matcher over every source concept not yet being decided and stores the candidates,
/// all in one transaction. Matching runs beside curators' decisions; the write is serialised with
/// them and skips items a decision reached meanwhile. `progress(done, total)` is called as
/// concepts are matched.
pub fn suggest(
    store: &Store,
    project: &Project,
    matcher: &Matcher,
    progress: &(dyn Fn(usize, usize) + Sync),
    curation: &super::Curation,
) -> Result<SuggestReport, CurationError> {
    let started = Instant::now();
    let model = matcher.model();
    let model = model.as_deref();
    let sources = project::source_concepts(store, project)?;
    let states = project::states(store, project)?;
    let todo: Vec<&SourceConcept> = sources
        .iter()
        .filter(|s| {
            states
                .get(&s.key)
                .is_none_or(|st| matches!(st, State::Unmapped | State::Suggested))
        })
        .collect();
    let total = todo.len();
    let matches = run_matcher(matcher, project, &todo, &|done| progress(done, total))?;
    let match_seconds = started.elapsed().as_secs_f64();
    let (candidates, unmapped, written) = curation.exclusive(|| {
        write(
            store,
            project,
            matcher.method().as_str(),
            model,
            &todo,
            &matches,
        )
    })?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(SuggestReport {
        sources: sources.len(),
        suggested: written - unmapped,
        kept: sources.len() - written,
        unmapped,
        candidates,
        method: matcher.method().as_str().to_owned(),
        model: model.map(str::to_owned),
        match_seconds,
        seconds,
        per_second: if match_seconds > 0.0 {
            todo.len() as f64 / match_seconds
        } else {
            0.0
        },
    })
}

/// Writes the candidates of the items still open to suggestions; returns (candidates, items
/// without any, items written).
fn write(
    store: &Store,
    project: &Project,
    method: &str,
    model: Option<&str>,
    todo: &[&SourceConcept],
    matches: &[Matches],
) -> Result<(usize, usize, usize), CurationError> {
    let states = project::states(store, project)?;
    let cg = project.crosswalk_graph();
    let g = project.graph();
    let pg = GraphName::NamedNode(g.clone());
    let time = crate::util::utc_datetime(SystemTime::now());
    // Candidate IRIs are new on every run, so a kept mapping record's `prov:wasDerivedFrom`
    // never comes to name another run's candidate.
    let run: String = time.chars().filter(char::is_ascii_digit).collect();
    let justification = if method != "lexical" {
        semapv::SEMANTIC_SIMILARITY_THRESHOLD_MATCHING
    } else {
        semapv::LEXICAL_MATCHING
    };
    let mut tx = store.start_transaction()?;
    let (mut candidates, mut unmapped, mut written) = (0, 0, 0);
    for (s, m) in todo.iter().zip(matches) {
        if states
            .get(&s.key)
            .is_some_and(|st| !matches!(st, State::Unmapped | State::Suggested))
        {
            continue; // decided meanwhile
        }
        written += 1;
        let i = project.item_iri(&s.key);
        // Old candidates go, except those a mapping record derives from: they only leave
        // the item.
        let mut old: Vec<NamedNode> = Vec::new();
        for q in store.quads_for_pattern(
            None,
            Some(cur::ITEM_OF),
            Some(i.as_ref().into()),
            Some(g.as_ref().into()),
        ) {
            if let oxigraph::model::NamedOrBlankNode::NamedNode(n) = q?.subject {
                if n.as_str().contains("/candidate/") {
                    old.push(n);
                }
            }
        }
        for c in old {
            let cited = store
                .quads_for_pattern(
                    None,
                    Some(prov::WAS_DERIVED_FROM),
                    Some(c.as_ref().into()),
                    Some(cg.as_ref().into()),
                )
                .next()
                .is_some();
            if cited {
                tx.remove(&Quad::new(c.clone(), cur::ITEM_OF, i.clone(), pg.clone()));
                continue;
            }
            for q in store.quads_for_pattern(
                Some(c.as_ref().into()),
                None,
                None,
                Some(g.as_ref().into()),
            ) {
                tx.remove(&q?);
            }
        }
        for q in store.quads_for_pattern(
            Some(i.as_ref().into()),
            Some(cur::STATE),
            None,
            Some(g.as_ref().into()),
        ) {
            tx.remove(&q?);
        }
        let add = |tx: &mut oxigraph::store::Transaction<'_>,
                   s: &NamedNode,
                   p: NamedNodeRef<'_>,
                   o: Term| {
            tx.insert(&Quad::new(s.clone(), p, o, pg.clone()));
        };
        add(&mut tx, &i, rdf::TYPE, cur::ITEM.into());
        add(&mut tx, &i, cur::PROJECT_OF, g.clone().into());
        add(
            &mut tx,
            &i,
            cur::SOURCE,
            NamedNode::new_unchecked(&s.iri).into(),
        );
        add(
            &mut tx,
            &i,
            dcterms::IDENTIFIER,
            Literal::new_simple_literal(&s.key).into(),
        );
        let state = if m.candidates.is_empty() {
            unmapped += 1;
            State::Unmapped
        } else {
            State::Suggested
        };
        add(
            &mut tx,
            &i,
            cur::STATE,
            Literal::new_simple_literal(state.as_str()).into(),
        );
        for (rank, c) in m.candidates.iter().enumerate() {
            let rank = rank + 1;
            let n = NamedNode::new_unchecked(format!("{}/candidate/{run}-{rank}", i.as_str()));
            add(&mut tx, &n, rdf::TYPE, cur::CANDIDATE.into());
            add(&mut tx, &n, cur::ITEM_OF, i.clone().into());
            add(
                &mut tx,
                &n,
                cur::CONCEPT,
                NamedNode::new_unchecked(&c.uri).into(),
            );
            add(&mut tx, &n, cur::RANK, Literal::from(rank as i64).into());
            add(
                &mut tx,
                &n,
                sssom::SIMILARITY_SCORE,
                Literal::from(f64::from(c.score)).into(),
            );
            add(
                &mut tx,
                &n,
                cur::MATCHED_LABEL,
                Literal::new_simple_literal(&c.matched).into(),
            );
            add(
                &mut tx,
                &n,
                cur::METHOD,
                Literal::new_simple_literal(method).into(),
            );
            if let Some(model) = model {
                add(
                    &mut tx,
                    &n,
                    cur::MODEL,
                    Literal::new_simple_literal(model).into(),
                );
            }
            add(
                &mut tx,
                &n,
                sssom::MAPPING_JUSTIFICATION,
                justification.into(),
            );
            add(
                &mut tx,
                &n,
                prov::GENERATED_AT_TIME,
                Literal::new_typed_literal(&time, xsd::DATE_TIME).into(),
            );
            candidates += 1;
        }
    }
    tx.commit()?;
    Ok((candidates, unmapped, written))
}
