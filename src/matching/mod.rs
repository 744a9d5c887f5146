//! Free text to ranked ESCO concepts: lexical trigram similarity over every label, fused with
//! dense (sentence-embedding) similarity from the usearch side-index when a model is loaded.
//!
//! Scores are in [0, 1]. `lexical` is the TF-IDF cosine of character trigrams between the
//! input and the best-matching label (1 = the same text up to case and accents; a match on an
//! alternative or hidden label counts 0.97 of one on the preferred label). What is matched is
//! the title without its exclusion clauses and fillers ("…, Except X", "…, All Other"; see
//! [`query`]). `dense` is the
//! embedding cosine of the input and the best label, rescaled so that E5's floor for unrelated
//! short texts (0.8) is 0 and identity is 1. `score` = 0.8·dense + 0.2·lexical with a model,
//! `lexical` without one. With the static first-stage model (method `fast`) the floor is 0.5 and
//! `score` = 0.3·dense + 0.7·lexical. A concept outside one first-stage short list (300 forms) gets that
//! list's lowest score for the missing part.

pub mod dense;
pub mod eval;
pub mod language;
pub mod lexical;
pub mod query;
pub mod service;
pub mod setup;
pub mod shortlist;
pub mod trec;
pub mod tune;
pub mod vectors;

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::concept::{Class, Target};
use crate::embed::{Encoder, Kind, ModelError};
use crate::store::forms::{self, FormKind, Forms};
use dense::Dense;
use lexical::LexicalIndex;

