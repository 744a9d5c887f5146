//! Reading tabular sources: CSV files on disk, inside folders or straight out of zip archives,
//! with errors that name the file, the line and the column.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::load::LoadError;

/// One text file of a source, decoded.
#[derive(Debug, Clone)]
pub struct Table {
    /// Where it came from, for messages: `path` or `archive.zip:entry.csv`.
    pub origin: String,
    /// The file name alone (`occupations_en.csv`).
    pub file_name: String,
    /// The archive or file path given by the user, used to tell the release.
    pub container: PathBuf,
    /// The decoded text, BOM removed.
    pub text: String,
    /// The encoding the bytes were read as.
    pub encoding: &'static str,
}

/// Lists the tables (`.csv`, `.txt`, `.tsv`) of a source: a file, a zip archive or a folder
/// (searched recursively, zips inside it included), in a stable order.
pub fn read_tables(path: &Path) -> Result<Vec<Table>, LoadError> {
    let mut out = Vec::new();
    collect(path, &mut out)?;
    Ok(out)
}

fn is_table_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".csv") || lower.ends_with(".tsv") || lower.ends_with(".txt")
}

fn collect(path: &Path, out: &mut Vec<Table>) -> Result<(), LoadError> {
    let io_err = |e| LoadError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let meta = fs::metadata(path).map_err(io_err)?;
    if meta.is_dir() {
        let mut entries = fs::read_dir(path)
            .map_err(io_err)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(io_err)?;
        entries.sort();
        for entry in entries {
            let name = entry
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if name.starts_with('.') {
                continue;
            }
            if entry.is_dir() || name.to_ascii_lowercase().ends_with(".zip") || is_table_name(&name)
            {
                collect(&entry, out)?;
            }
        }
        return Ok(());
    }
    let name = path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    if name.to_ascii_lowercase().ends_with(".zip") {
        let file = fs::File::open(path).map_err(io_err)?;
        let mut archive = zip::ZipArchive::new(file).map_err(|e| LoadError::Zip {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let mut names: Vec<String> = archive.file_names().map(str::to_owned).collect();
        names.sort();
        for entry_name in names {
            let file_name = entry_name
                .rsplit('/')
                .next()
                .unwrap_or(&entry_name)
                .to_owned();
            if !is_table_name(&file_name) || file_name.starts_with('.') {
                continue;
            }
            let mut entry = archive.by_name(&entry_name).map_err(|e| LoadError::Zip {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
            let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
            entry.read_to_end(&mut bytes).map_err(|e| LoadError::Zip {
                path: path.to_path_buf(),
                message: format!("{entry_name}: {e}"),
            })?;
            let origin = format!("{}:{entry_name}", path.display());
            let (text, encoding) = decode(&bytes, &origin)?;
            out.push(Table {
                origin,
                file_name,
                container: path.to_path_buf(),
                text,
                encoding,
            });
        }
        return Ok(());
    }
    if !is_table_name(&name) {
        return Err(LoadError::UnknownSource {
            path: path.to_path_buf(),
            message: "not a folder, a .zip or a .csv/.tsv/.txt table".into(),
        });
    }
    let bytes = fs::read(path).map_err(io_err)?;
    let origin = path.display().to_string();
    let (text, encoding) = decode(&bytes, &origin)?;
    out.push(Table {
        origin,
        file_name: name,
        container: path.to_path_buf(),
        text,
        encoding,
    });
    Ok(())
}

/// Decodes a table: UTF-8 (BOM removed), UTF-16 with a BOM, or, when the bytes are not valid
/// UTF-8, Windows-1252 (what spreadsheet exports of Western European tables use).
pub fn decode(bytes: &[u8], origin: &str) -> Result<(String, &'static str), LoadError> {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(LoadError::Encoding {
                origin: origin.into(),
                message: format!("invalid {} after its byte-order mark", enc.name()),
            });
        }
        return Ok((text.into_owned(), enc.name()));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_owned(), "UTF-8")),
        Err(_) => {
            if bytes.contains(&0) {
                return Err(LoadError::Encoding {
                    origin: origin.into(),
                    message: "binary content (NUL bytes) where a text table was expected".into(),
                });
            }
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            Ok((text.into_owned(), "windows-1252"))
        }
    }
}

/// The delimiter a table most likely uses, judged on its first lines: `,`, `;` or tab.
pub fn sniff_delimiter(text: &str) -> u8 {
    let head: String = text.lines().take(30).collect::<Vec<_>>().join("\n");
    let count = |c: char| head.matches(c).count();
    let (comma, semi, tab) = (count(','), count(';'), count('\t'));
    if tab > comma && tab > semi {
        b'\t'
    } else if semi > comma {
        b';'
    } else {
        b','
    }
}

