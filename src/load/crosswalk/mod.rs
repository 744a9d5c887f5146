//! Crosswalks between ESCO and other classifications: read from mapping tables, written as
//! SKOS mapping triples in one named graph per crosswalk, described as a VoID linkset.

pub mod sssom;
pub mod table;

pub use table::{parse_relation, Classification, CrosswalkTable, MatchKind, Relation};

/// Whether the table is a crosswalk: a mapping table (EURES, O*NET) or SSSOM TSV.
pub fn is_crosswalk(table: &Table) -> bool {
    sssom::is_sssom(table) || table::is_crosswalk(table)
}

/// Reads a crosswalk table (mapping table or SSSOM TSV).
pub fn parse(table: &Table) -> Result<CrosswalkTable, LoadError> {
    if sssom::is_sssom(table) {
        sssom::parse(table)
    } else {
        table::parse(table)
    }
}

use std::collections::{BTreeMap, HashSet};

use oxigraph::model::{Literal, NamedNode, NamedNodeRef};
use serde::Serialize;

use crate::load::sink::QuadSink;
use crate::load::table::Table;
use crate::load::LoadError;
use crate::util::slugify;
use crate::vocab::{dcterms, esco, foaf, mint, owl, rdf, skos, void, xsd};

/// The SKOS property of a mapping relation.
pub fn property(kind: MatchKind) -> NamedNodeRef<'static> {
    match kind {
        MatchKind::Exact => skos::EXACT_MATCH,
        MatchKind::Close => skos::CLOSE_MATCH,
        MatchKind::Broad => skos::BROAD_MATCH,
        MatchKind::Narrow => skos::NARROW_MATCH,
    }
}

/// What an import wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CrosswalkReport {
    /// Crosswalk ID.
    pub id: String,
    /// Its graph and linkset IRI.
    pub graph: String,
    /// Name from the preamble.
    pub name: String,
    /// The file.
    pub source: String,
    /// Encoding and delimiter read.
    pub encoding: String,
    /// Data rows.
    pub rows: u64,
    /// Rows quoted whole and repaired.
    pub repaired_rows: u64,
    /// Rows that say there is no relation (skipped).
    pub no_relation_rows: u64,
    /// Distinct mapping triples per relation.
    pub links: BTreeMap<String, u64>,
    /// Rows per relation as spelled in the file.
    pub spellings: BTreeMap<String, u64>,
    /// Foreign concepts described.
    pub foreign_concepts: u64,
    /// The foreign classification's scheme.
    pub foreign_scheme: String,
}

impl CrosswalkReport {
    /// Total distinct mapping triples.
    pub fn total_links(&self) -> u64 {
        self.links.values().sum()
    }
}

/// Whether the IRI is an ESCO concept's (not a foreign concept or crosswalk minted under the
/// same URI space).
pub fn is_esco_uri(uri: &str) -> bool {
    uri.strip_prefix(mint::ESCO).is_some_and(|rest| {
        !["classification/", "crosswalk/", "project/", "curator/"]
            .iter()
            .any(|p| rest.starts_with(p))
    })
}

/// Which side of the table is ESCO: the one whose first URIs are ESCO URIs.
fn esco_side(cw: &CrosswalkTable) -> Option<usize> {
    let sample = cw.rows.iter().take(50);
    let (mut left, mut right) = (0, 0);
    for row in sample {
        left += usize::from(is_esco_uri(&row.left.uri));
        right += usize::from(is_esco_uri(&row.right.uri));
    }
    match (left > 0, right > 0) {
        (true, false) => Some(0),
        (false, true) => Some(1),
        _ => None,
    }
}

/// ID of a crosswalk: the project name as a slug, or the file name when there is none.
pub fn default_id(cw: &CrosswalkTable) -> String {
    let from_name = slugify(cw.meta("Mapping project name"));
    if from_name.is_empty() {
        slugify(cw.file_name.trim_end_matches(".csv"))
    } else {
        from_name
    }
}

