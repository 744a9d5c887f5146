//! Surface forms: every label (preferred, alternative, hidden) in every language and every
//! description of every concept the matcher can propose, read from the store. Mapping triples
//! (`skos:*Match`) are never read: a crosswalk cannot leak into its own evaluation.

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

use oxigraph::model::{NamedNode, NamedNodeRef, NamedOrBlankNode, Term};
use oxigraph::store::{StorageError, Store};
use serde::Serialize;

use crate::vocab::{dcterms, esco, rdf, skos};

/// What a surface form is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FormKind {
    /// `skos:prefLabel`.
    Preferred,
    /// `skos:altLabel`.
    Alternative,
    /// `skos:hiddenLabel`.
    Hidden,
    /// `dcterms:description`.
    Description,
}

impl FormKind {
    const ALL: [(Self, NamedNodeRef<'static>); 4] = [
        (Self::Preferred, skos::PREF_LABEL),
        (Self::Alternative, skos::ALT_LABEL),
        (Self::Hidden, skos::HIDDEN_LABEL),
        (Self::Description, dcterms::DESCRIPTION),
    ];

    /// Whether the form is a label (a name), not a description.
    pub fn is_label(self) -> bool {
        !matches!(self, Self::Description)
    }
}

/// The classes a concept can be matched as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// `esco:Occupation`.
    Occupation,
    /// `esco:Skill`.
    Skill,
    /// `esco:ISCOGroup`.
    IscoGroup,
    /// `esco:SkillGroup`.
    SkillGroup,
}

impl Class {
    const ALL: [(Self, NamedNodeRef<'static>); 4] = [
        (Self::Occupation, esco::OCCUPATION),
        (Self::Skill, esco::SKILL),
        (Self::IscoGroup, esco::ISCO_GROUP),
        (Self::SkillGroup, esco::SKILL_GROUP),
    ];
}

/// A concept that can be proposed.
#[derive(Debug, Clone)]
pub struct Concept {
    /// Its IRI.
    pub iri: NamedNode,
    /// Its ESCO class.
    pub class: Class,
    /// Its schemes.
    pub schemes: Vec<NamedNode>,
    /// Its preferred labels by language.
    pub preferred: HashMap<String, String>,
    /// Its ISCO code (occupations: of the ISCO group it is a member of; groups: their own).
    pub isco: Option<String>,
    /// Its own codes (`skos:notation`), e.g. `2654.1.7` or `2631`.
    pub codes: Vec<String>,
}

impl Concept {
    /// The preferred label in `lang`, else English, else any.
    pub fn label(&self, lang: &str) -> Option<&str> {
        self.preferred
            .get(lang)
            .or_else(|| self.preferred.get("en"))
            .or_else(|| self.preferred.values().min())
            .map(String::as_str)
    }
}

/// One surface form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Form {
    /// Index into [`Forms::concepts`].
    pub concept: u32,
    /// The text.
    pub text: String,
    /// Its language tag (empty when it has none).
    pub lang: String,
    /// What it is.
    pub kind: FormKind,
}

/// All surface forms of the store.
#[derive(Debug, Default)]
pub struct Forms {
    /// The concepts, in IRI order.
    pub concepts: Vec<Concept>,
    /// The forms, sorted (concept, kind, lang, text), without repeats.
    pub forms: Vec<Form>,
    /// A fingerprint of every form and concept (changes when any does).
    pub fingerprint: u64,
}

impl Forms {
    /// Reads the forms of every occupation, skill, ISCO group and skill group.
    pub fn read(store: &Store) -> Result<Self, StorageError> {
        Self::read_kinds(store, true)
    }

    /// Reads the labels (no descriptions) of every occupation, skill, ISCO group and skill
    /// group.
    pub fn read_labels(store: &Store) -> Result<Self, StorageError> {
        Self::read_kinds(store, false)
    }

