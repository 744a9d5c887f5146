//! The official ESCO CSV bundle: which file is which, which release it belongs to, and its
//! conversion to SKOS.

mod convert;
mod labels;

pub use convert::{convert_release, ReleaseIndex, ReleaseReport};
pub use labels::{convert_label_supplement, LabelReport};

use std::path::Path;

use crate::load::table::Table;

/// What an ESCO CSV file holds, told by its name (`occupations_en.csv`, `skillSkillRelations.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    /// `conceptSchemes_xx.csv`
    ConceptSchemes,
    /// `ISCOGroups_xx.csv`
    IscoGroups,
    /// `occupations_xx.csv`
    Occupations,
    /// `skillGroups_xx.csv`
    SkillGroups,
    /// `skills_xx.csv`
    Skills,
    /// `skillsHierarchy_xx.csv`
    SkillsHierarchy,
    /// One of the collection files (`greenSkillsCollection_xx.csv`, ...).
    Collection(usize),
    /// `broaderRelationsOccPillar.csv`
    BroaderOccupations,
    /// `broaderRelationsSkillPillar.csv`
    BroaderSkills,
    /// `occupationSkillRelations.csv`
    OccupationSkillRelations,
    /// `skillSkillRelations.csv`
    SkillSkillRelations,
}

/// A collection that ESCO publishes as a CSV file, and the concept scheme that publishes the
/// same selection.
#[derive(Debug)]
pub struct CollectionSpec {
    /// File name without language and extension.
    pub file_stem: &'static str,
    /// Last segment of the collection IRI.
    pub slug: &'static str,
    /// English name.
    pub label: &'static str,
    /// The ESCO concept scheme of the same selection, if any.
    pub scheme: Option<&'static str>,
}

/// The collections of the bundle.
pub const COLLECTIONS: &[CollectionSpec] = &[
    CollectionSpec {
        file_stem: "greenSkillsCollection",
        slug: "green-skills",
        label: "Green skills",
        scheme: Some("http://data.europa.eu/esco/concept-scheme/green"),
    },
    CollectionSpec {
        file_stem: "digitalSkillsCollection",
        slug: "digital-skills",
        label: "Digital skills",
        scheme: Some(
            "http://data.europa.eu/esco/concept-scheme/6c930acd-c104-4ece-acf7-f44fd7333036",
        ),
    },
    CollectionSpec {
        file_stem: "digCompSkillsCollection",
        slug: "digcomp-skills",
        label: "DigComp skills",
        scheme: Some("http://data.europa.eu/esco/concept-scheme/digcomp"),
    },
    CollectionSpec {
        file_stem: "transversalSkillsCollection",
        slug: "transversal-skills",
        label: "Transversal skills",
        scheme: Some("http://data.europa.eu/esco/concept-scheme/skill-transversal-groups"),
    },
    CollectionSpec {
        file_stem: "languageSkillsCollection",
        slug: "language-skills",
        label: "Language skills",
        scheme: Some("http://data.europa.eu/esco/concept-scheme/skill-language-groups"),
    },
    CollectionSpec {
        file_stem: "researchSkillsCollection",
        slug: "research-skills",
        label: "Research skills",
        scheme: Some("http://data.europa.eu/esco/concept-scheme/research"),
    },
    CollectionSpec {
        file_stem: "researchOccupationsCollection",
        slug: "research-occupations",
        label: "Research occupations",
        scheme: Some(
            "http://data.europa.eu/esco/concept-scheme/8ae4b9f3-507e-4057-a145-2f96f0132613",
        ),
    },
];

/// Tells an ESCO bundle file by its name; returns its kind and language.
pub fn classify(file_name: &str) -> Option<(FileKind, Option<String>)> {
    let stem = file_name.strip_suffix(".csv")?;
    let (base, lang) = match stem.rsplit_once('_') {
        Some((base, lang)) if is_language(lang) => (base, Some(lang.to_ascii_lowercase())),
        _ => (stem, None),
    };
    let kind = match base {
        "conceptSchemes" => FileKind::ConceptSchemes,
        "ISCOGroups" => FileKind::IscoGroups,
        "occupations" => FileKind::Occupations,
        "skillGroups" => FileKind::SkillGroups,
        "skills" => FileKind::Skills,
        "skillsHierarchy" => FileKind::SkillsHierarchy,
        "broaderRelationsOccPillar" => FileKind::BroaderOccupations,
        "broaderRelationsSkillPillar" => FileKind::BroaderSkills,
        "occupationSkillRelations" => FileKind::OccupationSkillRelations,
        "skillSkillRelations" => FileKind::SkillSkillRelations,
        other => FileKind::Collection(COLLECTIONS.iter().position(|c| c.file_stem == other)?),
    };
    let needs_language = !matches!(
        kind,
        FileKind::BroaderOccupations
            | FileKind::BroaderSkills
            | FileKind::OccupationSkillRelations
            | FileKind::SkillSkillRelations
    );
    if needs_language && lang.is_none() {
        return None;
    }
    Some((kind, lang))
}

