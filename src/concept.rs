//! The domain's nouns, each parsed in one place: the classes of ESCO concepts ([`Class`]) and
//! what a request matches, searches or maps to ([`Target`]). Matching, label search, mapping
//! projects, reconciliation and the ESCO API all take them from here, so `--target isco`,
//! `--type isco` and `"target": "isco"` mean the same everywhere.

use std::fmt;
use std::str::FromStr;

use oxigraph::model::{NamedNode, NamedNodeRef};

use crate::vocab::{esco, mint};

/// A word that names no class or target; the message lists what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(String);

/// The classes of ESCO concepts that can be matched, searched and mapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// `esco:Occupation`.
    Occupation,
    /// `esco:Skill` (knowledge and skills/competences).
    Skill,
    /// `esco:ISCOGroup`.
    IscoGroup,
    /// `esco:SkillGroup`.
    SkillGroup,
}

impl Class {
    /// Every class, in a fixed order.
    pub const ALL: [Self; 4] = [
        Self::Occupation,
        Self::Skill,
        Self::IscoGroup,
        Self::SkillGroup,
    ];

    /// Its name in requests and answers: `occupation`, `skill`, `isco-group`, `skill-group`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Occupation => "occupation",
            Self::Skill => "skill",
            Self::IscoGroup => "isco-group",
            Self::SkillGroup => "skill-group",
        }
    }

    /// Its class in ESCO's model.
    pub fn iri(self) -> NamedNodeRef<'static> {
        match self {
            Self::Occupation => esco::OCCUPATION,
            Self::Skill => esco::SKILL,
            Self::IscoGroup => esco::ISCO_GROUP,
            Self::SkillGroup => esco::SKILL_GROUP,
        }
    }

    /// The class of a model class IRI.
    pub fn from_iri(iri: NamedNodeRef<'_>) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.iri() == iri)
    }

    /// ESCO's concept scheme that holds the class's concepts.
    pub fn scheme(self) -> NamedNode {
        let name = match self {
            Self::Occupation => "occupations",
            Self::Skill => "skills",
            Self::IscoGroup => "isco",
            Self::SkillGroup => "skills-hierarchy",
        };
        NamedNode::new_unchecked(format!("{}concept-scheme/{name}", mint::ESCO))
    }

    /// The words that name the class, lower case: its name, the plural, the name without the
    /// hyphen (`iscogroup`, the reconciliation type `ISCOGroup` folded), and `isco` for ISCO
    /// groups.
    fn words(self) -> &'static [&'static str] {
        match self {
            Self::Occupation => &["occupation", "occupations"],
            Self::Skill => &["skill", "skills"],
            Self::IscoGroup => &["isco-group", "isco-groups", "iscogroup", "isco"],
            Self::SkillGroup => &["skill-group", "skill-groups", "skillgroup"],
        }
    }

    /// The class a word names (any case), if any.
    fn from_word(word: &str) -> Option<Self> {
        let word = word.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|c| c.words().contains(&&*word))
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Class {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<Self, ParseError> {
        let local = text.trim().strip_prefix(esco::NS).unwrap_or(text);
        Self::from_word(local).ok_or_else(|| {
            ParseError(format!(
                "unknown class {text:?}: occupation, skill, isco-group or skill-group"
            ))
        })
    }
}

impl serde::Serialize for Class {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Class {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// What to match, search or map to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// ESCO occupations.
    Occupations,
    /// ESCO skills (knowledge and skills/competences).
    Skills,
    /// ISCO groups.
    IscoGroups,
    /// Skill groups.
    SkillGroups,
    /// A concept of any of the four classes.
    Any,
    /// The concepts of a scheme.
    Scheme(NamedNode),
    /// The concepts of any of these (`occupations,isco-groups`: ESCO's occupation pillar, what
    /// the EURES mapping tables map to). Never nested, never of one part, no part twice.
    Union(Vec<Target>),
}

/// The words of [`Target::Any`].
const ANY: [&str; 3] = ["any", "concept", "concepts"];

impl Target {
    /// The target of one class.
    pub fn of_class(class: Class) -> Self {
        match class {
            Class::Occupation => Self::Occupations,
            Class::Skill => Self::Skills,
            Class::IscoGroup => Self::IscoGroups,
            Class::SkillGroup => Self::SkillGroups,
        }
    }

    /// The class a one-class target names.
    pub fn class(&self) -> Option<Class> {
        match self {
            Self::Occupations => Some(Class::Occupation),
            Self::Skills => Some(Class::Skill),
            Self::IscoGroups => Some(Class::IscoGroup),
            Self::SkillGroups => Some(Class::SkillGroup),
            Self::Any | Self::Scheme(_) | Self::Union(_) => None,
        }
    }

    /// The parts of a union, or the target itself.
    pub fn parts(&self) -> &[Self] {
        match self {
            Self::Union(parts) => parts,
            Self::Occupations
            | Self::Skills
            | Self::IscoGroups
            | Self::SkillGroups
            | Self::Any
            | Self::Scheme(_) => std::slice::from_ref(self),
        }
    }

    /// Whether a concept of `class` in `schemes` is one of the target's.
    pub fn accepts(&self, class: Class, schemes: &[NamedNode]) -> bool {
        match self {
            Self::Any => true,
            Self::Scheme(s) => schemes.contains(s),
            Self::Union(parts) => parts.iter().any(|t| t.accepts(class, schemes)),
            Self::Occupations | Self::Skills | Self::IscoGroups | Self::SkillGroups => {
                self.class() == Some(class)
            }
        }
    }