    fn read_kinds(store: &Store, descriptions: bool) -> Result<Self, StorageError> {
        let mut classes: HashMap<NamedNode, Class> = HashMap::new();
        for (class, iri) in Class::ALL {
            for quad in store.quads_for_pattern(None, Some(rdf::TYPE), Some(iri.into()), None) {
                if let NamedOrBlankNode::NamedNode(s) = quad?.subject {
                    // A skill is also skos:Concept etc.; the first ESCO class found wins.
                    classes.entry(s).or_insert(class);
                }
            }
        }
        let mut iris: Vec<&NamedNode> = classes.keys().collect();
        iris.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        let index: HashMap<&NamedNode, u32> = iris
            .iter()
            .enumerate()
            .map(|(i, n)| (*n, u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        let mut concepts: Vec<Concept> = iris
            .iter()
            .map(|iri| Concept {
                iri: (*iri).clone(),
                class: classes[*iri],
                schemes: Vec::new(),
                preferred: HashMap::new(),
                isco: None,
                codes: Vec::new(),
            })
            .collect();
        let mut forms = BTreeSet::new();
        for (kind, predicate) in FormKind::ALL {
            if kind == FormKind::Description && !descriptions {
                continue;
            }
            for quad in store.quads_for_pattern(None, Some(predicate), None, None) {
                let quad = quad?;
                let (NamedOrBlankNode::NamedNode(s), Term::Literal(l)) =
                    (&quad.subject, quad.object)
                else {
                    continue;
                };
                let Some(&i) = index.get(s) else { continue };
                let text = l.value().trim();
                if text.is_empty() {
                    continue;
                }
                let lang = l.language().unwrap_or_default().to_owned();
                if kind == FormKind::Preferred {
                    concepts[i as usize]
                        .preferred
                        .entry(lang.clone())
                        .or_insert_with(|| text.to_owned());
                }
                forms.insert((i, kind, lang, text.to_owned()));
            }
        }
        for quad in store.quads_for_pattern(None, Some(skos::IN_SCHEME), None, None) {
            let quad = quad?;
            if let (NamedOrBlankNode::NamedNode(s), Term::NamedNode(scheme)) =
                (&quad.subject, quad.object)
            {
                if let Some(&i) = index.get(s) {
                    let c = &mut concepts[i as usize];
                    if !c.schemes.contains(&scheme) {
                        c.schemes.push(scheme);
                    }
                }
            }
        }
        // ISCO codes: a group's own notation; an occupation's group's.
        let mut notation: HashMap<NamedNode, String> = HashMap::new();
        for quad in store.quads_for_pattern(None, Some(skos::NOTATION), None, None) {
            let quad = quad?;
            if let (NamedOrBlankNode::NamedNode(s), Term::Literal(l)) = (quad.subject, quad.object)
            {
                if let Some(&i) = index.get(&s) {
                    let codes = &mut concepts[i as usize].codes;
                    if !codes.iter().any(|c| c == l.value()) {
                        codes.push(l.value().to_owned());
                    }
                }
                if classes.get(&s) == Some(&Class::IscoGroup) {
                    notation.insert(s, l.value().to_owned());
                }
            }
        }
        for c in &mut concepts {
            if c.class == Class::IscoGroup {
                c.isco = notation.get(&c.iri).cloned();
            }
        }
        for quad in store.quads_for_pattern(None, Some(esco::MEMBER_OF_ISCO_GROUP), None, None) {
            let quad = quad?;
            if let (NamedOrBlankNode::NamedNode(s), Term::NamedNode(group)) =
                (&quad.subject, &quad.object)
            {
                if let (Some(&i), Some(code)) = (index.get(s), notation.get(group)) {
                    concepts[i as usize].isco = Some(code.clone());
                }
            }
        }
        for c in &mut concepts {
            c.schemes.sort_by(|a, b| a.as_str().cmp(b.as_str()));
            c.codes.sort();
        }
        let forms: Vec<Form> = forms
            .into_iter()
            .map(|(concept, kind, lang, text)| Form {
                concept,
                text,
                lang,
                kind,
            })
            .collect();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for c in &concepts {
            c.iri.as_str().hash(&mut h);
            c.class.hash(&mut h);
            c.codes.hash(&mut h);
        }
        forms.hash(&mut h);
        Ok(Self {
            concepts,
            forms,
            fingerprint: h.finish(),
        })
    }

    /// The languages of the labels.
    pub fn languages(&self) -> BTreeSet<&str> {
        self.forms
            .iter()
            .filter(|f| f.kind.is_label() && !f.lang.is_empty())
            .map(|f| f.lang.as_str())
            .collect()
    }
}
