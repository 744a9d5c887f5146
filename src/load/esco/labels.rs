//! Labels of an older release for the concepts that still exist in a newer one, in a graph of
//! their own that records where they came from.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use oxigraph::model::{Literal, NamedNode};
use serde::Serialize;

use super::convert::emit_labels;
use super::{FileKind, ReleaseIndex, ReleaseTables};
use crate::load::sink::QuadSink;
use crate::load::LoadError;
use crate::vocab::{dcterms, esco, mint, owl, rdf};

/// What a label supplement added and what it left out.
#[derive(Debug, Default, Clone, Serialize)]
pub struct LabelReport {
    /// Version the labels come from.
    pub version: String,
    /// Graph they were written to.
    pub graph: String,
    /// The release graph they supplement.
    pub supplements: String,
    /// Concepts that received labels.
    pub concepts: u64,
    /// Labels per language.
    pub labels: BTreeMap<String, u64>,
    /// Concepts that received labels, per language.
    pub concepts_per_language: BTreeMap<String, u64>,
    /// Concepts of the tables that the supplemented release does not have (left out).
    pub obsolete_concepts: u64,
    /// Languages in which some concept already had labels of the supplemented release (those
    /// concepts keep the newer labels alone in that language).
    pub languages_skipped: Vec<String>,
    /// Per language, the concepts left out because the supplemented release labels them.
    pub already_labelled: BTreeMap<String, u64>,
    /// Quads written.
    pub quads: u64,
}

/// Writes the labels of `release` for the concepts of the supplemented release, in the
/// languages it has no labels for.
pub fn convert_label_supplement(
    release: &ReleaseTables,
    supplemented_graph: &str,
    index: &ReleaseIndex,
    sink: &mut QuadSink<'_>,
) -> Result<LabelReport, LoadError> {
    let (concepts, present) = (&index.concepts, &index.labelled);
    let graph = mint::label_graph(&release.version);
    let node = NamedNode::new_unchecked(graph.clone());
    sink.set_graph(node.clone());
    let start = sink.written();
    sink.add(node.clone(), rdf::TYPE, esco::LABEL_SUPPLEMENT)?;
    sink.add(
        node.clone(),
        owl::VERSION_INFO,
        Literal::new_simple_literal(&release.version),
    )?;
    sink.add(
        node.clone(),
        esco::SUPPLEMENTS,
        NamedNode::new_unchecked(supplemented_graph),
    )?;
    sink.add(
        node.clone(),
        dcterms::TITLE,
        Literal::new_simple_literal(format!(
            "Labels of ESCO v{} for concepts that still exist",
            release.version
        )),
    )?;
    sink.add(
        node.clone(),
        dcterms::RIGHTS,
        Literal::new_simple_literal(crate::ATTRIBUTION),
    )?;

    let mut report = LabelReport {
        version: release.version.clone(),
        graph,
        supplements: supplemented_graph.to_owned(),
        ..LabelReport::default()
    };
    let mut labelled = HashSet::new();
    let mut obsolete = HashSet::new();
    let mut skipped = BTreeSet::new();
    let mut sources = BTreeSet::new();
    for (kind, lang, table) in &release.tables {
        let Some(lang) = lang else { continue };
        if !matches!(
            kind,
            FileKind::Occupations | FileKind::IscoGroups | FileKind::Skills | FileKind::SkillGroups
        ) {
            continue;
        }
        sources.insert(
            table
                .container
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
        );
        table.for_each_row(&["conceptUri", "preferredLabel"], |row| {
            let uri = row.required("conceptUri")?;
            if !concepts.contains(uri) {
                obsolete.insert(uri.to_owned());
                return Ok(());
            }
            if present.contains(&(uri.to_owned(), lang.clone())) {
                skipped.insert(lang.clone());
                *report.already_labelled.entry(lang.clone()).or_default() += 1;
                return Ok(());
            }
            let node = NamedNode::new(uri).map_err(|e| row.error("conceptUri", e))?;
            let n = emit_labels(sink, &node, row, lang, &['\n', '\r'])?;
            *report.labels.entry(lang.clone()).or_default() += n;
            *report
                .concepts_per_language
                .entry(lang.clone())
                .or_default() += 1;
            labelled.insert(uri.to_owned());
            Ok(())
        })?;
    }
    for source in sources {
        sink.add(
            node.clone(),
            dcterms::SOURCE,
            Literal::new_simple_literal(source),
        )?;
    }
    report.concepts = labelled.len() as u64;
    report.obsolete_concepts = obsolete.len() as u64;
    report.languages_skipped = skipped.into_iter().collect();
    report.quads = sink.written() - start;
    Ok(report)
}
