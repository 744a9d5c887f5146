//! The EURES mapping-table CSV: the preamble and seven columns of the tables ESCO publishes,
//! ESCO as classification 1 (a mapping stated from the other side is turned round).

use std::io::Write;

use oxigraph::store::Store;

use oxigraph::model::{NamedNode, NamedNodeRef};

use super::{foreign_language, labels, Crosswalk, ExportError, Mapping};
use crate::load::crosswalk::MatchKind;
use crate::store::read;
use crate::vocab::{owl, skos};

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The inverse relation, for a mapping read from the other side.
fn inverse(kind: MatchKind) -> MatchKind {
    match kind {
        MatchKind::Broad => MatchKind::Narrow,
        MatchKind::Narrow => MatchKind::Broad,
        MatchKind::Exact => MatchKind::Exact,
        MatchKind::Close => MatchKind::Close,
    }
}

/// Writes `maps` of `cw`, labelled `version`.
pub(super) fn write(
    store: &Store,
    cw: &Crosswalk,
    maps: &[Mapping],
    version: &str,
    out: &mut impl Write,
) -> Result<(), ExportError> {
    let lang = foreign_language(store, cw)?;
    let foreign_scheme = [&cw.subjects_target, &cw.objects_target]
        .into_iter()
        .find(|s| !s.is_empty() && !crate::load::crosswalk::is_esco_uri(s))
        .cloned()
        .unwrap_or_default();
    let g = NamedNode::new_unchecked(cw.iri.clone());
    let foreign_name = if foreign_scheme.is_empty() {
        String::new()
    } else {
        let scheme = NamedNodeRef::new_unchecked(&foreign_scheme);
        let mut name = read::text(store, scheme, skos::PREF_LABEL, Some(g.as_ref()))?;
        if name.is_empty() {
            name = foreign_scheme.clone();
        }
        name
    };
    let foreign_version = if foreign_scheme.is_empty() {
        String::new()
    } else {
        read::text(
            store,
            NamedNodeRef::new_unchecked(&foreign_scheme),
            owl::VERSION_INFO,
            Some(g.as_ref()),
        )?
    };
    let release = super::catalogue::release(store)?;
    let preamble = [
        (
            "Mapping project name",
            if cw.name.is_empty() {
                cw.id.as_str()
            } else {
                cw.name.as_str()
            },
        ),
        (
            "Mapping project author",
            if cw.creator.is_empty() {
                "default-author"
            } else {
                cw.creator.as_str()
            },
        ),
        (
            "Mapping project version",
            if version.is_empty() { "N/A" } else { version },
        ),
        ("Mapping project version date", cw.issued.as_str()),
        ("Classification 1 Name", "ESCO"),
        ("Classification 1 Concept type", "Occupation"),
        ("Classification 1 Version", release.as_str()),
        ("Classification 1 Language", lang.as_str()),
        (
            "Classification 1 Landing page",
            "https://esco.ec.europa.eu/",
        ),
        ("Classification 2 Name", foreign_name.as_str()),
        ("Classification 2 Concept type", "occupations"),
        ("Classification 2 Version", foreign_version.as_str()),
        ("Classification 2 Language", lang.as_str()),
        ("Classification 2 Landing page", ""),
    ];
    for (key, value) in preamble {
        writeln!(out, "{key},{}", csv_field(value))?;
    }
    writeln!(out)?;
    writeln!(out)?;
    writeln!(out, "Classification 1 URI,Classification 1 PrefLabel,Classification 1 URL,Classification 2 ID,Classification 2 PrefLabel,Classification 2 URL,Mapping relation")?;
    let names = labels(
        store,
        maps.iter()
            .flat_map(|m| [m.subject.clone(), m.object.clone()]),
        &lang,
    )?;
    let mut rows = Vec::with_capacity(maps.len());
    for m in maps {
        // ESCO is classification 1: a mapping stated from the other side is turned round.
        let (esco, foreign, kind) = if crate::load::crosswalk::is_esco_uri(&m.subject) {
            (&m.subject, &m.object, m.kind.kind())
        } else {
            (&m.object, &m.subject, inverse(m.kind.kind()))
        };
        let foreign_node = NamedNode::new_unchecked(foreign.clone());
        let mut id = read::text(store, foreign_node.as_ref(), skos::NOTATION, None)?;
        if id.is_empty() {
            id = foreign.clone();
        }
        let url = read::text(store, foreign_node.as_ref(), crate::vocab::foaf::PAGE, None)?;
        rows.push(format!(
            "{},{},{},{},{},{},skos:{}",
            csv_field(esco),
            csv_field(names.get(esco).map_or("", String::as_str)),
            csv_field(esco),
            csv_field(&id),
            csv_field(names.get(foreign).map_or("", String::as_str)),
            csv_field(&url),
            kind.local_name()
        ));
    }
    rows.sort();
    for row in rows {
        writeln!(out, "{row}")?;
    }
    Ok(())
}
