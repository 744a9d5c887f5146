//! The ESCO Web Service API's view of the store (its wire format is in `http::esco_api`): what
//! kind of resource an IRI is, which `_links` relations it has (the ESCO API splits SKOS
//! `broader`/`narrower` by the kind of the other end: an occupation's broader ISCO group and its
//! broader occupation), and what a resource holds (labels by language, notes, code, status).

use std::collections::BTreeMap;

use oxigraph::model::{NamedNode, NamedNodeRef};
use oxigraph::store::{StorageError, Store};

use crate::describe::Labels;
use crate::store::read;
use crate::vocab::{dcterms, esco, isothes, rdf, skos};

/// The ESCO API's class of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `esco:Occupation`.
    Occupation,
    /// `esco:Skill`.
    Skill,
    /// `esco:ISCOGroup`.
    IscoGroup,
    /// `esco:SkillGroup`.
    SkillGroup,
    /// `skos:ConceptScheme`.
    Scheme,
    /// Any other concept (skill types, reuse levels, ...).
    Other,
}

impl Kind {
    /// The kind of `iri`, by its most specific class; `None` when the store gives it none.
    pub fn of(store: &Store, iri: NamedNodeRef<'_>) -> Result<Option<Self>, StorageError> {
        let mut kind = None;
        for class in read::iri_objects(store, iri, rdf::TYPE)? {
            let k = match class.as_ref() {
                c if c == esco::OCCUPATION => Self::Occupation,
                c if c == esco::SKILL => Self::Skill,
                c if c == esco::ISCO_GROUP => Self::IscoGroup,
                c if c == esco::SKILL_GROUP => Self::SkillGroup,
                c if c == skos::CONCEPT_SCHEME => Self::Scheme,
                _ => Self::Other,
            };
            if kind.is_none_or(|old| old == Self::Other) {
                kind = Some(k);
            }
        }
        Ok(kind)
    }

    /// The kind of `iri`, [`Kind::Other`] when the store gives it no class.
    fn of_or_other(store: &Store, iri: NamedNodeRef<'_>) -> Result<Self, StorageError> {
        Ok(Self::of(store, iri)?.unwrap_or(Self::Other))
    }

    /// The ESCO API's `className`.
    pub fn class_name(self) -> &'static str {
        match self {
            Self::Occupation => "Occupation",
            Self::Skill => "Skill",
            Self::Scheme => "ConceptScheme",
            Self::IscoGroup | Self::SkillGroup | Self::Other => "Concept",
        }
    }

    /// The ESCO API's `classId`: the class's IRI.
    pub fn class_id(self) -> NamedNodeRef<'static> {
        match self {
            Self::Occupation => esco::OCCUPATION,
            Self::Skill => esco::SKILL,
            Self::IscoGroup => esco::ISCO_GROUP,
            Self::SkillGroup => esco::SKILL_GROUP,
            Self::Scheme => skos::CONCEPT_SCHEME,
            Self::Other => skos::CONCEPT,
        }
    }

    /// The `/resource/...` path that serves it.
    pub fn path(self) -> &'static str {
        match self {
            Self::Occupation => "occupation",
            Self::Skill => "skill",
            Self::Scheme => "taxonomy",
            Self::IscoGroup | Self::SkillGroup | Self::Other => "concept",
        }
    }
}

/// Every relation name `/resource/related` knows.
pub const RELATIONS: &[&str] = &[
    "isInScheme",
    "hasTopConcept",
    "isTopConceptInScheme",
    "broaderIscoGroup",
    "broaderOccupation",
    "narrowerOccupation",
    "hasEssentialSkill",
    "hasOptionalSkill",
    "hasSkillType",
    "hasReuseLevel",
    "broaderSkill",
    "broaderHierarchyConcept",
    "narrowerSkill",
    "isEssentialForOccupation",
    "isOptionalForOccupation",
    "isEssentialForSkill",
    "isOptionalForSkill",
    "broaderConcept",
    "narrowerConcept",
];

/// Which way a property is read.
#[derive(Clone, Copy)]
enum Way {
    /// The resource is the subject.
    Out,
    /// The resource is the object.
    In,
}

/// Which resources at the other end count.
#[derive(Clone, Copy)]
enum Only {
    All,
    Kind(Kind),
    NotKind(Kind),
}

/// One relation of the ESCO API read from one property: (name, property, way, which ends).
type Rule = (&'static str, NamedNodeRef<'static>, Way, Only);