/// Writes a parsed crosswalk into its graph `crosswalk/{id}`.
pub fn convert(
    cw: &CrosswalkTable,
    id: &str,
    sink: &mut QuadSink<'_>,
) -> Result<CrosswalkReport, LoadError> {
    let esco = esco_side(cw).ok_or_else(|| LoadError::Csv {
        origin: cw.origin.clone(),
        line: cw.rows.first().map_or(1, |r| r.line),
        message:
            "cannot tell which side is ESCO: one side must hold http://data.europa.eu/esco/ URIs"
                .into(),
    })?;
    let foreign = if esco == 0 { &cw.right } else { &cw.left };
    let foreign_name = if foreign.name.is_empty() {
        format!("{id} classification")
    } else {
        foreign.name.clone()
    };
    let slug = slugify(&foreign_name);
    let scheme = NamedNode::new_unchecked(mint::classification(&slug));
    let esco_scheme = NamedNode::new_unchecked(format!("{}concept-scheme/occupations", mint::ESCO));
    let graph = NamedNode::new_unchecked(mint::crosswalk(id));
    sink.set_graph(graph.clone());

    let mut report = CrosswalkReport {
        id: id.to_owned(),
        graph: graph.as_str().to_owned(),
        name: cw.meta("Mapping project name").to_owned(),
        source: cw.file_name.clone(),
        encoding: format!("{}, delimiter {:?}", cw.encoding, cw.delimiter),
        rows: cw.rows.len() as u64,
        repaired_rows: cw.repaired_rows,
        spellings: cw.spellings.clone(),
        foreign_scheme: scheme.as_str().to_owned(),
        ..CrosswalkReport::default()
    };

    // The foreign classification.
    sink.add(scheme.clone(), rdf::TYPE, skos::CONCEPT_SCHEME)?;
    sink.add_text(&scheme, skos::PREF_LABEL, &foreign_name, &foreign.language)?;
    if !foreign.version.is_empty() {
        sink.add(
            scheme.clone(),
            owl::VERSION_INFO,
            Literal::new_simple_literal(&foreign.version),
        )?;
    }
    if foreign.language != "und" {
        sink.add(
            scheme.clone(),
            dcterms::LANGUAGE,
            Literal::new_simple_literal(&foreign.language),
        )?;
    }
    if let Ok(page) = NamedNode::new(&foreign.landing_page) {
        sink.add(scheme.clone(), foaf::HOMEPAGE, page)?;
    }

    let mut concepts = HashSet::new();
    let mut links = HashSet::new();
    for row in &cw.rows {
        let Relation::Match(kind) = row.relation else {
            report.no_relation_rows += 1;
            continue;
        };
        let (left, right) = (&row.left, &row.right);
        let foreign_side = if esco == 0 { right } else { left };
        let esco_side = if esco == 0 { left } else { right };
        let column = |n: usize| format!("Classification {n}");
        let esco_uri = NamedNode::new(&esco_side.uri).map_err(|e| LoadError::Field {
            origin: cw.origin.clone(),
            line: row.line,
            column: format!("{} URI", column(esco + 1)),
            message: format!("{:?} is not an IRI: {e}", esco_side.uri),
        })?;
        let foreign_uri = if !foreign_side.uri.is_empty() {
            NamedNode::new(&foreign_side.uri).map_err(|e| LoadError::Field {
                origin: cw.origin.clone(),
                line: row.line,
                column: format!("{} URI", column(2 - esco)),
                message: format!("{:?} is not an IRI: {e}", foreign_side.uri),
            })?
        } else if !foreign_side.id.is_empty() {
            NamedNode::new_unchecked(mint::foreign_concept(&slug, &foreign_side.id))
        } else {
            return Err(LoadError::Field {
                origin: cw.origin.clone(),
                line: row.line,
                column: format!("{} URI/ID", column(2 - esco)),
                message: "the foreign concept has neither URI nor ID".into(),
            });
        };
        if concepts.insert(foreign_uri.as_str().to_owned()) {
            sink.add(foreign_uri.clone(), rdf::TYPE, skos::CONCEPT)?;
            sink.add(foreign_uri.clone(), skos::IN_SCHEME, scheme.clone())?;
            sink.add_text(
                &foreign_uri,
                skos::PREF_LABEL,
                &foreign_side.label,
                &foreign.language,
            )?;
            sink.add_text(
                &foreign_uri,
                dcterms::DESCRIPTION,
                &foreign_side.description,
                &foreign.language,
            )?;
            if !foreign_side.id.is_empty() {
                sink.add(
                    foreign_uri.clone(),
                    skos::NOTATION,
                    Literal::new_simple_literal(&foreign_side.id),
                )?;
            }
            if let Ok(page) = NamedNode::new(&foreign_side.url) {
                sink.add(foreign_uri.clone(), foaf::PAGE, page)?;
            }
        }
        let (subject, object) = if esco == 0 {
            (esco_uri, foreign_uri)
        } else {
            (foreign_uri, esco_uri)
        };
        if links.insert((
            subject.as_str().to_owned(),
            kind,
            object.as_str().to_owned(),
        )) {
            *report
                .links
                .entry(kind.local_name().to_owned())
                .or_default() += 1;
            sink.add(subject, property(kind), object)?;
        }
    }
    report.foreign_concepts = concepts.len() as u64;

    // The linkset.
    let (subjects, objects) = if esco == 0 {
        (&esco_scheme, &scheme)
    } else {
        (&scheme, &esco_scheme)
    };
    linkset(cw, id, &graph, (subjects, objects), &report, sink)?;
    Ok(report)
}

