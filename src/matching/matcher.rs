//! The matcher: one search as named stages over a [`Scored`] per concept (see
//! [`Matcher::search_excluding`]), ISCO groups reached through their occupations, and the
//! re-scoring by description.

use std::collections::HashMap;
use std::sync::Arc;

use super::base::Base;
use super::score::{
    Calibration, Scores, DESCRIPTION_WEIGHT, GROUP_SHARE, OTHER_LABEL_WEIGHT, RERANK, SHORT_LIST,
};
use super::{
    dense, language, query, shortlist, Candidate, Input, MatchError, Matches, Method, Semantic,
};
use crate::concept::{Class, Target};
use crate::embed::Kind;
use crate::store::forms::{self, FormKind, Forms};

/// Matches text against the store's concepts.
pub struct Matcher {
    base: Arc<Base>,
    /// The model side.
    pub semantic: Option<Semantic>,
    /// The model on the fast stage's short list (while its own index is not built).
    pub short_list: Option<Arc<shortlist::ShortList>>,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("forms", &self.base.forms.forms.len())
            .field("semantic", &self.semantic.is_some())
            .finish_non_exhaustive()
    }
}

/// The input as matched.
struct Query {
    /// The words matched: the title without its exclusion clauses and fillers.
    text: String,
    /// Its language, given or detected.
    language: Option<String>,
}

impl Query {
    /// Checks the input and reads its text and language.
    fn read(input: &Input) -> Result<Self, MatchError> {
        let text = input.text.trim();
        if text.is_empty() {
            return Err(MatchError::Input("text is empty".into()));
        }
        if input.k == 0 || input.k > super::MAX_K {
            return Err(MatchError::Input(format!(
                "k must be between 1 and {}",
                super::MAX_K
            )));
        }
        if let Some(lang) = &input.language {
            if !language::valid_tag(lang) {
                return Err(MatchError::Input(format!("{lang:?} is not a language tag")));
            }
        }
        let language = input
            .language
            .clone()
            .or_else(|| language::detect(text).map(str::to_owned));
        Ok(Self {
            text: query::focus(text),
            language,
        })
    }

    /// The language of the labels shown: the input's, else English.
    fn shown_language(&self) -> &str {
        self.language.as_deref().unwrap_or("en")
    }
}

/// What a first stage found: (form or document, similarity), best first.
type Hits = Vec<(u32, f32)>;

/// Texts per forward pass when many queries are embedded at once.
const QUERY_BATCH: usize = 16;

/// The query vectors of many inputs, embedded ahead in batches: by the text matched, the
/// side-index's vector and the short list's (each adapted as its stage compares them).
#[derive(Default)]
struct Prepared {
    dense: HashMap<String, Vec<f32>>,
    short: HashMap<String, Vec<f32>>,
}

/// What the first stages found, per concept, and each stage's lowest score.
struct FirstStages {
    scores: HashMap<u32, Scores>,
    lexical_floor: f32,
    dense_floor: f32,
}

/// A concept's fused score and its parts, before its candidate is made.
#[derive(Debug, Clone, Copy)]
struct Scored {
    concept: u32,
    score: f32,
    lexical: f32,
    dense: Option<f32>,
    /// The form shown as the one that matched.
    form: u32,
}

/// The lowest of some scores (0 for none).
fn lowest(scores: impl Iterator<Item = f32>) -> f32 {
    let low = scores.fold(f32::MAX, f32::min);
    if low == f32::MAX {
        0.0
    } else {
        low
    }
}

/// Best first, ties by IRI.
fn by_score(a: &(u32, Candidate), b: &(u32, Candidate)) -> std::cmp::Ordering {
    b.1.score.total_cmp(&a.1.score).then(a.1.uri.cmp(&b.1.uri))
}

impl Matcher {
    /// A lexical matcher over `forms`.
    pub fn lexical(forms: Forms) -> Self {
        Self::on(Arc::new(Base::new(forms)))
    }

    /// A lexical matcher over the forms and index of `base`.
    pub fn on(base: Arc<Base>) -> Self {
        Self {
            base,
            semantic: None,
            short_list: None,
        }
    }

    /// The surface forms.
    pub fn forms(&self) -> &Forms {
        &self.base.forms
    }

    /// Adds the model side.
    pub fn with_semantic(mut self, semantic: Semantic) -> Self {
        self.semantic = Some(semantic);
        self
    }

