//! Job ads and CVs to ESCO: the skills a text names and the occupation it is about.
//!
//! The text is cut into sentences and the phrases of inline lists ([`segment`]); headings and
//! boilerplate give none. Each piece is matched against ESCO's skill labels in every language the
//! store has (the matcher: lexical and, with a model, dense). A skill's `score` is the matcher's
//! fused score for the piece of text that matches it best (in [0, 1]: 1 = a piece that reads as
//! one of the skill's labels; a phrase's score counts [`PHRASE_WEIGHT`] of a sentence's), plus
//! [`SUPPORT_BONUS`] for each further piece that matches it (three at most), plus
//! [`ESSENTIAL_BOOST`] when it is an essential skill of the best occupation ([`OPTIONAL_BOOST`]
//! for an optional one), at most 1. Skills under the threshold are
//! dropped, and of a skill and its broader skill found in the same sentence the narrower is kept.
//!
//! The occupation comes from the title (given, or the text's first line when it reads as one),
//! ranked by the matcher over occupation labels, and from the skills found: an occupation's share
//! of them (essential ones count 1, optional ones half) is [`SKILL_SHARE`] of its score, all of it
//! when there is no title.

pub mod batch;
pub mod compare;
pub mod facts;
pub mod segment;
pub mod summary;

use std::collections::{BTreeMap, HashMap};

use oxigraph::model::NamedNodeRef;
use oxigraph::store::{StorageError, Store};
use serde::Serialize;

use crate::concept::Target;
use crate::matching::{language, Input, MatchError, Matcher, Method};
use crate::vocab::esco;
use facts::{OccupationSkills, Relation, SkillFacts, SkillType};
use segment::{Piece, PieceKind, Segments};

/// Longest text, in characters.
pub const MAX_TEXT: usize = 50_000;
/// Most skills in a result.
pub const MAX_K: usize = 200;
/// Skills kept by default.
pub const DEFAULT_K: usize = 30;
/// The default threshold, tuned on the dev sets for precision (see `docs/extraction.md`).
pub const DEFAULT_THRESHOLD: f32 = 0.6;
/// Added to the score of an essential skill of the best occupation.
pub const ESSENTIAL_BOOST: f32 = 0.05;
/// Added to the score of an optional skill of the best occupation.
pub const OPTIONAL_BOOST: f32 = 0.02;
/// The part of an occupation's score that comes from the skills found.
pub const SKILL_SHARE: f32 = 0.2;
/// A phrase's match counts this much of a sentence's.
pub const PHRASE_WEIGHT: f32 = 0.85;
/// Added for each further piece that matches a skill, up to [`MAX_SUPPORT`] of them.
pub const SUPPORT_BONUS: f32 = 0.02;
/// Most further pieces counted.
pub const MAX_SUPPORT: usize = 3;
/// Candidates asked of the matcher per piece.
const PER_PIECE: usize = 10;
/// Occupations in a result.
const OCCUPATIONS: usize = 5;
/// Most found skills whose occupations are counted.
const SKILLS_FOR_OCCUPATIONS: usize = 30;

/// Errors of extraction.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// Bad input.
    #[error("{0}")]
    Input(String),
    /// Matching failed.
    #[error(transparent)]
    Match(#[from] MatchError),
    /// The store could not be read.
    #[error("reading the store")]
    Storage(#[from] StorageError),
}

/// What to extract from.
#[derive(Debug, Clone)]
pub struct Request {
    /// The ad or CV.
    pub text: String,
    /// Its title, when known apart from the text.
    pub title: Option<String>,
    /// Its language; detected when `None`.
    pub language: Option<String>,
    /// Most skills returned.
    pub k: usize,
    /// Skills under this score are dropped.
    pub threshold: f32,
    /// The language of the labels shown (else the text's, else English).
    pub target_language: Option<String>,
    /// Match against ESCO's labels in this language only (else every language the store has).
    pub esco_language: Option<String>,
}

impl Request {
    /// A request for `text` with the defaults.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            title: None,
            language: None,
            k: DEFAULT_K,
            threshold: DEFAULT_THRESHOLD,
            target_language: None,
            esco_language: None,
        }
    }

    fn check(&self) -> Result<(), ExtractError> {
        let chars = self.text.chars().count();
        if self.text.trim().is_empty() {
            return Err(ExtractError::Input("text is empty".into()));
        }
        if chars > MAX_TEXT {
            return Err(ExtractError::Input(format!(
                "text has {chars} characters, more than {MAX_TEXT}"
            )));
        }
        if self.k == 0 || self.k > MAX_K {
            return Err(ExtractError::Input(format!(
                "k must be between 1 and {MAX_K}"
            )));
        }
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(ExtractError::Input(
                "threshold must be between 0 and 1".into(),
            ));
        }
        for tag in [&self.language, &self.target_language, &self.esco_language]
            .into_iter()
            .flatten()
        {
            if !language::valid_tag(tag) {
                return Err(ExtractError::Input(format!(
                    "{tag:?} is not a language tag"
                )));
            }
        }
        Ok(())
    }
}

