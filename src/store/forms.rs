//! Surface forms: every label (preferred, alternative, hidden) in every language and every
//! description of every concept the matcher can propose, read from the store. Mapping triples
//! (`skos:*Match`) are never read: a crosswalk cannot leak into its own evaluation.

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

use oxigraph::model::{NamedNode, NamedNodeRef, NamedOrBlankNode, Term};
use oxigraph::store::{StorageError, Store};
use serde::Serialize;

use crate::concept::{Class, Target};
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

    /// Whether it is one of `target`'s concepts.
    pub fn is_in(&self, target: &Target) -> bool {
        target.accepts(self.class, &self.schemes)
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
        for class in Class::ALL {
            for quad in
                store.quads_for_pattern(None, Some(rdf::TYPE), Some(class.iri().into()), None)
            {
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

/// The snapshot file's first bytes.
const SNAPSHOT_MAGIC: &[u8] = b"esco-ld forms 1\n";

impl Forms {
    /// Writes the forms to `path` (replaced atomically), tagged with the store version `stamp`
    /// they were read at: reading them back is much quicker than reading the store.
    pub fn save(&self, path: &std::path::Path, stamp: &str) -> std::io::Result<()> {
        let mut out = Vec::with_capacity(64 << 20);
        out.extend_from_slice(SNAPSHOT_MAGIC);
        put_str(&mut out, stamp);
        out.extend_from_slice(&self.fingerprint.to_le_bytes());
        put_len(&mut out, self.concepts.len());
        for c in &self.concepts {
            put_str(&mut out, c.iri.as_str());
            out.push(Class::ALL.iter().position(|k| *k == c.class).unwrap_or(0) as u8);
            put_len(&mut out, c.schemes.len());
            for scheme in &c.schemes {
                put_str(&mut out, scheme.as_str());
            }
            let mut preferred: Vec<(&String, &String)> = c.preferred.iter().collect();
            preferred.sort();
            put_len(&mut out, preferred.len());
            for (lang, text) in preferred {
                put_str(&mut out, lang);
                put_str(&mut out, text);
            }
            put_str(&mut out, c.isco.as_deref().unwrap_or(""));
            out.push(u8::from(c.isco.is_some()));
            put_len(&mut out, c.codes.len());
            for code in &c.codes {
                put_str(&mut out, code);
            }
        }
        put_len(&mut out, self.forms.len());
        for f in &self.forms {
            out.extend_from_slice(&f.concept.to_le_bytes());
            out.push(
                FormKind::ALL
                    .iter()
                    .position(|(k, _)| *k == f.kind)
                    .unwrap_or(0) as u8,
            );
            put_str(&mut out, &f.lang);
            put_str(&mut out, &f.text);
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        crate::util::write_atomically(path, |w| std::io::Write::write_all(w, &out))
    }

    /// The forms saved in `path` if they were read at store version `stamp` (`None` when the
    /// file is missing, of another version, or damaged).
    pub fn load(path: &std::path::Path, stamp: &str) -> Option<Self> {
        let bytes = std::fs::read(path).ok()?;
        let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
        if checksum(body).to_le_bytes() != sum {
            return None;
        }
        let mut r = Reader(body);
        if r.take(SNAPSHOT_MAGIC.len())? != SNAPSHOT_MAGIC || r.str()? != stamp {
            return None;
        }
        let fingerprint = u64::from_le_bytes(r.take(8)?.try_into().ok()?);
        let n = r.len()?;
        let mut concepts = Vec::with_capacity(n);
        for _ in 0..n {
            let iri = NamedNode::new(r.str()?).ok()?;
            let class = *Class::ALL.get(usize::from(r.byte()?))?;
            let schemes = (0..r.len()?)
                .map(|_| NamedNode::new(r.str()?).ok())
                .collect::<Option<Vec<_>>>()?;
            let preferred = (0..r.len()?)
                .map(|_| Some((r.str()?.to_owned(), r.str()?.to_owned())))
                .collect::<Option<HashMap<_, _>>>()?;
            let isco = r.str()?.to_owned();
            let isco = (r.byte()? == 1).then_some(isco);
            let codes = (0..r.len()?)
                .map(|_| r.str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()?;
            concepts.push(Concept {
                iri,
                class,
                schemes,
                preferred,
                isco,
                codes,
            });
        }
        let n = r.len()?;
        let mut forms = Vec::with_capacity(n);
        for _ in 0..n {
            let concept = u32::from_le_bytes(r.take(4)?.try_into().ok()?);
            if concept as usize >= concepts.len() {
                return None;
            }
            let kind = FormKind::ALL.get(usize::from(r.byte()?))?.0;
            let lang = r.str()?.to_owned();
            let text = r.str()?.to_owned();
            forms.push(Form {
                concept,
                text,
                lang,
                kind,
            });
        }
        r.0.is_empty().then_some(Self {
            concepts,
            forms,
            fingerprint,
        })
    }
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// FNV-1a over 8-byte words: cheap, and enough to tell a damaged file.
fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        h ^= u64::from_le_bytes(w.try_into().unwrap_or_default());
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    for b in words.remainder() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^ bytes.len() as u64
}

/// Reads a snapshot front to back.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn len(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize)
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).ok()
    }
}