const SCHEME: &[Rule] = &[
    ("hasTopConcept", skos::HAS_TOP_CONCEPT, Way::Out, Only::All),
    ("hasTopConcept", skos::TOP_CONCEPT_OF, Way::In, Only::All),
];

const OCCUPATION: &[Rule] = &[
    ("isInScheme", skos::IN_SCHEME, Way::Out, Only::All),
    (
        "hasEssentialSkill",
        esco::RELATED_ESSENTIAL_SKILL,
        Way::Out,
        Only::All,
    ),
    (
        "hasOptionalSkill",
        esco::RELATED_OPTIONAL_SKILL,
        Way::Out,
        Only::All,
    ),
    (
        "broaderIscoGroup",
        esco::MEMBER_OF_ISCO_GROUP,
        Way::Out,
        Only::All,
    ),
    (
        "broaderIscoGroup",
        skos::BROADER,
        Way::Out,
        Only::Kind(Kind::IscoGroup),
    ),
    (
        "broaderOccupation",
        skos::BROADER,
        Way::Out,
        Only::NotKind(Kind::IscoGroup),
    ),
    ("narrowerOccupation", skos::NARROWER, Way::Out, Only::All),
];

const SKILL: &[Rule] = &[
    ("isInScheme", skos::IN_SCHEME, Way::Out, Only::All),
    (
        "hasEssentialSkill",
        esco::RELATED_ESSENTIAL_SKILL,
        Way::Out,
        Only::All,
    ),
    (
        "hasOptionalSkill",
        esco::RELATED_OPTIONAL_SKILL,
        Way::Out,
        Only::All,
    ),
    ("hasSkillType", esco::SKILL_TYPE, Way::Out, Only::All),
    (
        "hasReuseLevel",
        esco::SKILL_REUSE_LEVEL,
        Way::Out,
        Only::All,
    ),
    (
        "broaderSkill",
        skos::BROADER,
        Way::Out,
        Only::Kind(Kind::Skill),
    ),
    (
        "broaderHierarchyConcept",
        skos::BROADER,
        Way::Out,
        Only::NotKind(Kind::Skill),
    ),
    ("narrowerSkill", skos::NARROWER, Way::Out, Only::All),
    (
        "isEssentialForOccupation",
        esco::IS_ESSENTIAL_SKILL_FOR,
        Way::Out,
        Only::All,
    ),
    (
        "isOptionalForOccupation",
        esco::IS_OPTIONAL_SKILL_FOR,
        Way::Out,
        Only::All,
    ),
    (
        "isEssentialForSkill",
        esco::RELATED_ESSENTIAL_SKILL,
        Way::In,
        Only::Kind(Kind::Skill),
    ),
    (
        "isOptionalForSkill",
        esco::RELATED_OPTIONAL_SKILL,
        Way::In,
        Only::Kind(Kind::Skill),
    ),
];

const CONCEPT: &[Rule] = &[
    ("isInScheme", skos::IN_SCHEME, Way::Out, Only::All),
    (
        "isTopConceptInScheme",
        skos::TOP_CONCEPT_OF,
        Way::Out,
        Only::All,
    ),
    ("broaderConcept", skos::BROADER, Way::Out, Only::All),
    ("narrowerConcept", skos::NARROWER, Way::Out, Only::All),
    (
        "narrowerOccupation",
        skos::NARROWER,
        Way::Out,
        Only::Kind(Kind::Occupation),
    ),
    (
        "narrowerSkill",
        skos::NARROWER,
        Way::Out,
        Only::Kind(Kind::Skill),
    ),
];

/// The related resources of `iri` (of kind `kind`) by relation name, each list in the order
/// its rules read them, without repeats; relations with nothing are left out.
pub fn relations(
    store: &Store,
    iri: NamedNodeRef<'_>,
    kind: Kind,
) -> Result<BTreeMap<&'static str, Vec<NamedNode>>, StorageError> {
    let rules = match kind {
        Kind::Scheme => SCHEME,
        Kind::Occupation => OCCUPATION,
        Kind::Skill => SKILL,
        Kind::IscoGroup | Kind::SkillGroup | Kind::Other => CONCEPT,
    };
    let mut out: BTreeMap<&'static str, Vec<NamedNode>> = BTreeMap::new();
    for &(name, property, way, only) in rules {
        let ends = match way {
            Way::Out => read::iri_objects(store, iri, property)?,
            Way::In => read::iri_subjects(store, property, iri)?,
        };
        for end in ends {
            let keep = match only {
                Only::All => true,
                Only::Kind(k) => Kind::of_or_other(store, end.as_ref())? == k,
                Only::NotKind(k) => Kind::of_or_other(store, end.as_ref())? != k,
            };
            let list = out.entry(name).or_default();
            if keep && !list.contains(&end) {
                list.push(end);
            }
        }
    }
    out.retain(|_, list| !list.is_empty());
    Ok(out)
}

