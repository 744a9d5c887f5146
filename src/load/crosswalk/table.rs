//! Parsing crosswalk tables: the EURES mapping-table CSV and the ESCO–O*NET crosswalk, with
//! their key/value preamble, varying encodings, delimiters, header and relation spellings.

use std::collections::BTreeMap;

use crate::load::table::{sniff_delimiter, Columns, Table};
use crate::load::LoadError;

/// A SKOS mapping relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchKind {
    /// `skos:exactMatch`
    Exact,
    /// `skos:closeMatch`
    Close,
    /// `skos:broadMatch`
    Broad,
    /// `skos:narrowMatch`
    Narrow,
}

impl MatchKind {
    /// All four, in a stable order.
    pub const ALL: [Self; 4] = [Self::Exact, Self::Close, Self::Broad, Self::Narrow];

    /// The local name of the SKOS property (`exactMatch`).
    pub fn local_name(self) -> &'static str {
        match self {
            Self::Exact => "exactMatch",
            Self::Close => "closeMatch",
            Self::Broad => "broadMatch",
            Self::Narrow => "narrowMatch",
        }
    }
}

/// How a table spells a relation, read into what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// A mapping.
    Match(MatchKind),
    /// The row says explicitly that there is no mapping.
    None,
}

/// Reads a relation cell: `skos:exactMatch`, `exactMatch`, `exact match`, `EXACT`, the full
/// SKOS IRI, and the O*NET crosswalk's `exactISCO` (an O*NET occupation placed under the ISCO
/// unit group that contains it: the group is broader, so `broadMatch`).
pub fn parse_relation(cell: &str) -> Option<Relation> {
    let lower = cell.trim().to_lowercase();
    let lower = lower
        .strip_prefix("http://www.w3.org/2004/02/skos/core#")
        .or_else(|| lower.strip_prefix("skos:"))
        .unwrap_or(&lower);
    let key: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
    Some(match key.as_str() {
        "exactmatch" | "exact" => Relation::Match(MatchKind::Exact),
        "closematch" | "close" => Relation::Match(MatchKind::Close),
        "broadmatch" | "broad" | "broader" | "exactisco" => Relation::Match(MatchKind::Broad),
        "narrowmatch" | "narrow" | "narrower" => Relation::Match(MatchKind::Narrow),
        "norelation" | "nomatch" | "none" | "" => Relation::None,
        _ => return None,
    })
}

/// One side of a crosswalk, as the preamble describes it.
#[derive(Debug, Clone, Default)]
pub struct Classification {
    /// `Classification N Name`
    pub name: String,
    /// `Classification N Version`
    pub version: String,
    /// Language code (from `Classification N Language`: `es`, `English`, ...).
    pub language: String,
    /// `Classification N Concept type`
    pub concept_type: String,
    /// `Classification N Landing page`
    pub landing_page: String,
}

/// One row's side: a concept named by URI or by identifier.
#[derive(Debug, Clone, Default)]
pub struct Side {
    /// The table's own URI for the concept.
    pub uri: String,
    /// The concept's identifier (when the table has no URI).
    pub id: String,
    /// Its label in the table's language.
    pub label: String,
    /// A web page about it.
    pub url: String,
    /// Its description, where the table has one.
    pub description: String,
}

/// A row of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// Line in the file.
    pub line: u64,
    /// Classification 1 (subject of the mapping triple).
    pub left: Side,
    /// Classification 2 (object).
    pub right: Side,
    /// The relation as spelled.
    pub spelling: String,
    /// What it means.
    pub relation: Relation,
    /// Editorial note, if any.
    pub note: String,
}

/// A crosswalk table read whole.
#[derive(Debug, Clone, Default)]
pub struct CrosswalkTable {
    /// Where it came from.
    pub origin: String,
    /// File name.
    pub file_name: String,
    /// Encoding used to read it.
    pub encoding: &'static str,
    /// Delimiter used.
    pub delimiter: char,
    /// The preamble's key/value pairs, keys as written.
    pub preamble: BTreeMap<String, String>,
    /// Classification 1 and 2.
    pub left: Classification,
    /// Classification 2.
    pub right: Classification,
    /// Data rows.
    pub rows: Vec<Row>,
    /// Rows repaired (a whole row quoted as one cell).
    pub repaired_rows: u64,
    /// Rows per relation spelling.
    pub spellings: BTreeMap<String, u64>,
}

impl CrosswalkTable {
    /// A preamble value by key, compared case-insensitively.
    pub fn meta(&self, key: &str) -> &str {
        self.preamble
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map_or("", |(_, v)| v.as_str())
            .trim()
    }
}