/// A span of the input that supports a skill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// First character.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// The text of the span.
    pub text: String,
}

/// A skill found.
#[derive(Debug, Clone, Serialize)]
pub struct SkillHit {
    /// Its IRI.
    pub uri: String,
    /// Its preferred label.
    pub label: String,
    /// In [0, 1] (see the module documentation).
    pub score: f32,
    /// Knowledge or skill/competence.
    pub skill_type: Option<SkillType>,
    /// Its reuse level.
    pub reuse_level: Option<String>,
    /// Its collections.
    pub collections: Vec<String>,
    /// The spans that support it, best first.
    pub evidence: Vec<Evidence>,
    /// How it relates to the best occupation.
    pub relation: Option<Relation>,
}

/// An occupation found.
#[derive(Debug, Clone, Serialize)]
pub struct OccupationHit {
    /// Its IRI.
    pub uri: String,
    /// Its preferred label.
    pub label: String,
    /// In [0, 1].
    pub score: f32,
    /// Its ISCO code.
    pub isco: Option<String>,
}

/// What a text names.
#[derive(Debug, Clone, Serialize)]
pub struct Extraction {
    /// The text's language, given or detected.
    pub language: Option<String>,
    /// How the matcher ranked.
    pub method: Method,
    /// The title used for the occupation, if any.
    pub title: Option<String>,
    /// Occupations, best first.
    pub occupations: Vec<OccupationHit>,
    /// Skills, best first.
    pub skills: Vec<SkillHit>,
}

/// A skill's best score and the pieces that gave it one.
#[derive(Debug, Clone)]
struct Found {
    score: f32,
    /// (score, piece index), best first once sorted.
    pieces: Vec<(f32, usize)>,
}

/// Extracts with `matcher` over `store`.
pub struct Extractor<'a> {
    matcher: &'a Matcher,
    store: &'a Store,
    one_by_one: bool,
}

impl<'a> Extractor<'a> {
    /// An extractor.
    pub fn new(matcher: &'a Matcher, store: &'a Store) -> Self {
        Self {
            matcher,
            store,
            one_by_one: false,
        }
    }

    /// The same extractor matching the pieces one by one, each embedded on its own: the
    /// baseline the batched forward passes are measured against.
    pub fn one_by_one(self) -> Self {
        Self {
            one_by_one: true,
            ..self
        }
    }

