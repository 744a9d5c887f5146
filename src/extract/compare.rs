//! Vacancy ↔ CV: how well each candidate covers what a vacancy asks for, with the reasons.
//!
//! Each side is a text (its skills and occupation extracted), an ESCO occupation (its essential
//! skills at weight 1, its optional ones at 0.5) or a list of ESCO skills (each at weight 1). A
//! text's skills weigh their extraction score. For each skill the vacancy asks for, the
//! candidate gets full credit when it has the same skill, [`RELATED_CREDIT`] when it has one
//! linked to it (broader, narrower, or an ESCO skill–skill relation), none otherwise. The score
//! is the vacancy's skill weights so credited over their sum, in [0, 1].

use std::collections::{BTreeMap, BTreeSet};

use oxigraph::model::NamedNodeRef;
use serde::{Deserialize, Serialize};

use super::facts::OccupationSkills;
use super::{ExtractError, Extractor, Request};
use crate::store::read;
use crate::vocab::{esco, skos};

/// The credit for a related skill instead of the one asked for.
pub const RELATED_CREDIT: f32 = 0.5;
/// The weight of an occupation's optional skills.
pub const OPTIONAL_WEIGHT: f32 = 0.5;
/// Most candidates in one comparison.
pub const MAX_CANDIDATES: usize = 100;

/// One side: what a vacancy asks for, or what a candidate offers.
#[derive(Debug, Clone)]
pub enum Side {
    /// A text: an ad, a CV.
    Text {
        /// Its title.
        title: Option<String>,
        /// Its text.
        text: String,
    },
    /// An ESCO occupation IRI.
    Occupation(String),
    /// ESCO skill IRIs.
    Skills(Vec<String>),
}

/// A side as JSON: `{"text", "title"?}`, `{"occupation"}` or `{"skills": [...]}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SideJson {
    title: Option<String>,
    text: Option<String>,
    occupation: Option<String>,
    skills: Option<Vec<String>>,
}

impl TryFrom<SideJson> for Side {
    type Error = String;

    fn try_from(j: SideJson) -> Result<Self, String> {
        match (j.text, j.occupation, j.skills) {
            (Some(text), None, None) if !text.trim().is_empty() => Ok(Self::Text {
                title: j.title.filter(|t| !t.trim().is_empty()),
                text,
            }),
            (None, Some(o), None) if j.title.is_none() => Ok(Self::Occupation(o)),
            (None, None, Some(s)) if j.title.is_none() && !s.is_empty() => Ok(Self::Skills(s)),
            _ => Err(
                "each side is {\"text\", \"title\"?}, {\"occupation\": IRI} or {\"skills\": [IRI, ...]}, with a non-empty text or list"
                    .into(),
            ),
        }
    }
}

impl Side {
    /// A side from a file's text: one ESCO occupation IRI, ESCO skill IRIs separated by white
    /// space, or else a text whose first line is its title.
    pub fn from_file_text(content: &str) -> Self {
        let tokens: Vec<&str> = content.split_whitespace().collect();
        let all = |prefix: &str| !tokens.is_empty() && tokens.iter().all(|t| t.starts_with(prefix));
        if tokens.len() == 1 && all(OCCUPATION_PREFIX) {
            return Self::Occupation(tokens[0].to_owned());
        }
        if all(SKILL_PREFIX) {
            return Self::Skills(tokens.iter().map(|t| (*t).to_owned()).collect());
        }
        Self::Text {
            title: None,
            text: content.to_owned(),
        }
    }
}

const OCCUPATION_PREFIX: &str = "http://data.europa.eu/esco/occupation/";
const SKILL_PREFIX: &str = "http://data.europa.eu/esco/skill/";

/// A side read: its skills with their weights, and its occupation.
#[derive(Debug, Clone, Default)]
struct Profile {
    skills: BTreeMap<String, f32>,
    occupation: Option<String>,
}

