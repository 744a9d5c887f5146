//! SSSOM TSV: the YAML metadata block, then one row per mapping; a curated crosswalk adds
//! each mapping's record (author, reviewers, date, tool, similarity, comment).

use std::collections::HashMap;
use std::io::Write;

use oxigraph::store::Store;

use super::revisions::{self, Record};
use super::{foreign_language, labels, Crosswalk, ExportError, Mapping};
use crate::vocab::mint;

/// A TSV field: tabs and line breaks would break the row.
fn tsv(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}

/// A CURIE under the `esco:` prefix when the IRI is in the ESCO URI space.
fn curie(iri: &str) -> String {
    iri.strip_prefix(mint::ESCO)
        .map_or_else(|| iri.to_owned(), |rest| format!("esco:{rest}"))
}

fn yaml(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Writes `maps` of `cw`, labelled `version`.
pub(super) fn write(
    store: &Store,
    cw: &Crosswalk,
    maps: &[Mapping],
    version: &str,
    out: &mut impl Write,
) -> Result<(), ExportError> {
    // Curated mappings carry their record: who, when, how similar.
    let live: HashMap<Mapping, Record> = revisions::records(store, cw)?
        .into_iter()
        .filter(|(_, r)| r.removed_in.is_none())
        .collect();
    let lang = foreign_language(store, cw)?;
    let names = labels(
        store,
        maps.iter()
            .flat_map(|m| [m.subject.clone(), m.object.clone()]),
        &lang,
    )?;
    writeln!(out, "# curie_map:")?;
    writeln!(out, "#   esco: {}", mint::ESCO)?;
    writeln!(out, "#   semapv: https://w3id.org/semapv/vocab/")?;
    writeln!(out, "#   skos: http://www.w3.org/2004/02/skos/core#")?;
    writeln!(out, "# mapping_set_id: {}", cw.iri)?;
    if !version.is_empty() {
        writeln!(out, "# mapping_set_version: {}", yaml(version))?;
    }
    writeln!(
        out,
        "# mapping_set_title: {}",
        yaml(if cw.name.is_empty() { &cw.id } else { &cw.name })
    )?;
    writeln!(
        out,
        "# mapping_set_description: {}",
        yaml(&format!("Exported by esco-ld. {}", crate::ATTRIBUTION))
    )?;
    writeln!(
        out,
        "# license: https://eur-lex.europa.eu/eli/dec/2011/833/oj"
    )?;
    if crate::load::crosswalk::is_iso_date(&cw.issued) {
        writeln!(out, "# publication_date: {}", cw.issued)?;
    }
    if !cw.creator.is_empty() {
        writeln!(out, "# creator_label:\n#   - {}", yaml(&cw.creator))?;
    }
    if !cw.subjects_target.is_empty() {
        writeln!(out, "# subject_source: {}", curie(&cw.subjects_target))?;
    }
    if !cw.objects_target.is_empty() {
        writeln!(out, "# object_source: {}", curie(&cw.objects_target))?;
    }
    let curated = !live.is_empty();
    write!(
        out,
        "subject_id\tsubject_label\tpredicate_id\tobject_id\tobject_label\tmapping_justification"
    )?;
    if curated {
        write!(
            out,
            "\tauthor_id\treviewer_id\tmapping_date\tmapping_tool\tsimilarity_score\tsimilarity_measure\tcomment"
        )?;
    }
    writeln!(out)?;
    for m in maps {
        write!(
            out,
            "{}\t{}\tskos:{}\t{}\t{}\tsemapv:ManualMappingCuration",
            curie(&m.subject),
            tsv(names.get(&m.subject).map_or("", String::as_str)),
            m.kind.kind().local_name(),
            curie(&m.object),
            tsv(names.get(&m.object).map_or("", String::as_str)),
        )?;
        if curated {
            let r = live.get(m).cloned().unwrap_or_default();
            let ids = |v: &[String]| v.iter().map(|i| curie(i)).collect::<Vec<_>>().join("|");
            write!(
                out,
                "\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                ids(&r.author),
                ids(&r.reviewer),
                r.date,
                tsv(&r.tool),
                r.score,
                tsv(&r.measure),
                tsv(&r.comment)
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}