/// A record of a table with its line number (1-based, the line where the record starts).
#[derive(Debug)]
pub struct Row<'t> {
    table: &'t Table,
    columns: &'t Columns,
    /// Line where the record starts.
    pub line: u64,
    /// The fields, as read.
    pub fields: csv::StringRecord,
}

impl Row<'_> {
    /// A field by column name, trimmed; `""` when the column is absent or empty.
    pub fn get(&self, column: &str) -> &str {
        self.columns
            .index(column)
            .and_then(|i| self.fields.get(i))
            .map_or("", str::trim)
    }

    /// A field that must not be empty.
    pub fn required(&self, column: &str) -> Result<&str, LoadError> {
        let value = self.get(column);
        if value.is_empty() {
            return Err(self.error(column, "is empty"));
        }
        Ok(value)
    }

    /// An error about a field of this row.
    pub fn error(&self, column: &str, message: impl std::fmt::Display) -> LoadError {
        let position = self.columns.index(column).map_or(0, |i| i + 1);
        LoadError::Field {
            origin: self.table.origin.clone(),
            line: self.line,
            column: format!("{column} (column {position})"),
            message: message.to_string(),
        }
    }
}

/// Column names to positions.
#[derive(Debug, Default)]
pub struct Columns {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Columns {
    /// From a header record; names are trimmed and compared case-insensitively.
    pub fn new(header: &csv::StringRecord) -> Self {
        let names: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
        let index = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_lowercase(), i))
            .collect();
        Self { names, index }
    }

    /// Position of a column.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.index.get(&name.to_lowercase()).copied()
    }

    /// The names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// Line numbers from byte offsets. The CSV parser's own line count is one short after a CRLF
/// line end (it counts the `\n` of a record's `\r\n` into the next record), so lines are
/// computed from the record's byte offset instead.
struct Lines {
    newlines: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Self {
        Self {
            newlines: text
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        }
    }

    fn line(&self, text: &str, record: &csv::StringRecord) -> u64 {
        let mut start = record
            .position()
            .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(0));
        // A record read after a CRLF starts at the LF.
        if text.as_bytes().get(start) == Some(&b'\n') {
            start += 1;
        }
        1 + self.newlines.partition_point(|&i| i < start) as u64
    }
}

