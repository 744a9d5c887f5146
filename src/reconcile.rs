//! Reconciliation (the W3C Reconciliation Service API's semantics; its wire format is in
//! `http::reconcile`): a name with hints (classes, an ISCO code, a description, a language)
//! becomes ranked ESCO concepts, from label search and the matcher combined. A candidate scores
//! the better of its label-search score and its matcher score; outside the ISCO group asked for
//! it keeps [`OUTSIDE_ISCO_GROUP`] of it; it is a certain match when it scores at least
//! [`MATCH_THRESHOLD`] and it is the only candidate whose preferred label is the name after
//! folding (or, when none is, the only one with any such label).

use std::collections::HashMap;

use oxigraph::model::NamedNodeRef;
use oxigraph::store::{StorageError, Store};

use crate::concept::{Class, Target};
use crate::describe::Labels;
use crate::matching::{Input, Matches};
use crate::search::{self, Hit, LabelKind, Mode, Request};
use crate::vocab::{esco, skos};

/// Candidates per query unless the query says.
pub const DEFAULT_LIMIT: usize = 5;
/// Most candidates per query.
pub const MAX_LIMIT: usize = 50;
/// The share of its score a candidate outside the asked ISCO group keeps.
pub const OUTSIDE_ISCO_GROUP: f32 = 0.8;
/// The score a candidate needs to be a certain match.
pub const MATCH_THRESHOLD: f32 = 0.8;

/// A query that cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(String);

/// What a query asks, checked.
#[derive(Debug, Clone)]
pub struct Ask {
    /// The name to reconcile.
    pub text: String,
    /// The classes wanted (occupations and skills when empty).
    pub classes: Vec<Class>,
    /// Candidates wanted.
    pub limit: usize,
    /// An ISCO-08 code (1 to 4 digits): candidates outside its group lose some score.
    pub isco: Option<String>,
    /// A description of the entry, for the matcher.
    pub description: Option<String>,
    /// The entry's language.
    pub language: Option<String>,
}

impl Ask {
    /// A query for `text`: it needs a letter or digit, `limit` from 1 to [`MAX_LIMIT`], an
    /// `isco` code of 1 to 4 digits.
    pub fn new(text: &str, classes: Vec<Class>, limit: usize) -> Result<Self, InputError> {
        let text = text.trim().to_owned();
        if search::words(&text).is_empty() {
            return Err(InputError("query must contain a letter or digit".into()));
        }
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(InputError(format!(
                "limit must be a whole number from 1 to {MAX_LIMIT}"
            )));
        }
        Ok(Self {
            text,
            classes,
            limit,
            isco: None,
            description: None,
            language: None,
        })
    }

    /// With an ISCO-08 code.
    pub fn with_isco(mut self, code: String) -> Result<Self, InputError> {
        if code.is_empty() || code.len() > 4 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InputError(format!(
                "isco must be an ISCO-08 code of 1 to 4 digits, not {code:?}"
            )));
        }
        self.isco = Some(code);
        Ok(self)
    }

    /// The classes searched: those asked, else occupations and skills.
    fn classes(&self) -> Vec<Class> {
        if self.classes.is_empty() {
            vec![Class::Occupation, Class::Skill]
        } else {
            self.classes.clone()
        }
    }

    /// Candidates taken from each source before they are combined.
    fn wanted(&self) -> usize {
        self.limit.max(10) * 2
    }

    /// What label search is asked.
    pub fn search_request(&self) -> Request {
        Request {
            text: self.text.clone(),
            language: self.language.clone(),
            classes: self.classes.clone(),
            schemes: Vec::new(),
            alternative: true,
            mode: Mode::Search,
            offset: 0,
            limit: self.wanted(),
        }
    }

    /// What the matcher is asked: one input per class.
    pub fn match_inputs(&self) -> Vec<(Class, Input)> {
        self.classes()
            .into_iter()
            .map(|class| {
                let input = Input {
                    text: self.text.clone(),
                    description: self.description.clone(),
                    language: self.language.clone(),
                    target: Target::of_class(class),
                    k: self.wanted(),
                    label_language: None,
                };
                (class, input)
            })
            .collect()
    }
}

/// A reconciliation candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Its IRI.
    pub uri: String,
    /// Its preferred label in the query's language (else English, else its IRI).
    pub name: String,
    /// Its class.
    pub class: Class,
    /// Its ISCO code (an occupation's group's).
    pub isco: Option<String>,
    /// Its score in [0, 1].
    pub score: f32,
    /// Its label-search score.
    pub label_score: f32,
    /// Its matcher score.
    pub semantic_score: f32,
    /// Whether a label (not a hidden one) is the name after folding.
    pub exact_label: bool,
    /// Whether it is a certain match.
    pub certain: bool,
}

/// A candidate being put together.
#[derive(Default)]
struct Found {
    label: f32,
    semantic: f32,
    exact: bool,
    exact_preferred: bool,
    class: Option<Class>,
}