    /// The schemes whose concepts the target names: a class's ESCO scheme, the scheme itself,
    /// every ESCO scheme of the four classes for [`Target::Any`].
    pub fn schemes(&self) -> Vec<NamedNode> {
        let mut out: Vec<NamedNode> = Vec::new();
        for part in self.parts() {
            let schemes = match part {
                Self::Any => Class::ALL.iter().map(|c| c.scheme()).collect(),
                Self::Scheme(s) => vec![s.clone()],
                // A union's parts are never unions.
                Self::Union(_) => Vec::new(),
                Self::Occupations | Self::Skills | Self::IscoGroups | Self::SkillGroups => {
                    part.class().map(Class::scheme).into_iter().collect()
                }
            };
            for s in schemes {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        out
    }

    /// For a target naming ISCO groups beside occupations (ESCO's occupation pillar): the
    /// target without the groups, which are then reached through their occupations.
    pub fn groups_through_occupations(&self) -> Option<Self> {
        let parts = self.parts();
        if !(parts.contains(&Self::Occupations) && parts.contains(&Self::IscoGroups)) {
            return None;
        }
        let rest: Vec<Self> = parts
            .iter()
            .filter(|t| **t != Self::IscoGroups)
            .cloned()
            .collect();
        Some(Self::union(rest))
    }

    /// A union of `parts` (one part: that part).
    fn union(mut parts: Vec<Self>) -> Self {
        if parts.len() == 1 {
            parts.remove(0)
        } else {
            Self::Union(parts)
        }
    }

    fn parse_one(text: &str) -> Result<Self, ParseError> {
        if ANY.contains(&text.to_ascii_lowercase().as_str()) {
            return Ok(Self::Any);
        }
        if let Ok(class) = text.parse::<Class>() {
            return Ok(Self::of_class(class));
        }
        if text.starts_with("http://") || text.starts_with("https://") {
            return NamedNode::new(text)
                .map(Self::Scheme)
                .map_err(|e| ParseError(format!("target {text:?} is not an IRI: {e}")));
        }
        Err(ParseError(format!(
            "unknown target {text:?}: occupations, skills, isco-groups, skill-groups, any or a scheme IRI (several with commas)"
        )))
    }
}

impl FromStr for Target {
    type Err = ParseError;

    /// `occupations`, `skills`, `isco-groups` (or `isco`), `skill-groups`, `any`, a scheme
    /// IRI, or several of them separated by commas; singular and plural, any case; a class of
    /// ESCO's model by its IRI too.
    fn from_str(text: &str) -> Result<Self, ParseError> {
        let mut parts: Vec<Self> = Vec::new();
        for part in text.split(',').map(str::trim) {
            if part.is_empty() {
                return Err(ParseError(if text.trim().is_empty() {
                    "the target is empty".to_owned()
                } else {
                    format!("target {text:?} has an empty part")
                }));
            }
            let target = Self::parse_one(part)?;
            if !parts.contains(&target) {
                parts.push(target);
            }
        }
        Ok(Self::union(parts))
    }
}

impl fmt::Display for Target {
    /// The canonical spelling, which parses back to the same target.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Occupations => f.write_str("occupations"),
            Self::Skills => f.write_str("skills"),
            Self::IscoGroups => f.write_str("isco-groups"),
            Self::SkillGroups => f.write_str("skill-groups"),
            Self::Any => f.write_str("any"),
            Self::Scheme(s) => f.write_str(s.as_str()),
            Self::Union(parts) => {
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{p}")?;
                }
                Ok(())
            }
        }
    }
}

impl serde::Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Target {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_of_a_class_names_it_in_any_case() {
        for (word, class) in [
            ("occupation", Class::Occupation),
            ("Occupations", Class::Occupation),
            ("skill", Class::Skill),
            ("isco", Class::IscoGroup),
            ("isco-groups", Class::IscoGroup),
            ("ISCOGroup", Class::IscoGroup),
            ("SkillGroup", Class::SkillGroup),
            ("skill-group", Class::SkillGroup),
            (
                "http://data.europa.eu/esco/model#Occupation",
                Class::Occupation,
            ),
        ] {
            assert_eq!(word.parse::<Class>(), Ok(class), "{word}");
            assert_eq!(
                word.parse::<Target>(),
                Ok(Target::of_class(class)),
                "{word}"
            );
        }
        assert!("planet".parse::<Class>().is_err());
        assert!("concept".parse::<Class>().is_err());
    }

    #[test]
    fn targets_parse_back_from_their_display() {
        for text in [
            "occupations",
            "isco-groups",
            "any",
            "occupations,isco-groups",
            "skills,http://data.europa.eu/esco/concept-scheme/digital",
        ] {
            let target: Target = text.parse().unwrap();
            assert_eq!(target.to_string(), text);
            assert_eq!(target.to_string().parse::<Target>().unwrap(), target);
        }
        assert_eq!(
            "occupation, isco".parse::<Target>().unwrap().to_string(),
            "occupations,isco-groups"
        );
        assert_eq!("skills,skills".parse::<Target>(), Ok(Target::Skills));
        for bad in [
            "",
            "occupations,",
            "planets",
            "occupations,planets",
            "http://a b",
        ] {
            assert!(bad.parse::<Target>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_union_accepts_its_classes_only() {
        let pillar: Target = "occupations,isco-groups".parse().unwrap();
        assert!(pillar.accepts(Class::Occupation, &[]));
        assert!(pillar.accepts(Class::IscoGroup, &[]));
        assert!(!pillar.accepts(Class::Skill, &[]));
        assert_eq!(
            pillar.schemes(),
            vec![Class::Occupation.scheme(), Class::IscoGroup.scheme()]
        );
        assert_eq!(
            pillar.groups_through_occupations(),
            Some(Target::Occupations)
        );
        assert_eq!(Target::Any.schemes().len(), 4);
    }
}