/// A skill of the vacancy met by a related skill of the candidate.
#[derive(Debug, Clone, Serialize)]
pub struct Related {
    /// The skill the vacancy asks for.
    pub wanted: String,
    /// The candidate's skill.
    pub offered: String,
    /// How they are linked: `broader` (the candidate's is broader), `narrower`, `related`.
    pub link: &'static str,
}

/// One candidate's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The candidate's place in the request, from 0.
    pub candidate: usize,
    /// In [0, 1].
    pub score: f32,
    /// Skills both have.
    pub common: Vec<String>,
    /// Skills of the vacancy met by a related skill.
    pub related: Vec<Related>,
    /// Essential skills of the vacancy's occupation the candidate lacks (neither the same nor
    /// related).
    pub missing_essential: Vec<String>,
    /// Other skills the vacancy asks for that the candidate lacks.
    pub missing: Vec<String>,
    /// The candidate's skills the vacancy does not ask for.
    pub other: Vec<String>,
    /// The candidate's occupation, when known.
    pub occupation: Option<String>,
}

/// The comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The vacancy's occupation, when known.
    pub vacancy_occupation: Option<String>,
    /// The skills the vacancy asks for.
    pub vacancy_skills: usize,
    /// The candidates, best first.
    pub candidates: Vec<Outcome>,
}