/// The candidates of `ask` from the label-search hits and the matcher's answers (one per class
/// of [`Ask::match_inputs`]), best first (ties by IRI), at most `ask.limit`.
pub fn candidates(
    store: &Store,
    labels: &Labels,
    ask: &Ask,
    hits: Vec<Hit>,
    matched: Vec<(Class, Matches)>,
) -> Result<Vec<Candidate>, StorageError> {
    let mut found: HashMap<String, Found> = HashMap::new();
    let query_words = search::words(&ask.text);
    for hit in hits {
        let exact =
            search::words(&hit.matched) == query_words && hit.matched_kind != LabelKind::Hidden;
        let entry = found.entry(hit.uri).or_default();
        entry.label = entry.label.max(hit.score);
        entry.exact |= exact;
        entry.exact_preferred |= exact && hit.matched_kind == LabelKind::Preferred;
        entry.class = Some(hit.class);
    }
    for (class, m) in matched {
        for c in m.candidates {
            let entry = found.entry(c.uri).or_default();
            entry.semantic = entry.semantic.max(c.score);
            entry.class.get_or_insert(class);
        }
    }
    let lang = ask.language.as_deref().unwrap_or("en");
    let exact_preferred = found.values().filter(|s| s.exact_preferred).count();
    let exact_any = found.values().filter(|s| s.exact).count();
    let mut out = Vec::with_capacity(found.len());
    for (uri, f) in found {
        let isco = isco_code(store, NamedNodeRef::new_unchecked(&uri))?;
        let mut score = f.label.max(f.semantic);
        if let Some(want) = &ask.isco {
            if !isco
                .as_deref()
                .is_some_and(|c| c.starts_with(want.as_str()))
            {
                score *= OUTSIDE_ISCO_GROUP;
            }
        }
        let only = if exact_preferred > 0 {
            f.exact_preferred && exact_preferred == 1
        } else {
            f.exact && exact_any == 1
        };
        out.push(Candidate {
            name: labels.preferred(&uri, lang).unwrap_or(&uri).to_owned(),
            class: f.class.unwrap_or(Class::Occupation),
            isco,
            score,
            label_score: f.label,
            semantic_score: f.semantic,
            exact_label: f.exact,
            certain: score >= MATCH_THRESHOLD && only,
            uri,
        });
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.uri.cmp(&b.uri)));
    out.truncate(ask.limit);
    Ok(out)
}

/// The ISCO code of an occupation (its group's) or of an ISCO group: its all-digit notation.
pub fn isco_code(store: &Store, concept: NamedNodeRef<'_>) -> Result<Option<String>, StorageError> {
    let code_of = |n: NamedNodeRef<'_>| -> Result<Option<String>, StorageError> {
        Ok(crate::store::read::literals(store, n, skos::NOTATION)?
            .into_iter()
            .map(|(_, code)| code)
            .find(|code| code.bytes().all(|b| b.is_ascii_digit())))
    };
    let groups = crate::store::read::iri_objects(store, concept, esco::MEMBER_OF_ISCO_GROUP)?;
    match groups.first() {
        Some(group) => code_of(group.as_ref()),
        None => code_of(concept),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_checked() {
        assert!(Ask::new("  ", vec![], 5).is_err());
        assert!(Ask::new("nurse", vec![], 0).is_err());
        assert!(Ask::new("nurse", vec![], MAX_LIMIT + 1).is_err());
        let ask = Ask::new(" nurse ", vec![], 5).unwrap();
        assert_eq!(ask.text, "nurse");
        assert!(ask.clone().with_isco("22a".into()).is_err());
        assert!(ask.clone().with_isco("22221".into()).is_err());
        assert_eq!(
            ask.with_isco("2221".into()).unwrap().isco.as_deref(),
            Some("2221")
        );
    }

    #[test]
    fn occupations_and_skills_unless_told() {
        let ask = Ask::new("nurse", vec![], 5).unwrap();
        let classes: Vec<Class> = ask.match_inputs().into_iter().map(|(c, _)| c).collect();
        assert_eq!(classes, [Class::Occupation, Class::Skill]);
        assert_eq!(ask.search_request().limit, 20);
        let ask = Ask::new("nurse", vec![Class::IscoGroup], 30).unwrap();
        let (class, input) = ask.match_inputs().remove(0);
        assert_eq!(
            (class, input.target, input.k),
            (Class::IscoGroup, Target::IscoGroups, 60)
        );
    }

    fn hit(uri: &str, matched: &str, kind: LabelKind, score: f32) -> Hit {
        Hit {
            uri: uri.into(),
            class: Class::Occupation,
            matched: matched.into(),
            matched_kind: kind,
            matched_language: "en".into(),
            score,
        }
    }

    #[test]
    fn the_only_exact_preferred_label_is_a_certain_match() {
        let store = Store::new().unwrap();
        let labels = Labels::read(&store).unwrap();
        let ask = Ask::new("Nurse", vec![], 5).unwrap();
        let hits = vec![
            hit("http://x/a", "nurse", LabelKind::Preferred, 1.0),
            hit("http://x/b", "nurse", LabelKind::Alternative, 0.85),
            hit("http://x/c", "nurse aide", LabelKind::Preferred, 0.7),
        ];
        let found = candidates(&store, &labels, &ask, hits, Vec::new()).unwrap();
        let certain: Vec<&str> = found
            .iter()
            .filter(|c| c.certain)
            .map(|c| c.uri.as_str())
            .collect();
        assert_eq!(certain, ["http://x/a"]);
        assert_eq!(found[0].uri, "http://x/a");
        // Outside the ISCO group asked for, a candidate keeps a share of its score and is no
        // longer certain.
        let ask = ask.with_isco("9".into()).unwrap();
        let hits = vec![hit("http://x/a", "nurse", LabelKind::Preferred, 1.0)];
        let found = candidates(&store, &labels, &ask, hits, Vec::new()).unwrap();
        assert!((found[0].score - OUTSIDE_ISCO_GROUP).abs() < 1e-6);
        assert!(found[0].certain, "0.8 still reaches the threshold");
    }
}