/// Errors of the matching layer.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    /// Bad input.
    #[error("{0}")]
    Input(String),
    /// A target that names no class, scheme or union of them.
    #[error(transparent)]
    Target(#[from] crate::concept::ParseError),
    /// The store could not be read.
    #[error("reading the store")]
    Storage(#[from] oxigraph::store::StorageError),
    /// The model failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The vector index failed.
    #[error("vector index: {0}")]
    Index(String),
    /// A file of the index could not be written or read.
    #[error("{}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl From<candle_core::Error> for MatchError {
    fn from(e: candle_core::Error) -> Self {
        Self::Model(ModelError::Candle(e))
    }
}

/// One input to match.
#[derive(Debug, Clone)]
pub struct Input {
    /// A title or short text.
    pub text: String,
    /// Optional longer description.
    pub description: Option<String>,
    /// The input's language; detected when `None`.
    pub language: Option<String>,
    /// What to match against.
    pub target: Target,
    /// How many candidates.
    pub k: usize,
    /// Match against labels in this language only (all languages when `None`).
    pub label_language: Option<String>,
}

/// One proposed concept.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// Its IRI.
    pub uri: String,
    /// Its preferred label in the requested language (else English).
    pub label: String,
    /// The surface form that matched best.
    pub matched: String,
    /// That form's language.
    pub matched_language: String,
    /// That form's kind.
    pub matched_kind: FormKind,
    /// Fused score in [0, 1].
    pub score: f32,
    /// Lexical similarity in [0, 1].
    pub lexical: f32,
    /// Rescaled dense similarity in [0, 1] (absent without a model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dense: Option<f32>,
    /// Rescaled similarity of the input's description to the concept's (only with a
    /// description and a model, for the best candidates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<f32>,
    /// ISCO code, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isco: Option<String>,
    /// For an ISCO group reached through one of its occupations (the target names both): that
    /// occupation's IRI; `matched`, `lexical` and `dense` are its.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// The result for one input.
#[derive(Debug, Clone, Serialize)]
pub struct Matches {
    /// The input text.
    pub text: String,
    /// The language used (given or detected), if any.
    pub language: Option<String>,
    /// `hybrid` (lexical + dense) or `lexical` (no model loaded).
    pub method: &'static str,
    /// Candidates, best first.
    pub candidates: Vec<Candidate>,
}

/// Most candidates per input.
pub const MAX_K: usize = 100;
/// Forms taken from each first stage.
const SHORT_LIST: usize = 300;
/// Candidates re-scored by their description.
const RERANK: usize = 20;
/// Weight of the description similarity in a re-scored candidate; tuned on the O*NET dev set
/// (docs/matching.md#description-weight).
const DESCRIPTION_WEIGHT: f32 = 0.5;
/// What a match on an alternative or hidden label counts of one on the preferred label, so that
/// a form two concepts share names the one it is the preferred label of first
/// (docs/matching.md#other-label-weight).
const OTHER_LABEL_WEIGHT: f32 = 0.97;
/// The share of its best member occupation's score an ISCO group matched beside occupations
/// gets: the broader answer, offered below the occupation that best names the input
/// (docs/matching.md#group-share).
const GROUP_SHARE: f32 = 0.9;
/// Dense weight in the fused score; tuned on the O*NET dev set
/// (docs/matching.md#dense-weight-and-floor).
const DENSE_WEIGHT: f32 = 0.8;
/// E5 cosine below which two short texts are taken as unrelated: the dense score's zero
/// (docs/matching.md#dense-weight-and-floor).
const DENSE_FLOOR: f32 = 0.8;

/// How a model's cosines turn into scores: the cosine taken as "unrelated" (0) and the dense
/// part's weight in the fused score.
#[derive(Debug, Clone, Copy)]
struct Calibration {
    floor: f32,
    weight: f32,
}

impl Calibration {
    /// For the model's own vectors (descriptions, and everything without an adapter).
    fn raw(encoder: &Encoder) -> Self {
        if encoder.is_static() {
            STATIC
        } else {
            TRANSFORMER
        }
    }

    /// For title and label vectors: adapted ones start from the adapter's own floor (its
    /// training spreads cosines out), with the model's weight.
    fn of(encoder: &Encoder) -> Self {
        let raw = Self::raw(encoder);
        encoder.adapter().map_or(raw, |a| Self {
            floor: a.manifest.floor,
            ..raw
        })
    }

    fn rescale(self, cos: f32) -> f32 {
        ((cos - self.floor) / (1.0 - self.floor)).clamp(0.0, 1.0)
    }
}

/// The transformer model's calibration.
const TRANSFORMER: Calibration = Calibration {
    floor: DENSE_FLOOR,
    weight: DENSE_WEIGHT,
};

/// A static model's calibration: a weak model, so a light weight; tuned on the O*NET dev set
/// (docs/matching.md#static-calibration).
const STATIC: Calibration = Calibration {
    floor: 0.5,
    weight: 0.3,
};

/// The model side, when a model is loaded.
pub struct Semantic {
    /// The encoder.
    pub encoder: std::sync::Arc<Encoder>,
    /// The side-index.
    pub dense: Dense,
}

impl Semantic {
    fn calibration(&self) -> Calibration {
        Calibration::of(&self.encoder)
    }
}

/// What every matcher of one store version shares: the surface forms and the lexical index
/// over their labels (built once, whatever model comes on top).
pub struct Base {
    /// The surface forms.
    pub forms: Forms,
    /// Form number of each text in the lexical index.
    label_forms: Vec<u32>,
    lexical: LexicalIndex,
    /// Description forms by concept.
    descriptions: HashMap<u32, Vec<u32>>,
    /// Label forms by concept.
    labels: Vec<Vec<u32>>,
    /// Share of the label forms per class and per language.
    shares: Shares,
}

impl Base {
    /// Indexes the labels of `forms`.
    pub fn new(forms: Forms) -> Self {
        let label_forms: Vec<u32> = forms
            .forms
            .iter()
            .enumerate()
            .filter(|(_, f)| f.kind.is_label())
            .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
            .collect();
        let lexical = LexicalIndex::build(
            label_forms
                .iter()
                .map(|i| forms.forms[*i as usize].text.as_str()),
        );
        let mut descriptions: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut labels: Vec<Vec<u32>> = vec![Vec::new(); forms.concepts.len()];
        for (i, f) in forms.forms.iter().enumerate() {
            if f.kind.is_label() {
                if let Some(l) = labels.get_mut(f.concept as usize) {
                    l.push(u32::try_from(i).unwrap_or(u32::MAX));
                }
            }
            if f.kind == FormKind::Description {
                descriptions
                    .entry(f.concept)
                    .or_default()
                    .push(u32::try_from(i).unwrap_or(u32::MAX));
            }
        }
        let shares = Shares::of(&forms, &label_forms);
        Self {
            forms,
            label_forms,
            lexical,
            descriptions,
            labels,
            shares,
        }
    }
}

/// Matches text against the store's concepts.
pub struct Matcher {
    base: std::sync::Arc<Base>,
    /// The model side.
    pub semantic: Option<Semantic>,
    /// The model on the fast stage's short list (while its own index is not built).
    pub short_list: Option<std::sync::Arc<shortlist::ShortList>>,
}

/// Shares of the label forms, to estimate how many forms a search's filter accepts.
#[derive(Debug, Default)]
struct Shares {
    class: HashMap<Class, f64>,
    language: HashMap<String, f64>,
}

impl Shares {
    fn of(forms: &Forms, label_forms: &[u32]) -> Self {
        let mut shares = Self::default();
        let unit = 1.0 / label_forms.len().max(1) as f64;
        for f in label_forms {
            let form = &forms.forms[*f as usize];
            *shares
                .class
                .entry(forms.concepts[form.concept as usize].class)
                .or_default() += unit;
            *shares.language.entry(form.lang.clone()).or_default() += unit;
        }
        shares
    }

    /// The share of label forms a target accepts (0 for a scheme, whose share is not known; a
    /// union's parts may overlap, so their sum is capped at 1).
    fn target_share(&self, target: &Target) -> f64 {
        let class = |c: Class| self.class.get(&c).copied().unwrap_or(0.0);
        match target {
            Target::Occupations => class(Class::Occupation),
            Target::Skills => class(Class::Skill),
            Target::IscoGroups => class(Class::IscoGroup),
            Target::SkillGroups => class(Class::SkillGroup),
            Target::Any => 1.0,
            Target::Scheme(_) => 0.0,
            Target::Union(parts) => parts
                .iter()
                .map(|t| self.target_share(t))
                .sum::<f64>()
                .min(1.0),
        }
    }

    /// The expected share of label forms an input's filter accepts (classes and languages
    /// taken as independent; 0 for a scheme, whose share is not known).
    fn accepted(&self, input: &Input) -> f64 {
        let target = self.target_share(&input.target);
        let language = input
            .label_language
            .as_ref()
            .map_or(1.0, |l| self.language.get(l).copied().unwrap_or(0.0));
        target * language
    }
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("forms", &self.base.forms.forms.len())
            .field("semantic", &self.semantic.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Scores {
    lexical: Option<(f32, u32)>,
    dense: Option<(f32, u32)>,
}

impl Matcher {
    /// A lexical matcher over `forms`.
    pub fn lexical(forms: Forms) -> Self {
        Self::on(std::sync::Arc::new(Base::new(forms)))
    }

    /// A lexical matcher over the forms and index of `base`.
    pub fn on(base: std::sync::Arc<Base>) -> Self {
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
    pub fn with_short_list(mut self, short_list: std::sync::Arc<shortlist::ShortList>) -> Self {
        self.short_list = Some(short_list);
        self
    }

    /// `hybrid` (lexical + the model), `staged` (lexical + the static first-stage model, the
    /// model on its short list), `fast` (lexical + the static model) or `lexical`.
    pub fn method(&self) -> &'static str {
        if self.short_list.is_some() {
            return "staged";
        }
        match &self.semantic {
            Some(s) if s.encoder.is_static() => "fast",
            Some(_) => "hybrid",
            None => "lexical",
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

    /// Matches one input, hiding the concepts `exclude` names.
    pub fn search_excluding(
        &self,
        input: &Input,
        exclude: &(dyn Fn(u32) -> bool + Sync),
    ) -> Result<Matches, MatchError> {
        if let Some(occupations) = input.target.groups_through_occupations() {
            let inner = Input {
                target: occupations,
                ..input.clone()
            };
            let mut found = self.search_excluding(&inner, exclude)?;
            self.add_groups(&mut found, &input.target, exclude, input.k);
            return Ok(found);
        }
        let text = input.text.trim();
        if text.is_empty() {
            return Err(MatchError::Input("text is empty".into()));
        }
        if input.k == 0 || input.k > MAX_K {
            return Err(MatchError::Input(format!(
                "k must be between 1 and {MAX_K}"
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
        // The words matched: without the title's exclusion clauses and fillers.
        let focused = query::focus(text);
        let text = focused.as_str();
        let concepts = &self.base.forms.concepts;
        let forms = &self.base.forms.forms;
        let keep_concept = |c: u32| !exclude(c) && concepts[c as usize].is_in(&input.target);
        let keep_form = |f: u32| {
            let form = &forms[f as usize];
            input
                .label_language
                .as_ref()
                .is_none_or(|l| *l == form.lang)
                && keep_concept(form.concept)
        };

        let share = self.base.shares.accepted(input);
        // The lexical stage and the dense one (embedding the input, then the graph search) are
        // independent: with a model they run side by side, one on a scoped thread.
        let dense_stage = |sem: &Semantic| -> Result<Vec<(u32, f32)>, MatchError> {
            let q = sem.encoder.embed(&[text], Kind::Query)?.remove(0);
            let q = sem.encoder.adapt(Kind::Query, q);
            sem.dense.search(&q, SHORT_LIST, keep_form, share)
        };
        let lexical_stage = || {
            self.base.lexical.search(text, SHORT_LIST, |d| {
                keep_form(self.base.label_forms[d as usize])
            })
        };
        let (lexical_hits, dense_hits) = match &self.semantic {
            Some(sem) => std::thread::scope(|scope| {
                let dense = scope.spawn(|| dense_stage(sem));
                let lexical = lexical_stage();
                let dense = dense
                    .join()
                    .unwrap_or_else(|_| Err(MatchError::Index("the dense stage panicked".into())));
                dense.map(|d| (lexical, Some(d)))
            })?,
            None => (lexical_stage(), None),
        };
        let mut scores: HashMap<u32, Scores> = HashMap::new();
        let kind_weight = |f: u32| match forms[f as usize].kind {
            FormKind::Preferred => 1.0,
            FormKind::Alternative | FormKind::Hidden | FormKind::Description => OTHER_LABEL_WEIGHT,
        };
        for (doc, sim) in lexical_hits {
            let form = self.base.label_forms[doc as usize];
            let sim = sim * kind_weight(form);
            let entry = scores.entry(forms[form as usize].concept).or_default();
            if entry.lexical.is_none_or(|(s, _)| sim > s) {
                entry.lexical = Some((sim, form));
            }
        }
        let mut lexical_floor = scores
            .values()
            .filter_map(|s| s.lexical.map(|l| l.0))
            .fold(f32::MAX, f32::min);
        if lexical_floor == f32::MAX {
            lexical_floor = 0.0;
        }
        let mut dense_floor = 0.0;
        if let Some(hits) = dense_hits {
            dense_floor = hits.iter().map(|h| h.1).fold(f32::MAX, f32::min);
            for (form, cos) in hits {
                // The distance to a non-preferred label counts that much more.
                let cos = 1.0 - (1.0 - cos) * (2.0 - kind_weight(form));
                let entry = scores.entry(forms[form as usize].concept).or_default();
                if entry.dense.is_none_or(|(s, _)| cos > s) {
                    entry.dense = Some((cos, form));
                }
            }
            if dense_floor == f32::MAX {
                dense_floor = 0.0;
            }
        }
        let calibration = self.semantic.as_ref().map(Semantic::calibration);
        // A concept outside one short list gets that list's lowest score (an upper bound).
        let lang = language.as_deref().unwrap_or("en");
        // Scores first; candidates are made (labels looked up, strings copied) only for the
        // best, as many as the answer and the re-scoring steps need.
        let mut scored: Vec<(u32, f32, f32, Option<f32>, u32)> = scores
            .into_iter()
            .map(|(c, s)| {
                let lexical = s.lexical.map_or(lexical_floor, |l| l.0);
                let dense =
                    calibration.map(|cal| cal.rescale(s.dense.map_or(dense_floor, |d| d.0)));
                let score = dense.map_or(lexical, |d| {
                    let w = calibration.map_or(0.0, |c| c.weight);
                    w * d + (1.0 - w) * lexical
                });
                // The form shown: the dense one when it is the stronger signal.
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
                (c, score, lexical, dense, form)
            })
            .collect();
        let need = input
            .k
            .max(if self.short_list.is_some() {
                shortlist::SHORT_LIST
            } else {
                0
            })
            .max(if input.description.is_some() {
                RERANK
            } else {
                0
            });
        let by_score = |a: &(u32, f32, f32, Option<f32>, u32),
                        b: &(u32, f32, f32, Option<f32>, u32)| {
            b.1.total_cmp(&a.1).then_with(|| {
                concepts[a.0 as usize]
                    .iri
                    .as_str()
                    .cmp(concepts[b.0 as usize].iri.as_str())
            })
        };
        if scored.len() > need {
            scored.select_nth_unstable_by(need - 1, by_score);
            scored.truncate(need);
        }
        let mut candidates: Vec<(u32, Candidate)> = scored
            .into_iter()
            .map(|(c, score, lexical, dense, form)| {
                let form = &forms[form as usize];
                let concept = &concepts[c as usize];
                let candidate = Candidate {
                    uri: concept.iri.as_str().to_owned(),
                    label: concept.label(lang).unwrap_or_default().to_owned(),
                    matched: form.text.clone(),
                    matched_language: form.lang.clone(),
                    matched_kind: form.kind,
                    score,
                    lexical,
                    dense,
                    description: None,
                    isco: concept.isco.clone(),
                    via: None,
                };
                (c, candidate)
            })
            .collect();
        let order = |a: &(u32, Candidate), b: &(u32, Candidate)| {
            b.1.score.total_cmp(&a.1.score).then(a.1.uri.cmp(&b.1.uri))
        };
        candidates.sort_by(order);
        if let Some(short) = &self.short_list {
            let label_lang = input.label_language.as_deref().unwrap_or(lang);
            let calibration = Calibration::of(&short.encoder);
            short.rescore(&self.base, text, label_lang, calibration, &mut candidates)?;
            candidates.sort_by(order);
        }
        if let Some(description) = &input.description {
            // The model that re-scored the short list, else the side-index's.
            let by = match (&self.short_list, &self.semantic) {
                (Some(short), _) => Some((
                    &*short.encoder,
                    Calibration::raw(&short.encoder),
                    short.cache(),
                )),
                (None, Some(sem)) => Some((
                    &*sem.encoder,
                    Calibration::raw(&sem.encoder),
                    sem.dense.cache(),
                )),
                (None, None) => None,
            };
            if let Some((encoder, calibration, cache)) = by {
                self.rerank_by_description(
                    encoder,
                    calibration,
                    cache,
                    description,
                    lang,
                    &mut candidates,
                )?;
                candidates.sort_by(order);
            }
        }
        candidates.truncate(input.k);
        Ok(Matches {
            text: input.text.trim().to_owned(),
            language,
            method: self.method(),
            candidates: candidates.into_iter().map(|(_, c)| c).collect(),
        })
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
    /// description to theirs (both embedded as E5 passages; the concepts' vectors cached):
    /// `score = (1 − w)·score + w·description` on the same rescaled cosine.
    fn rerank_by_description(
        &self,
        encoder: &Encoder,
        calibration: Calibration,
        cache: &std::sync::Mutex<vectors::VectorCache>,
        description: &str,
        lang: &str,
        candidates: &mut [(u32, Candidate)],
    ) -> Result<(), MatchError> {
        let top = candidates.len().min(RERANK);
        let texts: Vec<Option<&str>> = candidates[..top]
            .iter()
            .map(|(c, _)| self.description_of(*c, lang))
            .collect();
        let known: Vec<&str> = texts.iter().flatten().copied().collect();
        if known.is_empty() {
            return Ok(());
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
        Ok(())
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
