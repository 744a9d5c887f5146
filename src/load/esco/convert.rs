//! One ESCO release's CSV tables to SKOS quads in the release's named graph.

use std::collections::{BTreeMap, HashSet};

use oxigraph::model::{Literal, NamedNode};
use serde::Serialize;

use super::{FileKind, ReleaseTables, COLLECTIONS};
use crate::load::sink::QuadSink;
use crate::load::table::{Row, Table};
use crate::load::LoadError;
use crate::vocab::{dcterms, esco, isothes, mint, owl, rdf, skos, void, xsd};

/// What the source tables of a release held, counted while converting them.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ReleaseReport {
    /// Release version.
    pub version: String,
    /// Its named graph.
    pub graph: String,
    /// Languages of its tables.
    pub languages: Vec<String>,
    /// Occupations (distinct URIs).
    pub occupations: u64,
    /// Skills (distinct URIs), all types.
    pub skills: u64,
    /// Skills of type knowledge.
    pub knowledge: u64,
    /// Skills of type skill/competence.
    pub skill_competence: u64,
    /// ISCO groups.
    pub isco_groups: u64,
    /// Skill groups of the skillGroups table.
    pub skill_groups: u64,
    /// Skill groups named only by the skills hierarchy table.
    pub hierarchy_only_skill_groups: u64,
    /// Concept schemes.
    pub concept_schemes: u64,
    /// Occupation–skill relation rows.
    pub occupation_skill_relations: u64,
    /// Of which essential.
    pub essential_occupation_skill_relations: u64,
    /// Skill–skill relation rows.
    pub skill_skill_relations: u64,
    /// Broader relation rows, occupation pillar.
    pub broader_occupation_pillar: u64,
    /// Broader relation rows, skill pillar.
    pub broader_skill_pillar: u64,
    /// Members per collection slug.
    pub collections: BTreeMap<String, u64>,
    /// Labels (pref, alt, hidden) per language.
    pub labels: BTreeMap<String, u64>,
    /// Quads written.
    pub quads: u64,
}

