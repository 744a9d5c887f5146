//! SSSOM TSV read as a crosswalk table: the YAML metadata block (`#`-prefixed lines:
//! `curie_map`, `mapping_set_title`, `mapping_set_version`, `publication_date`,
//! `creator_label`, `subject_source`, `object_source`) and the rows `subject_id`,
//! `predicate_id`, `object_id` (+ labels), CURIEs expanded with the map.

use std::collections::BTreeMap;

use super::table::{parse_relation, Classification, CrosswalkTable, Relation, Row, Side};
use crate::load::table::Table;
use crate::load::LoadError;

/// Whether the table is SSSOM TSV: a header with `subject_id`, `predicate_id`, `object_id`
/// after the metadata lines.
pub fn is_sssom(table: &Table) -> bool {
    table
        .text
        .lines()
        .find(|l| !l.starts_with('#') && !l.trim().is_empty())
        .is_some_and(|header| {
            let cells: Vec<&str> = header.split('\t').map(str::trim).collect();
            ["subject_id", "predicate_id", "object_id"]
                .iter()
                .all(|c| cells.contains(c))
        })
}

/// The metadata block: top-level `key: value` pairs, the first item of lists, and the
/// `curie_map` entries.
fn metadata(text: &str) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut meta = BTreeMap::new();
    let mut curies = BTreeMap::new();
    let mut section = String::new();
    for line in text
        .lines()
        .take_while(|l| l.starts_with('#') || l.trim().is_empty())
    {
        let body = line.trim_start_matches('#');
        if body.trim().is_empty() {
            continue;
        }
        let indented = body.starts_with("  ") || body.starts_with('\t');
        let body = body.trim();
        if indented {
            if section == "curie_map" {
                if let Some((prefix, iri)) = body.split_once(':') {
                    curies.insert(prefix.trim().to_owned(), unquote(iri.trim()));
                }
            } else if let Some(item) = body.strip_prefix("- ") {
                meta.entry(section.clone())
                    .or_insert_with(|| unquote(item.trim()));
            }
            continue;
        }
        if let Some((key, value)) = body.split_once(':') {
            section = key.trim().to_owned();
            let value = value.trim();
            if !value.is_empty() {
                meta.insert(section.clone(), unquote(value));
            }
        }
    }
    (meta, curies)
}

fn unquote(value: &str) -> String {
    let v = value.trim();
    if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        v[1..v.len() - 1]
            .replace("\\\"", "\"")
            .replace("\\\\", "\\")
    } else {
        v.to_owned()
    }
}

/// Expands a CURIE with the map (an IRI or an unknown prefix is kept as it is).
fn expand(value: &str, curies: &BTreeMap<String, String>) -> String {
    let value = value.trim();
    if value.contains("://") {
        return value.to_owned();
    }
    match value.split_once(':') {
        Some((prefix, local)) => curies
            .get(prefix)
            .map_or_else(|| value.to_owned(), |ns| format!("{ns}{local}")),
        None => value.to_owned(),
    }
}

/// The classification an SSSOM source names: its IRI's last segment as its name.
fn classification(source: &str) -> Classification {
    let name = source
        .trim_end_matches('/')
        .rsplit(['/', '#', ':'])
        .next()
        .unwrap_or_default()
        .to_owned();
    Classification {
        name,
        language: "und".into(),
        ..Classification::default()
    }
}

/// Reads an SSSOM TSV table.
pub fn parse(table: &Table) -> Result<CrosswalkTable, LoadError> {
    let (meta, mut curies) = metadata(&table.text);
    for (prefix, ns) in [
        ("skos", "http://www.w3.org/2004/02/skos/core#"),
        ("esco", crate::vocab::mint::ESCO),
    ] {
        curies
            .entry(prefix.to_owned())
            .or_insert_with(|| ns.to_owned());
    }
    let get = |k: &str| meta.get(k).cloned().unwrap_or_default();
    let mut preamble = BTreeMap::new();
    for (key, value) in [
        ("Mapping project name", get("mapping_set_title")),
        ("Mapping project author", get("creator_label")),
        ("Mapping project version", get("mapping_set_version")),
        ("Mapping project version date", get("publication_date")),
    ] {
        if !value.is_empty() {
            preamble.insert(key.to_owned(), value);
        }
    }
    let mut out = CrosswalkTable {
        origin: table.origin.clone(),
        file_name: table.file_name.clone(),
        encoding: table.encoding,
        delimiter: '\t',
        preamble,
        left: classification(&expand(&get("subject_source"), &curies)),
        right: classification(&expand(&get("object_source"), &curies)),
        ..CrosswalkTable::default()
    };
    let skipped = table
        .text
        .lines()
        .take_while(|l| l.starts_with('#') || l.trim().is_empty())
        .count();
    let body: String = table
        .text
        .lines()
        .skip(skipped)
        .collect::<Vec<_>>()
        .join("\n");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let headers = reader.headers().map_err(|e| table.csv_error(&e))?.clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(s), Some(p), Some(o)) = (
        column("subject_id"),
        column("predicate_id"),
        column("object_id"),
    ) else {
        return Err(LoadError::Csv {
            origin: table.origin.clone(),
            line: skipped as u64 + 1,
            message: "an SSSOM table needs the columns subject_id, predicate_id and object_id"
                .into(),
        });
    };
    let (sl, ol) = (column("subject_label"), column("object_label"));
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| table.csv_error(&e))?;
        let line = (skipped + 2 + i) as u64;
        let cell = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or_default().trim();
        let predicate = cell(Some(p));
        let relation = match parse_relation(&expand(predicate, &curies)) {
            Some(r @ Relation::Match(_)) => r,
            Some(Relation::None) | None => {
                return Err(LoadError::Field {
                    origin: table.origin.clone(),
                    line,
                    column: format!("predicate_id (column {})", p + 1),
                    message: format!(
                        "{predicate:?} is not a SKOS mapping relation (skos:exactMatch, closeMatch, broadMatch, narrowMatch)"
                    ),
                })
            }
        };
        *out.spellings.entry(predicate.to_owned()).or_default() += 1;
        out.rows.push(Row {
            line,
            left: Side {
                uri: expand(cell(Some(s)), &curies),
                label: cell(sl).to_owned(),
                ..Side::default()
            },
            right: Side {
                uri: expand(cell(Some(o)), &curies),
                label: cell(ol).to_owned(),
                ..Side::default()
            },
            spelling: predicate.to_owned(),
            relation,
            note: String::new(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_and_curies_are_read() {
        let text = "# curie_map:\n#   ex: http://example.org/\n#   skos: http://www.w3.org/2004/02/skos/core#\n# mapping_set_title: \"A \\\"set\\\"\"\n# creator_label:\n#   - Someone\nsubject_id\tpredicate_id\tobject_id\n";
        let (meta, curies) = metadata(text);
        assert_eq!(meta["mapping_set_title"], "A \"set\"");
        assert_eq!(meta["creator_label"], "Someone");
        assert_eq!(expand("ex:a/b", &curies), "http://example.org/a/b");
        assert_eq!(expand("http://x.org/y", &curies), "http://x.org/y");
        assert_eq!(expand("zz:y", &curies), "zz:y");
    }
}