fn is_language(code: &str) -> bool {
    (2..=3).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphabetic())
        || code.len() == 5 && code.as_bytes()[2] == b'-' // pt-PT style
}

/// The ESCO release a source path names (`esco-v1.1.1-classification-en-csv.zip` → `1.1.1`):
/// the last `vX.Y.Z` or `X.Y.Z` token of the path; `vX.Y.x` names a release whose patch level
/// the source does not give (`esco-v1.0.x-skills` → `1.0.x`).
pub fn release_of(path: &Path) -> Option<String> {
    let text = path.to_string_lossy();
    let mut found = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit()
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'v')
        {
            let start = i;
            let mut dots = 0;
            while i < bytes.len()
                && (bytes[i].is_ascii_digit()
                    || bytes[i] == b'.' && i + 1 < bytes.len() && bytes[i + 1].is_ascii_digit())
            {
                if bytes[i] == b'.' {
                    dots += 1;
                }
                i += 1;
            }
            // `v1.0.x`: a release whose patch level its source does not give.
            let mut end = i;
            if dots == 1
                && bytes.get(i) == Some(&b'.')
                && bytes
                    .get(i + 1)
                    .is_some_and(|b| b.eq_ignore_ascii_case(&b'x'))
            {
                dots = 2;
                end = i + 2;
            }
            let ends_token = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
            if dots == 2 && ends_token {
                found = Some(text[start..end].to_ascii_lowercase());
            }
            i = end;
        } else {
            i += 1;
        }
    }
    found
}

/// The tables of one ESCO release, as gathered from the sources.
#[derive(Debug, Default)]
pub struct ReleaseTables {
    /// Version, e.g. `1.1.1`.
    pub version: String,
    /// The tables with their kind and language.
    pub tables: Vec<(FileKind, Option<String>, Table)>,
}

impl ReleaseTables {
    /// A full release has its concept schemes or relations; a release with only concept tables
    /// (such as the 26-language occupation labels of v1.0.8, or older skill labels) supplements
    /// another release.
    pub fn is_full(&self) -> bool {
        self.tables.iter().any(|(k, _, _)| {
            matches!(
                k,
                FileKind::ConceptSchemes
                    | FileKind::OccupationSkillRelations
                    | FileKind::SkillSkillRelations
                    | FileKind::BroaderOccupations
                    | FileKind::BroaderSkills
            )
        })
    }

    /// The languages present.
    pub fn languages(&self) -> Vec<String> {
        let mut langs: Vec<String> = self
            .tables
            .iter()
            .filter_map(|(_, l, _)| l.clone())
            .collect();
        langs.sort();
        langs.dedup();
        langs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_bundle_files() {
        assert_eq!(
            classify("occupations_en.csv"),
            Some((FileKind::Occupations, Some("en".into())))
        );
        assert_eq!(
            classify("ISCOGroups_fr.csv"),
            Some((FileKind::IscoGroups, Some("fr".into())))
        );
        assert_eq!(
            classify("skillSkillRelations.csv"),
            Some((FileKind::SkillSkillRelations, None))
        );
        assert_eq!(
            classify("occupationSkillRelations_en.csv").map(|c| c.0),
            Some(FileKind::OccupationSkillRelations)
        );
        assert_eq!(
            classify("greenSkillsCollection_en.csv"),
            Some((FileKind::Collection(0), Some("en".into())))
        );
        assert_eq!(
            classify("occupations.csv"),
            None,
            "a label table needs its language"
        );
        assert_eq!(classify("README.txt"), None);
        assert_eq!(classify("unknown_en.csv"), None);
    }

    #[test]
    fn release_from_path() {
        assert_eq!(
            release_of(Path::new(
                "data/esco-v1.1.1/esco-v1.1.1-classification-en-csv.zip"
            ))
            .as_deref(),
            Some("1.1.1")
        );
        assert_eq!(
            release_of(Path::new("data/esco-v1.0.8-occupations/x-26-languages.zip")).as_deref(),
            Some("1.0.8")
        );
        assert_eq!(
            release_of(Path::new("/tmp/esco_1.2.0/")).as_deref(),
            Some("1.2.0")
        );
        assert_eq!(
            release_of(Path::new("data/esco-v1.0.x-skills/skills_fr.csv")).as_deref(),
            Some("1.0.x")
        );
        assert_eq!(release_of(Path::new("esco-v1.0.xyz")), None);
        assert_eq!(release_of(Path::new("tests/fixtures/esco")), None);
        assert_eq!(release_of(Path::new("esco-v1.2-beta")), None);
    }
}