/// What a resource holds, as the ESCO API shows it.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Its kind.
    pub kind: Kind,
    /// Its IRI.
    pub iri: NamedNode,
    /// Its preferred label per language (the first per language; untagged as `en`).
    pub preferred: BTreeMap<String, String>,
    /// Its alternative labels per language.
    pub alternative: BTreeMap<String, Vec<String>>,
    /// Its description, definition and scope note per language (first per language; untagged
    /// as `en`), by the ESCO API's key.
    pub notes: BTreeMap<&'static str, BTreeMap<String, String>>,
    /// Its code (`skos:notation`).
    pub code: Option<String>,
    /// Its status (`released` unless the store says).
    pub status: String,
    /// Its related resources by relation name.
    pub relations: BTreeMap<&'static str, Vec<NamedNode>>,
}

/// The notes a resource shows: (ESCO API key, property).
const NOTES: [(&str, NamedNodeRef<'static>); 3] = [
    ("description", dcterms::DESCRIPTION),
    ("definition", skos::DEFINITION),
    ("scopeNote", skos::SCOPE_NOTE),
];

/// Untagged text counts as English.
fn or_en(lang: String) -> String {
    if lang.is_empty() {
        "en".to_owned()
    } else {
        lang
    }
}

/// The resource `iri`; `None` when the store gives it no class.
pub fn resource(
    store: &Store,
    labels: &Labels,
    iri: &NamedNode,
) -> Result<Option<Resource>, StorageError> {
    let Some(kind) = Kind::of(store, iri.as_ref())? else {
        return Ok(None);
    };
    let mut preferred = BTreeMap::new();
    for l in labels.all(iri.as_str()) {
        preferred
            .entry(l.language().unwrap_or("en").to_owned())
            .or_insert_with(|| l.value().to_owned());
    }
    let mut alternative: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (lang, text) in read::literals(store, iri.as_ref(), skos::ALT_LABEL)? {
        alternative.entry(lang).or_default().push(text);
    }
    let mut notes = BTreeMap::new();
    for (key, property) in NOTES {
        let mut by_lang = BTreeMap::new();
        for (lang, text) in read::literals(store, iri.as_ref(), property)? {
            by_lang.entry(or_en(lang)).or_insert(text);
        }
        if !by_lang.is_empty() {
            notes.insert(key, by_lang);
        }
    }
    let code = read::literals(store, iri.as_ref(), skos::NOTATION)?
        .into_iter()
        .next()
        .map(|(_, code)| code);
    let status = read::literals(store, iri.as_ref(), isothes::STATUS)?
        .into_iter()
        .next()
        .map_or_else(|| "released".to_owned(), |(_, s)| s);
    Ok(Some(Resource {
        kind,
        iri: iri.clone(),
        preferred,
        alternative,
        notes,
        code,
        status,
        relations: relations(store, iri.as_ref(), kind)?,
    }))
}

/// What a link to a resource says besides where it points: its kind, and a skill's type or an
/// ISCO group's code.
#[derive(Debug, Clone)]
pub struct LinkEnd {
    /// Its kind.
    pub kind: Kind,
    /// A skill's type (its IRI).
    pub skill_type: Option<String>,
    /// An ISCO group's code.
    pub code: Option<String>,
}

/// What a link to `iri` says.
pub fn link_end(store: &Store, iri: NamedNodeRef<'_>) -> Result<LinkEnd, StorageError> {
    let kind = Kind::of_or_other(store, iri)?;
    let (mut skill_type, mut code) = (None, None);
    match kind {
        Kind::Skill => {
            skill_type = read::iri_objects(store, iri, esco::SKILL_TYPE)?
                .into_iter()
                .next()
                .map(NamedNode::into_string);
        }
        Kind::IscoGroup => {
            code = read::literals(store, iri, skos::NOTATION)?
                .into_iter()
                .next()
                .map(|(_, c)| c);
        }
        Kind::Occupation | Kind::SkillGroup | Kind::Scheme | Kind::Other => {}
    }
    Ok(LinkEnd {
        kind,
        skill_type,
        code,
    })
}