    /// The store it reads.
    pub fn store(&self) -> &'a Store {
        self.store
    }

    /// The skills and occupations of one text.
    pub fn extract(&self, request: &Request) -> Result<Extraction, ExtractError> {
        request.check()?;
        let language = request
            .language
            .clone()
            .or_else(|| language::detect(&request.text).map(str::to_owned));
        // With a title given, the first line is text like any other.
        let given_title = request.title.as_ref().is_some_and(|t| !t.trim().is_empty());
        let segments = segment::segment(&request.text, language.as_deref(), !given_title);
        let esco_language = request.esco_language.as_deref();
        let mut found = self.rank(&segments, language.as_deref(), esco_language)?;
        let title = request
            .title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .or_else(|| segments.title.as_ref().map(|t| t.text.clone()));
        let shown = request
            .target_language
            .as_deref()
            .or(language.as_deref())
            .unwrap_or("en");
        let above: Vec<&str> = top(&found, request.threshold, SKILLS_FOR_OCCUPATIONS);
        let occupations = self.occupations(
            title.as_deref(),
            &above,
            language.as_deref(),
            esco_language,
            shown,
        )?;
        let best = match occupations.first() {
            Some(o) => Some(OccupationSkills::read(
                self.store,
                NamedNodeRef::new_unchecked(&o.uri),
            )?),
            None => None,
        };
        if let Some(best) = &best {
            for (uri, f) in &mut found {
                f.score = (f.score
                    + match best.relation(uri) {
                        Some(Relation::Essential) => ESSENTIAL_BOOST,
                        Some(Relation::Optional) => OPTIONAL_BOOST,
                        None => 0.0,
                    })
                .min(1.0);
            }
        }
        let skills = self.skills(&found, &segments, request, best.as_ref(), shown)?;
        Ok(Extraction {
            language,
            method: self.matcher.method(),
            title,
            occupations,
            skills,
        })
    }

    /// Every skill the text's pieces match, best first, without threshold: what `eval-extract`
    /// measures.
    pub fn rank_skills(
        &self,
        text: &str,
        language: Option<&str>,
        esco_language: Option<&str>,
    ) -> Result<Vec<(String, f32)>, ExtractError> {
        let language = language
            .map(str::to_owned)
            .or_else(|| language::detect(text).map(str::to_owned));
        let segments = segment::segment(text, language.as_deref(), false);
        let found = self.rank(&segments, language.as_deref(), esco_language)?;
        let mut ranked: Vec<(String, f32)> =
            found.into_iter().map(|(uri, f)| (uri, f.score)).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(ranked)
    }

    /// Each skill the pieces match, with its best score and the pieces.
    fn rank(
        &self,
        segments: &Segments,
        language: Option<&str>,
        esco_language: Option<&str>,
    ) -> Result<HashMap<String, Found>, ExtractError> {
        let inputs: Vec<Input> = segments
            .pieces
            .iter()
            .map(|piece| Input {
                text: piece.text.clone(),
                description: None,
                language: language.map(str::to_owned),
                target: Target::Skills,
                k: PER_PIECE,
                label_language: esco_language.map(str::to_owned),
            })
            .collect();
        let mut found: HashMap<String, Found> = HashMap::new();
        let results = if self.one_by_one {
            inputs.iter().map(|i| self.matcher.search(i)).collect()
        } else {
            self.matcher.search_many(&inputs)?
        };
        for (i, (piece, matches)) in segments.pieces.iter().zip(results).enumerate() {
            let weight = if piece.kind == PieceKind::Phrase {
                PHRASE_WEIGHT
            } else {
                1.0
            };
            let matches = match matches {
                Ok(m) => m,
                // A piece the matcher has nothing to read in ("&", "+"): no skills.
                Err(MatchError::Input(_)) => continue,
                Err(e) => return Err(e.into()),
            };
            for c in matches.candidates {
                let f = found.entry(c.uri).or_insert(Found {
                    score: 0.0,
                    pieces: Vec::new(),
                });
                f.score = f.score.max(c.score * weight);
                f.pieces.push((c.score * weight, i));
            }
        }
        for f in found.values_mut() {
            let further = f.pieces.len().saturating_sub(1).min(MAX_SUPPORT) as f32;
            f.score = (f.score + SUPPORT_BONUS * further).min(1.0);
        }
        Ok(found)
    }

    /// Occupations from the title and the skills found.
    fn occupations(
        &self,
        title: Option<&str>,
        skills: &[&str],
        language: Option<&str>,
        esco_language: Option<&str>,
        shown: &str,
    ) -> Result<Vec<OccupationHit>, ExtractError> {
        let mut share: HashMap<String, f32> = HashMap::new();
        for skill in skills {
            let iri = NamedNodeRef::new_unchecked(skill);
            for (p, weight) in [
                (esco::IS_ESSENTIAL_SKILL_FOR, 1.0),
                (esco::IS_OPTIONAL_SKILL_FOR, 0.5),
            ] {
                for o in crate::store::read::iri_objects(self.store, iri, p)? {
                    *share.entry(o.into_string()).or_default() += weight;
                }
            }
        }
        let n = skills.len().max(1) as f32;
        let mut scored: BTreeMap<String, f32> = BTreeMap::new();
        match title {
            Some(title) => {
                let input = Input {
                    text: title.to_owned(),
                    description: None,
                    language: language.map(str::to_owned),
                    target: Target::Occupations,
                    k: 20,
                    label_language: esco_language.map(str::to_owned),
                };
                let matches = match self.matcher.search(&input) {
                    Ok(m) => m.candidates,
                    Err(MatchError::Input(_)) => Vec::new(),
                    Err(e) => return Err(e.into()),
                };
                for c in matches {
                    let s = share.get(&c.uri).copied().unwrap_or(0.0) / n;
                    scored.insert(c.uri, (1.0 - SKILL_SHARE) * c.score + SKILL_SHARE * s);
                }
            }
            None => {
                for (uri, s) in share {
                    scored.insert(uri, s / n);
                }
            }
        }
        let mut ranked: Vec<(String, f32)> = scored.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked.truncate(OCCUPATIONS);
        Ok(ranked
            .into_iter()
            .map(|(uri, score)| {
                let concept = self.concept(&uri);
                OccupationHit {
                    label: concept
                        .and_then(|c| c.label(shown))
                        .unwrap_or_default()
                        .to_owned(),
                    isco: concept.and_then(|c| c.isco.clone()),
                    uri,
                    score: score.min(1.0),
                }
            })
            .collect())
    }

    /// The skills over the threshold, the broader of two found in one sentence dropped, with
    /// their facts and evidence.
    fn skills(
        &self,
        found: &HashMap<String, Found>,
        segments: &Segments,
        request: &Request,
        best: Option<&OccupationSkills>,
        shown: &str,
    ) -> Result<Vec<SkillHit>, ExtractError> {
        let mut kept: Vec<(&String, &Found, SkillFacts)> = Vec::new();
        for (uri, f) in found {
            if f.score >= request.threshold {
                let facts = SkillFacts::read(self.store, NamedNodeRef::new_unchecked(uri))?;
                kept.push((uri, f, facts));
            }
        }
        let sentences_of = |f: &Found, threshold: f32| -> Vec<usize> {
            f.pieces
                .iter()
                .filter(|(s, _)| *s >= threshold)
                .map(|(_, i)| segments.pieces[*i].sentence)
                .collect()
        };
        let mut broader_found: Vec<&str> = Vec::new();
        for (_, f, facts) in &kept {
            let mine = sentences_of(f, request.threshold);
            for (other, g, _) in &kept {
                if facts.broader.contains(other.as_str())
                    && sentences_of(g, request.threshold)
                        .iter()
                        .any(|s| mine.contains(s))
                {
                    broader_found.push(other.as_str());
                }
            }
        }
        kept.retain(|(uri, _, _)| !broader_found.contains(&uri.as_str()));
        kept.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then_with(|| a.0.cmp(b.0)));
        kept.truncate(request.k);
        Ok(kept
            .into_iter()
            .map(|(uri, f, facts)| SkillHit {
                label: self
                    .concept(uri)
                    .and_then(|c| c.label(shown))
                    .unwrap_or_default()
                    .to_owned(),
                score: f.score,
                skill_type: facts.skill_type,
                reuse_level: facts.reuse_level,
                collections: facts.collections,
                evidence: evidence(f, &segments.pieces, request.threshold),
                relation: best.and_then(|b| b.relation(uri)),
                uri: uri.clone(),
            })
            .collect())
    }

    fn concept(&self, uri: &str) -> Option<&crate::store::forms::Concept> {
        let concepts = &self.matcher.forms().concepts;
        concepts
            .binary_search_by(|c| c.iri.as_str().cmp(uri))
            .ok()
            .map(|i| &concepts[i])
    }
}