/// The crosswalk's `void:Linkset` description: title, author, version, date, source file, the
/// schemes it links, its size and one subset per relation.
fn linkset(
    cw: &CrosswalkTable,
    id: &str,
    graph: &NamedNode,
    (subjects, objects): (&NamedNode, &NamedNode),
    report: &CrosswalkReport,
    sink: &mut QuadSink<'_>,
) -> Result<(), LoadError> {
    sink.add(graph.clone(), rdf::TYPE, void::LINKSET)?;
    sink.add(
        graph.clone(),
        dcterms::TITLE,
        Literal::new_simple_literal(if report.name.is_empty() {
            id
        } else {
            &report.name
        }),
    )?;
    let author = cw.meta("Mapping project author");
    if !author.is_empty() {
        sink.add(
            graph.clone(),
            dcterms::CREATOR,
            Literal::new_simple_literal(author),
        )?;
    }
    let version = cw.meta("Mapping project version");
    if !version.is_empty() {
        sink.add(
            graph.clone(),
            owl::VERSION_INFO,
            Literal::new_simple_literal(version),
        )?;
    }
    let date = cw.meta("Mapping project version date");
    if !date.is_empty() {
        let literal = if is_iso_date(date) {
            Literal::new_typed_literal(date, xsd::DATE)
        } else {
            Literal::new_simple_literal(date)
        };
        sink.add(graph.clone(), dcterms::ISSUED, literal)?;
    }
    sink.add(
        graph.clone(),
        dcterms::SOURCE,
        Literal::new_simple_literal(&cw.file_name),
    )?;
    sink.add(graph.clone(), void::SUBJECTS_TARGET, subjects.clone())?;
    sink.add(graph.clone(), void::OBJECTS_TARGET, objects.clone())?;
    sink.add(
        graph.clone(),
        void::TRIPLES,
        Literal::from(i64::try_from(report.total_links()).unwrap_or(i64::MAX)),
    )?;
    for kind in MatchKind::ALL {
        let n = report.links.get(kind.local_name()).copied().unwrap_or(0);
        if n == 0 {
            continue;
        }
        let subset = NamedNode::new_unchecked(format!("{}/{}", graph.as_str(), kind.local_name()));
        sink.add(graph.clone(), void::SUBSET, subset.clone())?;
        sink.add(subset.clone(), rdf::TYPE, void::LINKSET)?;
        sink.add(subset.clone(), void::LINK_PREDICATE, property(kind))?;
        sink.add(
            subset.clone(),
            void::TRIPLES,
            Literal::from(i64::try_from(n).unwrap_or(i64::MAX)),
        )?;
    }
    for (spelling, n) in &cw.spellings {
        let text = format!("{n} rows with relation {spelling:?}");
        sink.add(
            graph.clone(),
            esco::SOURCE_ROWS,
            Literal::new_simple_literal(text),
        )?;
    }
    Ok(())
}

pub(crate) fn is_iso_date(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Is this the O*NET "Occupation Data" table (code, title, description, tab-separated)?
pub fn is_onet_occupation_data(table: &Table) -> bool {
    table
        .text
        .lines()
        .next()
        .is_some_and(|l| l.starts_with("O*NET-SOC Code\tTitle\tDescription"))
}

/// O*NET occupations with their titles and descriptions, into the graph of the O*NET scheme.
pub fn convert_onet_occupations(table: &Table, sink: &mut QuadSink<'_>) -> Result<u64, LoadError> {
    let scheme = NamedNode::new_unchecked(mint::classification("onet"));
    sink.set_graph(scheme.clone());
    sink.add(scheme.clone(), rdf::TYPE, skos::CONCEPT_SCHEME)?;
    sink.add_text(&scheme, skos::PREF_LABEL, "O*NET", "en")?;
    sink.add(
        scheme.clone(),
        dcterms::RIGHTS,
        Literal::new_simple_literal(crate::ONET_ATTRIBUTION),
    )?;
    sink.add(
        scheme.clone(),
        foaf::HOMEPAGE,
        NamedNode::new_unchecked("https://www.onetonline.org/"),
    )?;
    let records = table.records(b'\t')?;
    let Some(((_, header), rows)) = records.split_first() else {
        return Ok(0);
    };
    let columns = crate::load::table::Columns::new(header);
    let mut n = 0;
    for (line, record) in rows {
        let row = table.row(&columns, *line, record.clone());
        let code = row.required("O*NET-SOC Code")?;
        let concept = NamedNode::new_unchecked(mint::foreign_concept("onet", code));
        sink.add(concept.clone(), rdf::TYPE, skos::CONCEPT)?;
        sink.add(concept.clone(), skos::IN_SCHEME, scheme.clone())?;
        sink.add(
            concept.clone(),
            skos::NOTATION,
            Literal::new_simple_literal(code),
        )?;
        sink.add_text(&concept, skos::PREF_LABEL, row.required("Title")?, "en")?;
        sink.add_text(&concept, dcterms::DESCRIPTION, row.get("Description"), "en")?;
        n += 1;
    }
    Ok(n)
}