/// Splits a multi-valued cell: ESCO separates values by newlines (and, in `inScheme`, commas;
/// in collection files, ` | `).
fn split_values<'v>(cell: &'v str, separators: &'v [char]) -> impl Iterator<Item = &'v str> {
    cell.split(separators)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn iri(row: &Row<'_>, column: &str, value: &str) -> Result<NamedNode, LoadError> {
    NamedNode::new(value).map_err(|e| row.error(column, format!("{value:?} is not an IRI: {e}")))
}

fn required_iri(row: &Row<'_>, column: &str) -> Result<NamedNode, LoadError> {
    let value = row.required(column)?;
    iri(row, column, value)
}

const NEWLINE: &[char] = &['\n', '\r'];
const SCHEMES: &[char] = &['\n', '\r', ','];
const PIPE: &[char] = &['|', '\n', '\r'];

/// Emits the labels and notes of a concept in one language; returns the number of labels.
pub(super) fn emit_labels(
    sink: &mut QuadSink<'_>,
    uri: &NamedNode,
    row: &Row<'_>,
    lang: &str,
    alt_separators: &[char],
) -> Result<u64, LoadError> {
    let mut labels = 0;
    let pref = row.get("preferredLabel");
    if !pref.is_empty() {
        sink.add_text(uri, skos::PREF_LABEL, pref, lang)?;
        labels += 1;
    }
    for (column, property) in [
        ("altLabels", skos::ALT_LABEL),
        ("hiddenLabels", skos::HIDDEN_LABEL),
    ] {
        for value in split_values(row.get(column), alt_separators) {
            // SKOS S13: a label that is the preferred one is not also alternative or hidden.
            if value != pref {
                sink.add_text(uri, property, value, lang)?;
                labels += 1;
            }
        }
    }
    sink.add_text(uri, dcterms::DESCRIPTION, row.get("description"), lang)?;
    sink.add_text(uri, skos::DEFINITION, row.get("definition"), lang)?;
    sink.add_text(uri, skos::SCOPE_NOTE, row.get("scopeNote"), lang)?;
    Ok(labels)
}

struct Converter<'s, 'a> {
    sink: &'s mut QuadSink<'a>,
    /// Concepts whose structure (types, schemes, codes) was emitted.
    structured: HashSet<String>,
    /// (concept, language) pairs labelled by a main table.
    labelled: HashSet<(String, String)>,
    members: HashSet<(usize, String)>,
    report: ReleaseReport,
}

/// The concepts of a release and the (concept, language) pairs that have labels: what a label
/// supplement needs to know.
#[derive(Debug, Default)]
pub struct ReleaseIndex {
    /// Concept IRIs.
    pub concepts: HashSet<String>,
    /// (concept IRI, language) pairs with a preferred label.
    pub labelled: HashSet<(String, String)>,
}

/// Converts the tables of a full release into its named graph.
pub fn convert_release(
    release: &ReleaseTables,
    sink: &mut QuadSink<'_>,
) -> Result<(ReleaseReport, ReleaseIndex), LoadError> {
    let graph = mint::release_graph(&release.version);
    sink.set_graph(NamedNode::new_unchecked(graph.clone()));
    let start = sink.written();
    let mut tables: Vec<&(FileKind, Option<String>, Table)> = release.tables.iter().collect();
    // Structure comes from the first table that names a concept: English first.
    tables.sort_by_key(|(kind, lang, table)| {
        (
            *kind,
            lang.as_deref() != Some("en"),
            lang.clone(),
            table.origin.clone(),
        )
    });
    let mut conv = Converter {
        sink,
        structured: HashSet::new(),
        labelled: HashSet::new(),
        members: HashSet::new(),
        report: ReleaseReport {
            version: release.version.clone(),
            graph,
            languages: release.languages(),
            ..ReleaseReport::default()
        },
    };
    conv.describe_release(release)?;
    for (kind, lang, table) in tables {
        let lang = lang.as_deref().unwrap_or("en");
        match kind {
            FileKind::ConceptSchemes => conv.concept_schemes(table, lang)?,
            FileKind::IscoGroups
            | FileKind::Occupations
            | FileKind::SkillGroups
            | FileKind::Skills => {
                conv.concepts(*kind, table, lang)?;
            }
            FileKind::SkillsHierarchy => conv.hierarchy(table, lang)?,
            FileKind::Collection(i) => conv.collection(*i, table, lang)?,
            FileKind::BroaderOccupations | FileKind::BroaderSkills => conv.broader(*kind, table)?,
            FileKind::OccupationSkillRelations => conv.occupation_skills(table)?,
            FileKind::SkillSkillRelations => conv.skill_skills(table)?,
        }
    }
    conv.report.quads = conv.sink.written() - start;
    let index = ReleaseIndex {
        concepts: conv.structured,
        labelled: conv.labelled,
    };
    Ok((conv.report, index))
}

impl Converter<'_, '_> {
    fn describe_release(&mut self, release: &ReleaseTables) -> Result<(), LoadError> {
        let g = NamedNode::new_unchecked(self.report.graph.clone());
        self.sink.add(g.clone(), rdf::TYPE, esco::RELEASE)?;
        self.sink.add(g.clone(), rdf::TYPE, void::DATASET)?;
        self.sink.add(
            g.clone(),
            owl::VERSION_INFO,
            Literal::new_simple_literal(&release.version),
        )?;
        self.sink.add(
            g.clone(),
            dcterms::TITLE,
            Literal::new_simple_literal(format!("ESCO v{}", release.version)),
        )?;
        self.sink.add(
            g.clone(),
            dcterms::RIGHTS,
            Literal::new_simple_literal(crate::ATTRIBUTION),
        )?;
        let mut sources: Vec<String> = release
            .tables
            .iter()
            .map(|(_, _, t)| {
                t.container
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        sources.sort();
        sources.dedup();
        for source in sources {
            self.sink.add(
                g.clone(),
                dcterms::SOURCE,
                Literal::new_simple_literal(source),
            )?;
        }
        for lang in release.languages() {
            self.sink.add(
                g.clone(),
                dcterms::LANGUAGE,
                Literal::new_simple_literal(lang),
            )?;
        }
        Ok(())
    }

    fn count_labels(&mut self, lang: &str, n: u64) {
        *self.report.labels.entry(lang.to_owned()).or_default() += n;
    }

    fn concept_schemes(&mut self, table: &Table, lang: &str) -> Result<(), LoadError> {
        table.for_each_row(&["conceptSchemeUri", "preferredLabel"], |row| {
            let scheme = required_iri(row, "conceptSchemeUri")?;
            if self.structured.insert(scheme.as_str().to_owned()) {
                self.report.concept_schemes += 1;
                self.sink
                    .add(scheme.clone(), rdf::TYPE, skos::CONCEPT_SCHEME)?;
                let status = row.get("status");
                if !status.is_empty() {
                    self.sink.add(
                        scheme.clone(),
                        isothes::STATUS,
                        Literal::new_simple_literal(status),
                    )?;
                }
                for top in split_values(row.get("hasTopConcept"), SCHEMES) {
                    let top = iri(row, "hasTopConcept", top)?;
                    self.sink
                        .add(scheme.clone(), skos::HAS_TOP_CONCEPT, top.clone())?;
                    self.sink.add(top, skos::TOP_CONCEPT_OF, scheme.clone())?;
                }
            }
            self.sink
                .add_text(&scheme, skos::PREF_LABEL, row.get("preferredLabel"), lang)?;
            self.sink
                .add_text(&scheme, dcterms::TITLE, row.get("title"), lang)?;
            self.sink
                .add_text(&scheme, dcterms::DESCRIPTION, row.get("description"), lang)?;
            Ok(())
        })?;
        Ok(())
    }

    fn concepts(&mut self, kind: FileKind, table: &Table, lang: &str) -> Result<(), LoadError> {
        table.for_each_row(&["conceptUri", "preferredLabel"], |row| {
            let uri = required_iri(row, "conceptUri")?;
            if self.structured.insert(uri.as_str().to_owned()) {
                self.structure(kind, &uri, row)?;
            }
            if self
                .labelled
                .insert((uri.as_str().to_owned(), lang.to_owned()))
            {
                let n = emit_labels(self.sink, &uri, row, lang, NEWLINE)?;
                self.count_labels(lang, n);
            }
            Ok(())
        })?;
        Ok(())
    }

    fn structure(
        &mut self,
        kind: FileKind,
        uri: &NamedNode,
        row: &Row<'_>,
    ) -> Result<(), LoadError> {
        let sink = &mut *self.sink;
        sink.add(uri.clone(), rdf::TYPE, skos::CONCEPT)?;
        for scheme in split_values(row.get("inScheme"), SCHEMES) {
            sink.add(uri.clone(), skos::IN_SCHEME, iri(row, "inScheme", scheme)?)?;
        }
        let code = row.get("code");
        if !code.is_empty() {
            sink.add(
                uri.clone(),
                skos::NOTATION,
                Literal::new_simple_literal(code),
            )?;
        }
        let status = row.get("status");
        if !status.is_empty() {
            sink.add(
                uri.clone(),
                isothes::STATUS,
                Literal::new_simple_literal(status),
            )?;
        }
        let modified = row.get("modifiedDate");
        if !modified.is_empty() {
            if !looks_like_date_time(modified) {
                return Err(row.error(
                    "modifiedDate",
                    format!("{modified:?} is not an xsd:dateTime"),
                ));
            }
            sink.add(
                uri.clone(),
                dcterms::MODIFIED,
                Literal::new_typed_literal(modified, xsd::DATE_TIME),
            )?;
        }
        match kind {
            FileKind::Occupations => {
                self.report.occupations += 1;
                sink.add(uri.clone(), rdf::TYPE, esco::OCCUPATION)?;
                let isco = row.get("iscoGroup");
                if !isco.is_empty() {
                    let group = iri(row, "iscoGroup", &format!("{}isco/C{isco}", mint::ESCO))?;
                    sink.add(uri.clone(), esco::MEMBER_OF_ISCO_GROUP, group)?;
                }
                let note = row.get("regulatedProfessionNote");
                if note.starts_with("http://") || note.starts_with("https://") {
                    sink.add(
                        uri.clone(),
                        esco::REGULATED_PROFESSION_NOTE,
                        iri(row, "regulatedProfessionNote", note)?,
                    )?;
                } else if !note.is_empty() {
                    sink.add(
                        uri.clone(),
                        esco::REGULATED_PROFESSION_NOTE,
                        Literal::new_simple_literal(note),
                    )?;
                }
            }
            FileKind::Skills => {
                self.report.skills += 1;
                sink.add(uri.clone(), rdf::TYPE, esco::SKILL)?;
                match row.get("skillType") {
                    "" => {}
                    "knowledge" => {
                        self.report.knowledge += 1;
                        sink.add(uri.clone(), rdf::TYPE, esco::KNOWLEDGE)?;
                        sink.add(
                            uri.clone(),
                            esco::SKILL_TYPE,
                            NamedNode::new_unchecked(format!("{}skill-type/knowledge", mint::ESCO)),
                        )?;
                    }
                    "skill/competence" => {
                        self.report.skill_competence += 1;
                        sink.add(uri.clone(), rdf::TYPE, esco::SKILL_COMPETENCE)?;
                        sink.add(
                            uri.clone(),
                            esco::SKILL_TYPE,
                            NamedNode::new_unchecked(format!("{}skill-type/skill", mint::ESCO)),
                        )?;
                    }
                    other => {
                        return Err(row.error("skillType", format!("unknown skill type {other:?}")))
                    }
                }
                match row.get("reuseLevel") {
                    "" => {}
                    level @ ("transversal"
                    | "cross-sector"
                    | "sector-specific"
                    | "occupation-specific") => {
                        let level = NamedNode::new_unchecked(format!(
                            "{}skill-reuse-level/{level}",
                            mint::ESCO
                        ));
                        sink.add(uri.clone(), esco::SKILL_REUSE_LEVEL, level)?;
                    }
                    other => {
                        return Err(
                            row.error("reuseLevel", format!("unknown reuse level {other:?}"))
                        )
                    }
                }
            }
            FileKind::IscoGroups => {
                self.report.isco_groups += 1;
                sink.add(uri.clone(), rdf::TYPE, esco::ISCO_GROUP)?;
            }
            FileKind::SkillGroups => {
                self.report.skill_groups += 1;
                sink.add(uri.clone(), rdf::TYPE, esco::SKILL_GROUP)?;
            }
            FileKind::ConceptSchemes
            | FileKind::SkillsHierarchy
            | FileKind::Collection(_)
            | FileKind::BroaderOccupations
            | FileKind::BroaderSkills
            | FileKind::OccupationSkillRelations
            | FileKind::SkillSkillRelations => unreachable!("not a concept table"),
        }
        Ok(())
    }

    /// The hierarchy table repeats the skill groups; it alone names a few groups that broader
    /// relations point at, which are added here as skill groups of the hierarchy scheme.
    fn hierarchy(&mut self, table: &Table, lang: &str) -> Result<(), LoadError> {
        table.for_each_row(&["Level 0 URI", "Level 0 preferred term"], |row| {
            for level in 0..4 {
                let column = format!("Level {level} URI");
                let value = row.get(&column);
                if value.is_empty() {
                    continue;
                }
                let uri = iri(row, &column, value)?;
                if self.structured.insert(value.to_owned()) {
                    self.report.hierarchy_only_skill_groups += 1;
                    self.sink.add(uri.clone(), rdf::TYPE, skos::CONCEPT)?;
                    self.sink.add(uri.clone(), rdf::TYPE, esco::SKILL_GROUP)?;
                    for scheme in ["skills-hierarchy", "skills"] {
                        let scheme = NamedNode::new_unchecked(format!(
                            "{}concept-scheme/{scheme}",
                            mint::ESCO
                        ));
                        self.sink.add(uri.clone(), skos::IN_SCHEME, scheme)?;
                    }
                    let code = row.get(&format!("Level {level} code"));
                    if !code.is_empty() {
                        self.sink.add(
                            uri.clone(),
                            skos::NOTATION,
                            Literal::new_simple_literal(code),
                        )?;
                    }
                }
                if self.labelled.insert((value.to_owned(), lang.to_owned())) {
                    let label = row.get(&format!("Level {level} preferred term"));
                    self.sink.add_text(&uri, skos::PREF_LABEL, label, lang)?;
                    self.count_labels(lang, u64::from(!label.is_empty()));
                }
            }
            Ok(())
        })?;
        Ok(())
    }

    fn collection(&mut self, index: usize, table: &Table, lang: &str) -> Result<(), LoadError> {
        let spec = &COLLECTIONS[index];
        let collection = NamedNode::new_unchecked(mint::collection(spec.slug));
        self.sink
            .add(collection.clone(), rdf::TYPE, skos::COLLECTION)?;
        self.sink
            .add_text(&collection, skos::PREF_LABEL, spec.label, "en")?;
        if let Some(scheme) = spec.scheme {
            self.sink.add(
                collection.clone(),
                esco::COLLECTION_SCHEME,
                NamedNode::new_unchecked(scheme),
            )?;
        }
        table.for_each_row(&["conceptUri", "preferredLabel"], |row| {
            let uri = required_iri(row, "conceptUri")?;
            if self.members.insert((index, uri.as_str().to_owned())) {
                *self
                    .report
                    .collections
                    .entry(spec.slug.to_owned())
                    .or_default() += 1;
                self.sink
                    .add(collection.clone(), skos::MEMBER, uri.clone())?;
            }
            // Collection files carry labels in languages the concept tables may lack
            // (there is no French skills table): use them only then.
            if self
                .labelled
                .insert((uri.as_str().to_owned(), lang.to_owned()))
            {
                let n = emit_labels(self.sink, &uri, row, lang, PIPE)?;
                self.count_labels(lang, n);
            }
            Ok(())
        })?;
        Ok(())
    }

    fn broader(&mut self, kind: FileKind, table: &Table) -> Result<(), LoadError> {
        let n = table.for_each_row(&["conceptUri", "broaderUri"], |row| {
            let narrower = required_iri(row, "conceptUri")?;
            let broader = required_iri(row, "broaderUri")?;
            self.sink
                .add(narrower.clone(), skos::BROADER, broader.clone())?;
            self.sink.add(broader, skos::NARROWER, narrower)?;
            Ok(())
        })?;
        if kind == FileKind::BroaderOccupations {
            self.report.broader_occupation_pillar += n;
        } else {
            self.report.broader_skill_pillar += n;
        }
        Ok(())
    }

    fn occupation_skills(&mut self, table: &Table) -> Result<(), LoadError> {
        table.for_each_row(&["occupationUri", "relationType", "skillUri"], |row| {
            let occupation = required_iri(row, "occupationUri")?;
            let skill = required_iri(row, "skillUri")?;
            let (forward, inverse) = match row.get("relationType") {
                "essential" => {
                    self.report.essential_occupation_skill_relations += 1;
                    (esco::RELATED_ESSENTIAL_SKILL, esco::IS_ESSENTIAL_SKILL_FOR)
                }
                "optional" => (esco::RELATED_OPTIONAL_SKILL, esco::IS_OPTIONAL_SKILL_FOR),
                other => {
                    return Err(row.error(
                        "relationType",
                        format!("expected essential or optional, found {other:?}"),
                    ))
                }
            };
            self.report.occupation_skill_relations += 1;
            self.sink.add(occupation.clone(), forward, skill.clone())?;
            self.sink.add(skill, inverse, occupation)?;
            Ok(())
        })?;
        Ok(())
    }

    fn skill_skills(&mut self, table: &Table) -> Result<(), LoadError> {
        table.for_each_row(
            &["originalSkillUri", "relationType", "relatedSkillUri"],
            |row| {
                let original = required_iri(row, "originalSkillUri")?;
                let related = required_iri(row, "relatedSkillUri")?;
                let property = match row.get("relationType") {
                    "essential" => esco::RELATED_ESSENTIAL_SKILL,
                    "optional" => esco::RELATED_OPTIONAL_SKILL,
                    other => {
                        return Err(row.error(
                            "relationType",
                            format!("expected essential or optional, found {other:?}"),
                        ))
                    }
                };
                self.report.skill_skill_relations += 1;
                self.sink.add(original, property, related)?;
                Ok(())
            },
        )?;
        Ok(())
    }
}

/// `YYYY-MM-DDThh:mm:ss` with an optional fraction and zone: enough to keep typos out of
/// `xsd:dateTime` literals.
fn looks_like_date_time(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() >= 19
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_multi_valued_cells() {
        let v: Vec<_> = split_values("a\r\nb,\nc", SCHEMES).collect();
        assert_eq!(v, ["a", "b", "c"]);
        let v: Vec<_> = split_values("x | y z |", PIPE).collect();
        assert_eq!(v, ["x", "y z"]);
        assert_eq!(split_values("", NEWLINE).count(), 0);
    }

    #[test]
    fn date_times() {
        assert!(looks_like_date_time("2016-07-05T13:58:41Z"));
        assert!(looks_like_date_time("2016-07-05T13:58:41.123+02:00"));
        assert!(!looks_like_date_time("2016-07-05"));
        assert!(!looks_like_date_time("05/07/2016 13:58:41"));
    }
}