impl Table {
    fn reader(&self, delimiter: u8, flexible: bool) -> csv::Reader<&[u8]> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(flexible)
            .delimiter(delimiter)
            .from_reader(self.text.as_bytes())
    }

    /// Every record with its starting line, for tables with a preamble before the header.
    pub fn records(&self, delimiter: u8) -> Result<Vec<(u64, csv::StringRecord)>, LoadError> {
        let lines = Lines::new(&self.text);
        let mut out = Vec::new();
        for result in self.reader(delimiter, true).records() {
            let record = result.map_err(|e| self.csv_error(&e))?;
            let line = lines.line(&self.text, &record);
            out.push((line, record));
        }
        Ok(out)
    }

    /// Reads a comma-separated table with a header line, calling `each` on every record.
    /// Checks that the named columns exist and that every record has as many fields as the header.
    pub fn for_each_row(
        &self,
        required_columns: &[&str],
        mut each: impl FnMut(&Row<'_>) -> Result<(), LoadError>,
    ) -> Result<u64, LoadError> {
        // Official tables leave trailing empty fields out on some rows: shorter rows are
        // read with those fields empty; longer rows are errors.
        let mut reader = self.reader(b',', true);
        let lines = Lines::new(&self.text);
        let mut records = reader.records();
        let header = match records.next() {
            Some(h) => h.map_err(|e| self.csv_error(&e))?,
            None => return Err(self.empty()),
        };
        let columns = Columns::new(&header);
        for column in required_columns {
            if columns.index(column).is_none() {
                return Err(LoadError::MissingColumn {
                    origin: self.origin.clone(),
                    column: (*column).to_owned(),
                    found: columns.names().join(", "),
                });
            }
        }
        let mut count = 0;
        for result in records {
            let fields = result.map_err(|e| self.csv_error(&e))?;
            if fields.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let line = lines.line(&self.text, &fields);
            if fields.len() > columns.names().len() {
                return Err(LoadError::Csv {
                    origin: self.origin.clone(),
                    line,
                    message: format!(
                        "{} fields where the header has {}",
                        fields.len(),
                        columns.names().len()
                    ),
                });
            }
            each(&Row {
                table: self,
                columns: &columns,
                line,
                fields,
            })?;
            count += 1;
        }
        Ok(count)
    }

    /// A row view over a record read by [`Table::records`].
    pub fn row<'t>(
        &'t self,
        columns: &'t Columns,
        line: u64,
        fields: csv::StringRecord,
    ) -> Row<'t> {
        Row {
            table: self,
            columns,
            line,
            fields,
        }
    }

    fn empty(&self) -> LoadError {
        LoadError::Csv {
            origin: self.origin.clone(),
            line: 1,
            message: "the table is empty".into(),
        }
    }

    /// Maps a CSV parser error to one naming this table, the line and the field.
    #[expect(
        clippy::wildcard_enum_match_arm,
        reason = "csv::ErrorKind is non-exhaustive"
    )]
    pub fn csv_error(&self, error: &csv::Error) -> LoadError {
        let line = error.position().map_or(0, |p| {
            let mut start = usize::try_from(p.byte()).unwrap_or(0);
            if self.text.as_bytes().get(start) == Some(&b'\n') {
                start += 1;
            }
            1 + self.text.as_bytes()[..start.min(self.text.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64
        });
        let message = match error.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => {
                format!("{len} fields where the header has {expected_len}")
            }
            csv::ErrorKind::Utf8 { err, .. } => {
                format!("invalid UTF-8 in field {}", err.field() + 1)
            }
            _ => error.to_string(),
        };
        LoadError::Csv {
            origin: self.origin.clone(),
            line,
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        let (text, encoding) = decode(text.as_bytes(), "t.csv").unwrap();
        Table {
            origin: "t.csv".into(),
            file_name: "t.csv".into(),
            container: "t.csv".into(),
            text,
            encoding,
        }
    }

    fn rows(t: &Table, cols: &[&str]) -> Result<Vec<(u64, Vec<String>)>, LoadError> {
        let mut out = Vec::new();
        t.for_each_row(cols, |r| {
            out.push((r.line, cols.iter().map(|c| r.get(c).to_owned()).collect()));
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn multiline_quoted_cells_crlf_and_bom() {
        let t = table("\u{feff}uri,alt,scheme\r\nu1,\"a\r\nb\",\"s1,\r\ns2\"\r\nu2,,s3\r\n");
        let r = rows(&t, &["uri", "alt", "scheme"]).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].1, vec!["u1", "a\r\nb", "s1,\r\ns2"]);
        assert_eq!(r[0].0, 2);
        assert_eq!(r[1].0, 5, "second record starts on line 5");
        assert_eq!(r[1].1, vec!["u2", "", "s3"]);
    }

    #[test]
    fn bom_is_not_part_of_the_first_column_name() {
        let t = table("\u{feff}conceptUri,x\nu,1\n");
        assert_eq!(rows(&t, &["conceptUri"]).unwrap()[0].1, vec!["u"]);
    }

    #[test]
    fn long_row_names_line_short_row_is_padded() {
        let t = table("a,b\n1,2\n3\n4,5,6\n");
        let err = rows(&t, &["a"]).unwrap_err().to_string();
        assert!(
            err.contains("t.csv") && err.contains("line 4") && err.contains("3 fields"),
            "{err}"
        );
        let t = table("a,b\n1,2\n3\n");
        assert_eq!(rows(&t, &["a", "b"]).unwrap()[1].1, vec!["3", ""]);
    }

    #[test]
    fn missing_column_lists_found_columns() {
        let t = table("a,b\n1,2\n");
        let err = rows(&t, &["conceptUri"]).unwrap_err().to_string();
        assert!(err.contains("conceptUri") && err.contains("a, b"), "{err}");
    }

    #[test]
    fn field_error_names_file_line_and_column() {
        let t = table("a,b\n1,2\n3,\n");
        let err = t
            .for_each_row(&["a", "b"], |r| r.required("b").map(|_| ()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("t.csv") && err.contains("line 3") && err.contains("b (column 2)"),
            "{err}"
        );
    }

    #[test]
    fn legacy_encodings() {
        let (text, enc) = decode(b"caf\xe9", "x").unwrap();
        assert_eq!((text.as_str(), enc), ("café", "windows-1252"));
        let utf16: Vec<u8> = [0xFF, 0xFE, b'h', 0, b'i', 0].to_vec();
        assert_eq!(decode(&utf16, "x").unwrap().0, "hi");
        assert!(decode(b"a\0\xff", "x").is_err());
    }

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2;3"), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2"), b'\t');
        assert_eq!(sniff_delimiter("a,b\n1,\"x;y\""), b',');
    }
}