    /// The model re-scores the short list of the fast stage.
    pub fn with_short_list(mut self, short_list: Arc<shortlist::ShortList>) -> Self {
        self.short_list = Some(short_list);
        self
    }

    /// How it ranks.
    pub fn method(&self) -> Method {
        if self.short_list.is_some() {
            return Method::Staged;
        }
        match &self.semantic {
            Some(s) if s.encoder.is_static() => Method::Fast,
            Some(_) => Method::Hybrid,
            None => Method::Lexical,
        }
    }

    /// The vector space the ranking's dense part comes from (the model, and its adapter's id
    /// when it has one: `multilingual-e5-small+74dfb1ba090b`); `None` when matching is lexical.
    /// What suggestions record as their provenance.
    pub fn model(&self) -> Option<String> {
        match (&self.short_list, &self.semantic) {
            (Some(short), _) => Some(short.encoder.space()),
            (None, Some(sem)) => Some(sem.encoder.space()),
            (None, None) => None,
        }
    }

    /// The adapter the ranking model's vectors go through, if any.
    pub fn adapter(&self) -> Option<&crate::embed::adapter::Adapter> {
        match (&self.short_list, &self.semantic) {
            (Some(short), _) => short.encoder.adapter(),
            (None, Some(sem)) => sem.encoder.adapter(),
            (None, None) => None,
        }
    }

    /// Matches one input.
    pub fn search(&self, input: &Input) -> Result<Matches, MatchError> {
        self.search_excluding(input, &|_| false)
    }

    /// Matches one input, hiding the concepts `exclude` names: the query is read, the first
    /// stages (lexical and dense) run, their forms are scored per concept and fused, the best
    /// become candidates, and the model re-scores the short list and by description when it
    /// can.
    pub fn search_excluding(
        &self,
        input: &Input,
        exclude: &(dyn Fn(u32) -> bool + Sync),
    ) -> Result<Matches, MatchError> {
        self.search_prepared(input, exclude, &Prepared::default())
    }

    /// Matches many inputs, each as [`Matcher::search`] would; the model's forward passes for
    /// their texts are made ahead, in batches of texts of about the same length. An input
    /// that is not valid gets its error in its place; an error of the model ends the call.
    pub fn search_many(
        &self,
        inputs: &[Input],
    ) -> Result<Vec<Result<Matches, MatchError>>, MatchError> {
        let mut texts: Vec<String> = inputs
            .iter()
            .filter_map(|i| Query::read(i).ok().map(|q| q.text))
            .collect();
        texts.sort_unstable();
        texts.dedup();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let mut prepared = Prepared::default();
        if let Some(sem) = &self.semantic {
            let vectors = sem.encoder.embed_batched(&refs, Kind::Query, QUERY_BATCH)?;
            for (t, v) in texts.iter().zip(vectors) {
                prepared
                    .dense
                    .insert(t.clone(), sem.encoder.adapt(Kind::Query, v));
            }
        }
        if let Some(short) = &self.short_list {
            let vectors = short
                .encoder
                .embed_batched(&refs, Kind::Query, QUERY_BATCH)?;
            for (t, v) in texts.iter().zip(vectors) {
                prepared
                    .short
                    .insert(t.clone(), short.encoder.adapt(Kind::Query, v));
            }
        }
        // The searches themselves on every core, each thread a run of inputs in order.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let run = inputs.len().div_ceil(threads).max(1);
        let prepared = &prepared;
        let searched = std::thread::scope(|scope| {
            let handles: Vec<_> = inputs
                .chunks(run)
                .map(|some| {
                    scope.spawn(move || {
                        some.iter()
                            .map(|i| self.search_prepared(i, &|_| false, prepared))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        vec![Err(MatchError::Index("a search thread panicked".into()))]
                    })
                })
                .collect::<Vec<_>>()
        });
        let found: Vec<_> = searched.into_iter().flatten().collect();
        if found.len() != inputs.len() {
            return Err(MatchError::Index("a search thread panicked".into()));
        }
        Ok(found)
    }