/// The IRIs of the best skills at or over `threshold`, at most `n`.
fn top(found: &HashMap<String, Found>, threshold: f32, n: usize) -> Vec<&str> {
    let mut over: Vec<(&str, f32)> = found
        .iter()
        .filter(|(_, f)| f.score >= threshold)
        .map(|(u, f)| (u.as_str(), f.score))
        .collect();
    over.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    over.into_iter().take(n).map(|(u, _)| u).collect()
}

/// The spans supporting a skill: per sentence, its best piece at or over `threshold` (the best
/// piece overall when none is), best first.
fn evidence(found: &Found, pieces: &[Piece], threshold: f32) -> Vec<Evidence> {
    let mut by_score = found.pieces.clone();
    by_score.sort_by(|a, b| {
        b.0.total_cmp(&a.0).then_with(|| {
            // A phrase before its sentence at equal score: the narrower span.
            let kind = |i: usize| u8::from(pieces[i].kind == PieceKind::Sentence);
            kind(a.1).cmp(&kind(b.1))
        })
    });
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for (i, (score, piece)) in by_score.iter().enumerate() {
        let p = &pieces[*piece];
        if (*score < threshold && i > 0) || seen.contains(&p.sentence) {
            continue;
        }
        seen.push(p.sentence);
        out.push(Evidence {
            start: p.start,
            end: p.end,
            text: p.text.clone(),
        });
    }
    out
}