impl Extractor<'_> {
    /// Compares each candidate with the vacancy.
    pub fn compare(&self, vacancy: &Side, candidates: &[Side]) -> Result<Comparison, ExtractError> {
        if candidates.is_empty() || candidates.len() > MAX_CANDIDATES {
            return Err(ExtractError::Input(format!(
                "give 1 to {MAX_CANDIDATES} candidates (got {})",
                candidates.len()
            )));
        }
        let wanted = self.profile(vacancy)?;
        if wanted.skills.is_empty() {
            return Err(ExtractError::Input(
                "the vacancy names no skill esco-ld can find".into(),
            ));
        }
        let essential = match &wanted.occupation {
            Some(o) => {
                OccupationSkills::read(self.store, NamedNodeRef::new_unchecked(o))?.essential
            }
            None => BTreeSet::new(),
        };
        let mut outcomes = Vec::with_capacity(candidates.len());
        for (i, side) in candidates.iter().enumerate() {
            let offered = self.profile(side)?;
            outcomes.push(self.outcome(i, &wanted, &essential, &offered)?);
        }
        outcomes.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.candidate.cmp(&b.candidate))
        });
        Ok(Comparison {
            vacancy_occupation: wanted.occupation,
            vacancy_skills: wanted.skills.len(),
            candidates: outcomes,
        })
    }

    fn profile(&self, side: &Side) -> Result<Profile, ExtractError> {
        match side {
            Side::Text { title, text } => {
                let mut request = Request::new(text.clone());
                request.title.clone_from(title);
                let found = self.extract(&request)?;
                Ok(Profile {
                    skills: found
                        .skills
                        .iter()
                        .map(|s| (s.uri.clone(), s.score))
                        .collect(),
                    occupation: found.occupations.first().map(|o| o.uri.clone()),
                })
            }
            Side::Occupation(iri) => {
                self.known(iri, esco::OCCUPATION)?;
                let skills = OccupationSkills::read(self.store, NamedNodeRef::new_unchecked(iri))?;
                let mut weights: BTreeMap<String, f32> = skills
                    .optional
                    .iter()
                    .map(|s| (s.clone(), OPTIONAL_WEIGHT))
                    .collect();
                weights.extend(skills.essential.iter().map(|s| (s.clone(), 1.0)));
                Ok(Profile {
                    skills: weights,
                    occupation: Some(iri.clone()),
                })
            }
            Side::Skills(iris) => {
                for iri in iris {
                    self.known(iri, esco::SKILL)?;
                }
                Ok(Profile {
                    skills: iris.iter().map(|s| (s.clone(), 1.0)).collect(),
                    occupation: None,
                })
            }
        }
    }

    /// An error unless `iri` is a concept of `class` in the store.
    fn known(&self, iri: &str, class: NamedNodeRef<'_>) -> Result<(), ExtractError> {
        let node = oxigraph::model::NamedNode::new(iri)
            .map_err(|_| ExtractError::Input(format!("{iri:?} is not an IRI")))?;
        if read::has(self.store, node.as_ref(), crate::vocab::rdf::TYPE, class)? {
            Ok(())
        } else {
            Err(ExtractError::Input(format!(
                "{iri} is not an ESCO {} in the store",
                class
                    .as_str()
                    .rsplit('#')
                    .next()
                    .unwrap_or_default()
                    .to_lowercase()
            )))
        }
    }

    fn outcome(
        &self,
        candidate: usize,
        wanted: &Profile,
        essential: &BTreeSet<String>,
        offered: &Profile,
    ) -> Result<Outcome, ExtractError> {
        let (mut credit, mut total) = (0.0f32, 0.0f32);
        let mut out = Outcome {
            candidate,
            score: 0.0,
            common: Vec::new(),
            related: Vec::new(),
            missing_essential: Vec::new(),
            missing: Vec::new(),
            other: Vec::new(),
            occupation: offered.occupation.clone(),
        };
        let mut used = BTreeSet::new();
        for (skill, weight) in &wanted.skills {
            total += weight;
            if offered.skills.contains_key(skill) {
                credit += weight;
                out.common.push(skill.clone());
                used.insert(skill.clone());
            } else if let Some((offered_skill, link)) = self.link(skill, &offered.skills)? {
                credit += weight * RELATED_CREDIT;
                used.insert(offered_skill.clone());
                out.related.push(Related {
                    wanted: skill.clone(),
                    offered: offered_skill,
                    link,
                });
            } else if essential.contains(skill) {
                out.missing_essential.push(skill.clone());
            } else {
                out.missing.push(skill.clone());
            }
        }
        // The occupation's essential skills the vacancy's text did not name count as missing.
        for skill in essential {
            if !wanted.skills.contains_key(skill)
                && !offered.skills.contains_key(skill)
                && self.link(skill, &offered.skills)?.is_none()
            {
                out.missing_essential.push(skill.clone());
            }
        }
        out.other = offered
            .skills
            .keys()
            .filter(|s| !used.contains(*s))
            .cloned()
            .collect();
        out.score = if total > 0.0 { credit / total } else { 0.0 };
        Ok(out)
    }

    /// A skill of `offered` linked to `skill`, and how.
    fn link(
        &self,
        skill: &str,
        offered: &BTreeMap<String, f32>,
    ) -> Result<Option<(String, &'static str)>, ExtractError> {
        let node = NamedNodeRef::new_unchecked(skill);
        let checks: [(Vec<oxigraph::model::NamedNode>, &'static str); 4] = [
            (
                read::iri_objects(self.store, node, skos::BROADER)?,
                "broader",
            ),
            (
                read::iri_subjects(self.store, skos::BROADER, node)?,
                "narrower",
            ),
            (
                read::iri_objects(self.store, node, esco::RELATED_ESSENTIAL_SKILL)?,
                "related",
            ),
            (
                read::iri_objects(self.store, node, esco::RELATED_OPTIONAL_SKILL)?,
                "related",
            ),
        ];
        for (nodes, link) in checks {
            if let Some(n) = nodes.iter().find(|n| offered.contains_key(n.as_str())) {
                return Ok(Some((n.as_str().to_owned(), link)));
            }
        }
        for q in [esco::RELATED_ESSENTIAL_SKILL, esco::RELATED_OPTIONAL_SKILL] {
            if let Some(n) = read::iri_subjects(self.store, q, node)?
                .iter()
                .find(|n| offered.contains_key(n.as_str()))
            {
                return Ok(Some((n.as_str().to_owned(), "related")));
            }
        }
        Ok(None)
    }
}