    /// [`Matcher::search_excluding`], with the query vectors `prepared` holds taken from it.
    fn search_prepared(
        &self,
        input: &Input,
        exclude: &(dyn Fn(u32) -> bool + Sync),
        prepared: &Prepared,
    ) -> Result<Matches, MatchError> {
        if let Some(occupations) = input.target.groups_through_occupations() {
            let inner = Input {
                target: occupations,
                ..input.clone()
            };
            let mut found = self.search_prepared(&inner, exclude, prepared)?;
            self.add_groups(&mut found, &input.target, exclude, input.k);
            return Ok(found);
        }
        let query = Query::read(input)?;
        let concepts = &self.base.forms.concepts;
        let forms = &self.base.forms.forms;
        let keep_form = |f: u32| {
            let form = &forms[f as usize];
            let concept = form.concept;
            input
                .label_language
                .as_ref()
                .is_none_or(|l| *l == form.lang)
                && !exclude(concept)
                && concepts[concept as usize].is_in(&input.target)
        };
        let (lexical, dense) = self.first_stages(
            &query.text,
            prepared.dense.get(&query.text).map(Vec::as_slice),
            input,
            &keep_form,
        )?;
        let mut scored = self.fuse(self.per_concept(lexical, dense));
        self.keep_best(&mut scored, self.needed(input));
        let mut candidates = self.candidates(scored, query.shown_language());
        candidates.sort_by(by_score);
        if let Some(short) = &self.short_list {
            let label_lang = input
                .label_language
                .as_deref()
                .unwrap_or(query.shown_language());
            let calibration = Calibration::of(&short.encoder);
            short.rescore(
                &self.base,
                &query.text,
                prepared.short.get(&query.text).map(Vec::as_slice),
                label_lang,
                calibration,
                &mut candidates,
            )?;
            candidates.sort_by(by_score);
        }
        if let Some(description) = &input.description {
            if self.rerank_by_description(description, query.shown_language(), &mut candidates)? {
                candidates.sort_by(by_score);
            }
        }
        candidates.truncate(input.k);
        Ok(Matches {
            text: input.text.trim().to_owned(),
            language: query.language,
            method: self.method(),
            candidates: candidates.into_iter().map(|(_, c)| c).collect(),
        })
    }

    /// The lexical stage and the dense one (embedding the input unless its vector is given,
    /// then the graph search): the best label forms each finds among those `keep_form` accepts.
    /// They are independent: with a model they run side by side, one on a scoped thread.
    fn first_stages(
        &self,
        text: &str,
        vector: Option<&[f32]>,
        input: &Input,
        keep_form: &(dyn Fn(u32) -> bool + Sync),
    ) -> Result<(Hits, Option<Hits>), MatchError> {
        let share = self.base.shares.accepted(input);
        let dense_stage = |sem: &Semantic| -> Result<Hits, MatchError> {
            if let Some(q) = vector {
                return sem.dense.search(q, SHORT_LIST, keep_form, share);
            }
            let q = sem.encoder.embed(&[text], Kind::Query)?.remove(0);
            let q = sem.encoder.adapt(Kind::Query, q);
            sem.dense.search(&q, SHORT_LIST, keep_form, share)
        };
        let lexical_stage = || {
            self.base.lexical.search(text, SHORT_LIST, |d| {
                keep_form(self.base.label_forms[d as usize])
            })
        };
        match &self.semantic {
            Some(sem) => std::thread::scope(|scope| {
                let dense = scope.spawn(|| dense_stage(sem));
                let lexical = lexical_stage();
                let dense = dense
                    .join()
                    .unwrap_or_else(|_| Err(MatchError::Index("the dense stage panicked".into())));
                dense.map(|d| (lexical, Some(d)))
            }),
            None => Ok((lexical_stage(), None)),
        }
    }

    /// Each concept's best form from each stage (a match on a label other than the preferred
    /// one counts [`OTHER_LABEL_WEIGHT`] of it), and each stage's lowest score.
    fn per_concept(&self, lexical: Vec<(u32, f32)>, dense: Option<Vec<(u32, f32)>>) -> FirstStages {
        let forms = &self.base.forms.forms;
        let kind_weight = |f: u32| match forms[f as usize].kind {
            FormKind::Preferred => 1.0,
            FormKind::Alternative | FormKind::Hidden | FormKind::Description => OTHER_LABEL_WEIGHT,
        };
        let mut scores: HashMap<u32, Scores> = HashMap::new();
        for (doc, sim) in lexical {
            let form = self.base.label_forms[doc as usize];
            let sim = sim * kind_weight(form);
            let entry = scores.entry(forms[form as usize].concept).or_default();
            if entry.lexical.is_none_or(|(s, _)| sim > s) {
                entry.lexical = Some((sim, form));
            }
        }
        let lexical_floor = lowest(scores.values().filter_map(|s| s.lexical.map(|l| l.0)));
        let mut dense_floor = 0.0;
        if let Some(hits) = dense {
            dense_floor = lowest(hits.iter().map(|h| h.1));
            for (form, cos) in hits {
                // The distance to a non-preferred label counts that much more.
                let cos = 1.0 - (1.0 - cos) * (2.0 - kind_weight(form));
                let entry = scores.entry(forms[form as usize].concept).or_default();
                if entry.dense.is_none_or(|(s, _)| cos > s) {
                    entry.dense = Some((cos, form));
                }
            }
        }
        FirstStages {
            scores,
            lexical_floor,
            dense_floor,
        }
    }