/// Normalises a header cell for matching: lower-case letters and digits only.
fn key(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

const RELATION_HEADERS: &[&str] = &[
    "mappingrelation",
    "typeofmatch",
    "relation",
    "matchtype",
    "mappingpredicate",
];

/// Does this table look like a crosswalk (a mapping-table preamble or a relation column)?
pub fn is_crosswalk(table: &Table) -> bool {
    let head: Vec<String> = table.text.lines().take(40).map(key).collect();
    head.iter().any(|l| l.starts_with("mappingprojectname"))
        || head.iter().any(|l| {
            RELATION_HEADERS.iter().any(|h| l.contains(h))
                && (l.contains("uri") || l.contains("id"))
        })
}

/// Language code for a preamble language cell.
fn language_code(text: &str) -> String {
    let t = text.trim().to_lowercase();
    let names = [
        ("english", "en"),
        ("french", "fr"),
        ("german", "de"),
        ("spanish", "es"),
        ("italian", "it"),
        ("latvian", "lv"),
        ("swedish", "sv"),
        ("dutch", "nl"),
        ("portuguese", "pt"),
        ("polish", "pl"),
        ("czech", "cs"),
        ("danish", "da"),
        ("finnish", "fi"),
        ("greek", "el"),
        ("hungarian", "hu"),
        ("lithuanian", "lt"),
        ("estonian", "et"),
        ("slovak", "sk"),
        ("slovenian", "sl"),
        ("romanian", "ro"),
        ("bulgarian", "bg"),
        ("croatian", "hr"),
        ("maltese", "mt"),
        ("irish", "ga"),
        ("icelandic", "is"),
        ("norwegian", "no"),
    ];
    if let Some((_, code)) = names.iter().find(|(n, _)| *n == t) {
        return (*code).to_owned();
    }
    if (2..=3).contains(&t.len()) && t.chars().all(|c| c.is_ascii_lowercase()) {
        return t;
    }
    "und".to_owned()
}

/// Reads a crosswalk table.
pub fn parse(table: &Table) -> Result<CrosswalkTable, LoadError> {
    let delimiter = sniff_delimiter(&table.text);
    let records = table.records(delimiter)?;
    let mut out = CrosswalkTable {
        origin: table.origin.clone(),
        file_name: table.file_name.clone(),
        encoding: table.encoding,
        delimiter: char::from(delimiter),
        ..CrosswalkTable::default()
    };
    let header_at = records
        .iter()
        .position(|(_, r)| {
            let keys: Vec<String> = r.iter().map(key).collect();
            keys.iter().any(|k| RELATION_HEADERS.contains(&k.as_str())) && keys.iter().filter(|k| !k.is_empty()).count() >= 3
        })
        .ok_or_else(|| LoadError::Csv {
            origin: table.origin.clone(),
            line: 1,
            message: "no header row with a relation column (\"Mapping relation\" or \"Type of Match\") was found".into(),
        })?;
    for (_, record) in &records[..header_at] {
        let cells: Vec<&str> = record
            .iter()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        if let [k, v, ..] = cells.as_slice() {
            out.preamble.insert((*k).to_owned(), (*v).to_owned());
        }
    }
    for (n, side) in [(1, &mut out.left), (2, &mut out.right)] {
        let get = |what: &str| {
            out.preamble
                .iter()
                .find(|(k, _)| key(k) == key(&format!("Classification {n} {what}")))
                .map_or(String::new(), |(_, v)| v.trim().to_owned())
        };
        *side = Classification {
            name: get("Name"),
            version: get("Version"),
            language: language_code(&get("Language")),
            concept_type: get("Concept type"),
            landing_page: get("Landing page"),
        };
    }
    let (header_line, header) = &records[header_at];
    let columns = Columns::new(header);
    let find = |candidates: &[&str]| -> Option<usize> {
        let keys: Vec<String> = columns.names().iter().map(|n| key(n)).collect();
        candidates
            .iter()
            .find_map(|c| keys.iter().position(|k| k == c))
    };
    let col = |candidates: &[&str]| find(candidates);
    let left = [
        col(&["classification1uri"]),
        col(&["classification1id", "onetid", "onetsoccode"]),
        col(&[
            "classification1preflabel",
            "classification1label",
            "onettitle",
        ]),
        col(&["classification1url"]),
        col(&["classification1description", "onetdescription"]),
    ];
    let right = [
        col(&[
            "classification2uri",
            "escooriscouri",
            "escoriscouri",
            "escouri",
        ]),
        col(&["classification2id", "escoid"]),
        col(&[
            "classification2preflabel",
            "classification2label",
            "escooriscotitle",
            "escoriscotitle",
            "escotitle",
        ]),
        col(&["classification2url"]),
        col(&[
            "classification2description",
            "escooriscodescription",
            "escoriscodescription",
        ]),
    ];
    let relation = col(RELATION_HEADERS).unwrap_or_default();
    let note = col(&["editorialnote", "note", "comment"]);
    for (label, side) in [("Classification 1", &left), ("Classification 2", &right)] {
        if side[0].is_none() && side[1].is_none() {
            return Err(LoadError::MissingColumn {
                origin: table.origin.clone(),
                column: format!("{label} URI or {label} ID"),
                found: columns.names().join(", "),
            });
        }
    }
    let _ = header_line;
    let width = columns.names().len();
    for (line, record) in &records[header_at + 1..] {
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // Some exports quote a whole row as one cell: read that cell as the row.
        let record = if record.len() == 1 && width > 1 && record[0].contains(char::from(delimiter))
        {
            let mut inner = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(record[0].as_bytes());
            match inner.records().next() {
                Some(Ok(r)) if r.len() > 1 => {
                    out.repaired_rows += 1;
                    r
                }
                _ => record.clone(),
            }
        } else {
            record.clone()
        };
        let row = table.row(&columns, *line, record);
        if row.fields.len() < width.min(relation + 1) {
            return Err(LoadError::Csv {
                origin: table.origin.clone(),
                line: *line,
                message: format!("{} fields where the header has {width}", row.fields.len()),
            });
        }
        let cell = |i: Option<usize>| {
            i.and_then(|i| row.fields.get(i))
                .map_or(String::new(), |v| v.trim().to_owned())
        };
        let side = |c: &[Option<usize>; 5]| Side {
            uri: cell(c[0]),
            id: cell(c[1]),
            label: cell(c[2]),
            url: cell(c[3]),
            description: cell(c[4]),
        };
        let spelling = cell(Some(relation));
        let parsed = parse_relation(&spelling).ok_or_else(|| {
            row.error(&columns.names()[relation], format!("unknown mapping relation {spelling:?} (expected exactMatch, closeMatch, broadMatch, narrowMatch or \"no relation\")"))
        })?;
        *out.spellings.entry(spelling.clone()).or_default() += 1;
        out.rows.push(Row {
            line: *line,
            left: side(&left),
            right: side(&right),
            spelling,
            relation: parsed,
            note: cell(note),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        let (text, encoding) = crate::load::table::decode(text.as_bytes(), "x.csv").unwrap();
        Table {
            origin: "x.csv".into(),
            file_name: "x.csv".into(),
            container: "x.csv".into(),
            text,
            encoding,
        }
    }

    #[test]
    fn relation_spellings() {
        for (s, k) in [
            ("skos:exactMatch", MatchKind::Exact),
            ("exactMatch", MatchKind::Exact),
            (
                "http://www.w3.org/2004/02/skos/core#closeMatch",
                MatchKind::Close,
            ),
            ("Broad Match", MatchKind::Broad),
            ("NARROW", MatchKind::Narrow),
            ("exactISCO", MatchKind::Broad),
        ] {
            assert_eq!(parse_relation(s), Some(Relation::Match(k)), "{s}");
        }
        assert_eq!(parse_relation("no relation"), Some(Relation::None));
        assert_eq!(parse_relation("relatedMatch"), None);
    }

    #[test]
    fn eures_table_with_semicolons_and_a_quoted_row() {
        let t = table(
            "Mapping project name;ESCO - XX NOC\r\nClassification 2 Name;National\r\nClassification 2 Language;Spanish\r\n;\r\n\
             Classification 1 URI;Classification 1 PrefLabel;Classification 1 URL;Classification 2 ID;Classification 2 PrefLabel;Classification 2 URL;Mapping relation\r\n\
             http://data.europa.eu/esco/occupation/a;x;;11;once;;skos:exactMatch\r\n\
             \"http://data.europa.eu/esco/occupation/b;y;;12;\"\"doce; y más\"\";;narrowMatch\"\r\n",
        );
        let cw = parse(&t).unwrap();
        assert_eq!(cw.delimiter, ';');
        assert_eq!(cw.meta("mapping project name"), "ESCO - XX NOC");
        assert_eq!(cw.right.language, "es");
        assert_eq!(cw.rows.len(), 2);
        assert_eq!(cw.repaired_rows, 1);
        assert_eq!(cw.rows[1].right.id, "12");
        assert_eq!(cw.rows[1].right.label, "doce; y más");
        assert_eq!(cw.rows[1].relation, Relation::Match(MatchKind::Narrow));
        assert_eq!(cw.rows[0].line, 6);
    }

    #[test]
    fn unknown_relation_names_line_and_column() {
        let t = table(
            "Classification 1 URI,Classification 2 ID,Mapping relation\nhttp://a,1,related\n",
        );
        let err = parse(&t).unwrap_err().to_string();
        assert!(
            err.contains("line 2") && err.contains("Mapping relation") && err.contains("related"),
            "{err}"
        );
    }

    #[test]
    fn no_header_is_an_error() {
        let err = parse(&table("a,b\n1,2\n")).unwrap_err().to_string();
        assert!(err.contains("no header row"), "{err}");
    }
}
