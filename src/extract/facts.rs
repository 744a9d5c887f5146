//! What the knowledge graph says about the skills and occupations an extraction finds: a skill's
//! type, reuse level, collections and broader skills; an occupation's essential and optional
//! skills.

use std::collections::BTreeSet;

use oxigraph::model::{NamedNode, NamedNodeRef, Term};
use oxigraph::store::{StorageError, Store};
use serde::Serialize;

use crate::store::read;
use crate::vocab::{esco, skos};

/// A skill's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SkillType {
    /// Knowledge.
    Knowledge,
    /// Skill/competence.
    Skill,
}

/// How a skill relates to an occupation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// An essential skill of the occupation.
    Essential,
    /// An optional skill of the occupation.
    Optional,
}

/// A skill as the knowledge graph describes it.
#[derive(Debug, Clone, Default)]
pub struct SkillFacts {
    /// Knowledge or skill/competence.
    pub skill_type: Option<SkillType>,
    /// `sector-specific`, `occupation-specific`, `cross-sector` or `transversal`.
    pub reuse_level: Option<String>,
    /// The collections it is in, by their short names (`green`, `digital`, `transversal`,
    /// `language`, `digcomp`, `research`).
    pub collections: Vec<String>,
    /// Its broader concepts (skills or skill groups).
    pub broader: BTreeSet<String>,
}

const SKILL_TYPE_PREFIX: &str = "http://data.europa.eu/esco/skill-type/";
const REUSE_LEVEL_PREFIX: &str = "http://data.europa.eu/esco/skill-reuse-level/";
const COLLECTION_PREFIX: &str = "http://data.europa.eu/esco/collection/";

/// The last segment of an IRI with `prefix`.
fn after<'a>(iri: &'a str, prefix: &str) -> Option<&'a str> {
    iri.strip_prefix(prefix)
}

impl SkillFacts {
    /// Reads what the store says about the skill `iri`.
    pub fn read(store: &Store, iri: NamedNodeRef<'_>) -> Result<Self, StorageError> {
        let mut facts = Self::default();
        for ty in read::iri_objects(store, iri, esco::SKILL_TYPE)? {
            facts.skill_type = match after(ty.as_str(), SKILL_TYPE_PREFIX) {
                Some("knowledge") => Some(SkillType::Knowledge),
                Some("skill") => Some(SkillType::Skill),
                _ => facts.skill_type,
            };
        }
        facts.reuse_level = read::iri_objects(store, iri, esco::SKILL_REUSE_LEVEL)?
            .iter()
            .find_map(|l| after(l.as_str(), REUSE_LEVEL_PREFIX).map(str::to_owned));
        for collection in read::iri_subjects(store, skos::MEMBER, iri)? {
            if let Some(name) = after(collection.as_str(), COLLECTION_PREFIX) {
                let short = name.strip_suffix("-skills").unwrap_or(name);
                facts.collections.push(short.to_owned());
            }
        }
        facts.broader = read::iri_objects(store, iri, skos::BROADER)?
            .into_iter()
            .map(NamedNode::into_string)
            .collect();
        Ok(facts)
    }
}

/// An occupation's essential and optional skills.
#[derive(Debug, Clone, Default)]
pub struct OccupationSkills {
    /// Essential skills' IRIs.
    pub essential: BTreeSet<String>,
    /// Optional skills' IRIs.
    pub optional: BTreeSet<String>,
}

impl OccupationSkills {
    /// Reads the skills of the occupation `iri`.
    pub fn read(store: &Store, iri: NamedNodeRef<'_>) -> Result<Self, StorageError> {
        let iris = |p| -> Result<BTreeSet<String>, StorageError> {
            Ok(read::objects(store, iri, p, None)?
                .into_iter()
                .filter_map(|t| match t {
                    Term::NamedNode(n) => Some(n.into_string()),
                    Term::BlankNode(_) | Term::Literal(_) => None,
                })
                .collect())
        };
        Ok(Self {
            essential: iris(esco::RELATED_ESSENTIAL_SKILL)?,
            optional: iris(esco::RELATED_OPTIONAL_SKILL)?,
        })
    }

    /// How `skill` relates to the occupation.
    pub fn relation(&self, skill: &str) -> Option<Relation> {
        if self.essential.contains(skill) {
            Some(Relation::Essential)
        } else if self.optional.contains(skill) {
            Some(Relation::Optional)
        } else {
            None
        }
    }

    /// How many of `skills` the occupation has, essential or optional.
    pub fn overlap<'a>(&self, skills: impl Iterator<Item = &'a str>) -> usize {
        skills.filter(|s| self.relation(s).is_some()).count()
    }
}