    /// One score per concept: the calibrated dense part and the lexical part fused (a concept
    /// outside one stage's list takes that list's lowest score, an upper bound), and the form
    /// shown: the dense one when it is the stronger signal.
    fn fuse(&self, stages: FirstStages) -> Vec<Scored> {
        let calibration = self.semantic.as_ref().map(Semantic::calibration);
        stages
            .scores
            .into_iter()
            .map(|(concept, s)| {
                let lexical = s.lexical.map_or(stages.lexical_floor, |l| l.0);
                let dense =
                    calibration.map(|cal| cal.rescale(s.dense.map_or(stages.dense_floor, |d| d.0)));
                let score = match (dense, calibration) {
                    (Some(d), Some(cal)) => cal.fuse(d, lexical),
                    _ => lexical,
                };
                let form = match (s.lexical, s.dense) {
                    (Some((l, lf)), Some((d, df))) => {
                        if calibration.is_some_and(|cal| cal.rescale(d) >= l) {
                            df
                        } else {
                            lf
                        }
                    }
                    (Some((_, f)), None) | (None, Some((_, f))) => f,
                    (None, None) => 0,
                };
                Scored {
                    concept,
                    score,
                    lexical,
                    dense,
                    form,
                }
            })
            .collect()
    }

    /// How many candidates the later steps need: the answer's `k`, the short list the model
    /// re-scores, the candidates re-scored by description.
    fn needed(&self, input: &Input) -> usize {
        let short_list = if self.short_list.is_some() {
            shortlist::SHORT_LIST
        } else {
            0
        };
        let rerank = if input.description.is_some() {
            RERANK
        } else {
            0
        };
        input.k.max(short_list).max(rerank)
    }

    /// Keeps the `need` best (ties by IRI), in no order.
    fn keep_best(&self, scored: &mut Vec<Scored>, need: usize) {
        let concepts = &self.base.forms.concepts;
        let by_score = |a: &Scored, b: &Scored| {
            b.score.total_cmp(&a.score).then_with(|| {
                concepts[a.concept as usize]
                    .iri
                    .as_str()
                    .cmp(concepts[b.concept as usize].iri.as_str())
            })
        };
        if scored.len() > need {
            scored.select_nth_unstable_by(need - 1, by_score);
            scored.truncate(need);
        }
    }

    /// Candidates of the scored concepts, their labels in `lang` (else English).
    fn candidates(&self, scored: Vec<Scored>, lang: &str) -> Vec<(u32, Candidate)> {
        let concepts = &self.base.forms.concepts;
        let forms = &self.base.forms.forms;
        scored
            .into_iter()
            .map(|s| {
                let form = &forms[s.form as usize];
                let concept = &concepts[s.concept as usize];
                let candidate = Candidate {
                    uri: concept.iri.as_str().to_owned(),
                    label: concept.label(lang).unwrap_or_default().to_owned(),
                    matched: form.text.clone(),
                    matched_language: form.lang.clone(),
                    matched_kind: form.kind,
                    score: s.score,
                    lexical: s.lexical,
                    dense: s.dense,
                    description: None,
                    isco: concept.isco.clone(),
                    via: None,
                };
                (s.concept, candidate)
            })
            .collect()
    }

    /// Adds the ISCO groups of the occupations found, each scored [`GROUP_SHARE`] of its best
    /// member's score, and keeps the `k` best.
    fn add_groups(
        &self,
        found: &mut Matches,
        target: &Target,
        exclude: &(dyn Fn(u32) -> bool + Sync),
        k: usize,
    ) {
        let concepts = &self.base.forms.concepts;
        let lang = found.language.as_deref().unwrap_or("en");
        let mut groups: Vec<Candidate> = Vec::new();
        for member in &found.candidates {
            let Some(code) = member.isco.as_deref() else {
                continue;
            };
            if groups.iter().any(|g| g.isco.as_deref() == Some(code)) {
                continue;
            }
            // Only an occupation's group: an occupation's `isco` is the code of the group it
            // is a member of.
            let is_occupation = concepts
                .binary_search_by(|c| c.iri.as_str().cmp(&member.uri))
                .is_ok_and(|i| concepts[i].class == Class::Occupation);
            let is_group =
                |c: &forms::Concept| c.class == Class::IscoGroup && c.isco.as_deref() == Some(code);
            // ESCO's own IRI for the group first, else any group with that code.
            let iri = format!("{}isco/C{code}", crate::vocab::mint::ESCO);
            let group = concepts
                .binary_search_by(|c| c.iri.as_str().cmp(&iri))
                .ok()
                .filter(|&i| is_group(&concepts[i]))
                .or_else(|| concepts.iter().position(is_group));
            let (true, Some(g)) = (is_occupation, group) else {
                continue;
            };
            let concept = &concepts[g];
            if exclude(g as u32) || !concept.is_in(target) {
                continue;
            }
            groups.push(Candidate {
                uri: concept.iri.as_str().to_owned(),
                label: concept.label(lang).unwrap_or_default().to_owned(),
                score: GROUP_SHARE * member.score,
                description: None,
                isco: concept.isco.clone(),
                via: Some(member.uri.clone()),
                ..member.clone()
            });
        }
        found.candidates.extend(groups);
        found
            .candidates
            .sort_by(|a, b| b.score.total_cmp(&a.score).then(a.uri.cmp(&b.uri)));
        found.candidates.truncate(k);
    }

    /// With a description: the best candidates are re-scored with the similarity of the input's
    /// description to theirs (both embedded as E5 passages; the concepts' vectors cached) by the
    /// model that re-scored the short list, else the side-index's: `score = (1 − w)·score +
    /// w·description` on the same rescaled cosine. Whether there was a model to do it.
    fn rerank_by_description(
        &self,
        description: &str,
        lang: &str,
        candidates: &mut [(u32, Candidate)],
    ) -> Result<bool, MatchError> {
        let (encoder, cache) = match (&self.short_list, &self.semantic) {
            (Some(short), _) => (&*short.encoder, short.cache()),
            (None, Some(sem)) => (&*sem.encoder, sem.dense.cache()),
            (None, None) => return Ok(false),
        };
        let calibration = Calibration::raw(encoder);
        let top = candidates.len().min(RERANK);
        let texts: Vec<Option<&str>> = candidates[..top]
            .iter()
            .map(|(c, _)| self.description_of(*c, lang))
            .collect();
        let known: Vec<&str> = texts.iter().flatten().copied().collect();
        if known.is_empty() {
            return Ok(true);
        }
        let mut vectors = dense::cached_vectors(cache, encoder, &known, Kind::Passage)?.into_iter();
        // The input's own description is embedded, not cached: only the store's texts go to disk.
        let q = encoder.embed(&[description], Kind::Passage)?.remove(0);
        for ((_, candidate), text) in candidates[..top].iter_mut().zip(&texts) {
            let sim = match text {
                Some(_) => vectors
                    .next()
                    .map_or(0.0, |v| calibration.rescale(crate::embed::dot(&q, &v))),
                None => 0.0,
            };
            candidate.description = Some(sim);
            candidate.score =
                (1.0 - DESCRIPTION_WEIGHT) * candidate.score + DESCRIPTION_WEIGHT * sim;
        }
        // Candidates below the re-ranked ones keep their order under them.
        for (_, candidate) in &mut candidates[top..] {
            candidate.score *= 1.0 - DESCRIPTION_WEIGHT;
        }
        Ok(true)
    }

    /// A concept's description in `lang`, else English, else any.
    fn description_of(&self, concept: u32, lang: &str) -> Option<&str> {
        let ids = self.base.descriptions.get(&concept)?;
        let pick = |l: &str| {
            ids.iter()
                .map(|i| &self.base.forms.forms[*i as usize])
                .find(|f| f.lang == l)
                .map(|f| f.text.as_str())
        };
        pick(lang).or_else(|| pick("en")).or_else(|| {
            ids.first()
                .map(|i| self.base.forms.forms[*i as usize].text.as_str())
        })
    }

    /// Concept number by IRI.
    pub fn concept_index(&self) -> HashMap<&str, u32> {
        self.base
            .forms
            .concepts
            .iter()
            .enumerate()
            .map(|(i, c)| (c.iri.as_str(), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect()
    }
}
