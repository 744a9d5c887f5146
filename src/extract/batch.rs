//! Many ads: read as a stream (JSONL or CSV with `id`, `title`, `text`, optional `language`),
//! extracted on every core, written as JSONL one whole line at a time. A run again skips the ids
//! already written (a torn last line, left by a crash, is cut first); `--shard I/N` takes the
//! ads I, I + N, I + 2N, … (0-based) so that N machines split one input; a bad row is reported
//! and skipped.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::{ExtractError, Extraction, Extractor, Request};

/// One ad of the input.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Ad {
    /// Its ID (a string or a number in the input).
    #[serde(deserialize_with = "id_text")]
    pub id: String,
    /// Its title.
    #[serde(default)]
    pub title: Option<String>,
    /// Its text.
    #[serde(default)]
    pub text: Option<String>,
    /// Its language, when known.
    #[serde(default)]
    pub language: Option<String>,
}

fn id_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(match Id::deserialize(d)? {
        Id::Text(t) => t,
        Id::Number(n) => n.to_string(),
    })
}

/// A row that could not be used: where it is and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// Its line (JSONL) or record (CSV), from 1.
    pub line: u64,
    /// Its ID, when it could be read.
    pub id: Option<String>,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "line {} (id {id}): {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// Which ads of the input a run takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 0.
    pub index: u64,
    /// How many.
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not a shard I/N with 0 <= I < N (e.g. 0/4)");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u64, u64) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

impl Shard {
    /// Every ad.
    pub const ALL: Self = Self { index: 0, count: 1 };

    /// Whether the `n`-th row of the input (from 0) is this shard's.
    pub fn takes(self, n: u64) -> bool {
        n % self.count == self.index
    }
}

/// The input's format, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line (`.jsonl`, `.ndjson`).
    Jsonl,
    /// CSV with a header (`.csv`).
    Csv,
}

impl Format {
    /// The format of `path`, by its extension.
    pub fn of(path: &Path) -> Result<Self, ExtractError> {
        let name = path.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".json") {
            Ok(Self::Jsonl)
        } else if name.ends_with(".csv") {
            Ok(Self::Csv)
        } else if name.ends_with(".parquet") {
            Err(ExtractError::Input(format!(
                "{}: Parquet is not read yet; write it as JSONL or CSV (e.g. `duckdb -c \"COPY (SELECT id, title, text FROM 'ads.parquet') TO 'ads.jsonl'\"`)",
                path.display()
            )))
        } else {
            Err(ExtractError::Input(format!(
                "{}: the input must be .jsonl, .ndjson or .csv",
                path.display()
            )))
        }
    }
}

/// The rows of an input, each an ad (with its line) or a bad row, in input order.
pub type Rows = Box<dyn Iterator<Item = Result<(u64, Ad), BadRow>> + Send>;

/// The rows of an input, each an ad or a bad row, in input order.
pub fn rows(path: &Path, format: Format) -> Result<Rows, ExtractError> {
    let file = File::open(path)
        .map_err(|e| ExtractError::Input(format!("cannot read {}: {e}", path.display())))?;
    Ok(match format {
        Format::Jsonl => Box::new(jsonl_rows(BufReader::new(file))),
        Format::Csv => Box::new(csv_rows(file)),
    })
}

fn jsonl_rows(
    reader: impl BufRead + Send,
) -> impl Iterator<Item = Result<(u64, Ad), BadRow>> + Send {
    let mut line_no = 0u64;
    reader.split(b'\n').filter_map(move |bytes| {
        line_no += 1;
        let line = line_no;
        let bad = |reason: String| BadRow {
            line,
            id: None,
            reason,
        };
        let bytes = match bytes {
            Ok(b) => b,
            Err(e) => return Some(Err(bad(e.to_string()))),
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            return Some(Err(bad("not UTF-8".into())));
        };
        if text.trim().is_empty() {
            return None;
        }
        Some(
            serde_json::from_str::<Ad>(text)
                .map_err(|e| bad(format!("not an ad object ({e})")))
                .and_then(|ad| checked(ad, line)),
        )
    })
}

fn csv_rows(reader: impl Read + Send) -> impl Iterator<Item = Result<(u64, Ad), BadRow>> + Send {
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let headers = csv.byte_headers().cloned();
    let mut record_no = 1u64;
    let mut records = csv.into_byte_records();
    let (headers, mut header_error) = match headers {
        Ok(h) => (Some(h), None),
        Err(e) => (None, Some(e.to_string())),
    };
    std::iter::from_fn(move || {
        if let Some(e) = header_error.take() {
            return Some(Err(BadRow {
                line: 1,
                id: None,
                reason: format!("the header cannot be read ({e})"),
            }));
        }
        let record = records.next()?;
        record_no += 1;
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(record_no, |p| p.line());
        Some(match record {
            Err(e) => Err(BadRow {
                line,
                id: None,
                reason: e.to_string(),
            }),
            Ok(r) => r
                .deserialize::<Ad>(headers.as_ref())
                .map_err(|e| BadRow {
                    line,
                    id: None,
                    reason: format!(
                        "not an ad row ({e}); the columns are id, title, text, language"
                    ),
                })
                .and_then(|ad| checked(ad, line)),
        })
    })
}

/// An ad with a text, with its line, or why not.
fn checked(ad: Ad, line: u64) -> Result<(u64, Ad), BadRow> {
    match &ad.text {
        Some(t) if !t.trim().is_empty() => Ok((line, ad)),
        _ => Err(BadRow {
            line,
            id: Some(ad.id),
            reason: "no text".into(),
        }),
    }
}

/// One line of the output.
#[derive(Debug, Serialize)]
pub struct Line<'a> {
    /// The ad's ID.
    pub id: &'a str,
    /// What was found.
    #[serde(flatten)]
    pub extraction: &'a Extraction,
}

/// The output opened for appending: the IDs it holds already, a torn last line cut first.
pub fn open_output(path: &Path) -> Result<(File, HashSet<String>), ExtractError> {
    let io = |e: std::io::Error| ExtractError::Input(format!("{}: {e}", path.display()));
    let mut done = HashSet::new();
    let mut file = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    let mut whole = 0u64;
    let mut reader = BufReader::new(&file);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(io)?;
        if n == 0 || line.last() != Some(&b'\n') {
            break;
        }
        whole += n as u64;
        #[derive(Deserialize)]
        struct Id {
            id: String,
        }
        if let Ok(Id { id }) = serde_json::from_slice::<Id>(&line) {
            done.insert(id);
        }
    }
    drop(reader);
    if file.seek(SeekFrom::End(0)).map_err(io)? != whole {
        file.set_len(whole).map_err(io)?;
    }
    Ok((file, done))
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunReport {
    /// Ads extracted and written.
    pub written: u64,
    /// Ads skipped: written by an earlier run.
    pub already_done: u64,
    /// Rows of other shards.
    pub other_shards: u64,
    /// Bad rows.
    pub bad: u64,
}

/// What the reader and the workers hand the writer.
enum Event {
    Done(Ad, u64, Result<Extraction, ExtractError>),
    Bad(BadRow),
    AlreadyDone,
    OtherShard,
}

/// Where a run writes to.
pub struct Sinks<'a> {
    /// The output, one JSON line per ad.
    pub out: &'a mut dyn Write,
    /// Each extraction, once written (for a summary).
    pub found: &'a mut dyn FnMut(&Extraction),
    /// Each bad row.
    pub bad_row: &'a mut dyn FnMut(&BadRow),
    /// Rows read so far.
    pub progress: &'a mut dyn FnMut(u64),
}

/// Extracts every ad of `rows` that `shard` takes and `done` lacks on `threads` threads, with
/// `defaults`' `k`, threshold and target language; each result is written as one line. A
/// failure of the store or the model stops the run (what was written stays).
pub fn run(
    extractor: &Extractor<'_>,
    rows: impl Iterator<Item = Result<(u64, Ad), BadRow>> + Send,
    shard: Shard,
    done: &HashSet<String>,
    defaults: &Request,
    threads: usize,
    sinks: &mut Sinks<'_>,
) -> Result<RunReport, ExtractError> {
    let threads = threads.max(1);
    let (todo_tx, todo_rx) = mpsc::sync_channel::<(u64, Ad)>(threads * 2);
    let todo_rx = Arc::new(Mutex::new(todo_rx));
    let (event_tx, event_rx) = mpsc::sync_channel::<Event>(threads * 4);
    std::thread::scope(|scope| {
        let reader_tx = event_tx.clone();
        scope.spawn(move || read(rows, shard, done, &todo_tx, &reader_tx));
        for _ in 0..threads {
            let event_tx = event_tx.clone();
            let todo_rx = Arc::clone(&todo_rx);
            scope.spawn(move || work(extractor, defaults, &todo_rx, &event_tx));
        }
        drop(event_tx);
        drop(todo_rx);
        write(event_rx, sinks)
    })
}

/// The reader: hands the shard's new ads to the workers, the rest to the writer.
fn read(
    rows: impl Iterator<Item = Result<(u64, Ad), BadRow>>,
    shard: Shard,
    done: &HashSet<String>,
    todo: &mpsc::SyncSender<(u64, Ad)>,
    events: &mpsc::SyncSender<Event>,
) {
    for (n, row) in (0u64..).zip(rows) {
        let event = if !shard.takes(n) {
            Event::OtherShard
        } else {
            match row {
                Err(b) => Event::Bad(b),
                Ok((_, ad)) if done.contains(&ad.id) => Event::AlreadyDone,
                Ok(ad) => {
                    if todo.send(ad).is_err() {
                        return;
                    }
                    continue;
                }
            }
        };
        if events.send(event).is_err() {
            return;
        }
    }
}

/// A worker: extracts the ads it is handed.
fn work(
    extractor: &Extractor<'_>,
    defaults: &Request,
    todo: &Mutex<mpsc::Receiver<(u64, Ad)>>,
    events: &mpsc::SyncSender<Event>,
) {
    loop {
        let next = todo.lock().ok().and_then(|rx| rx.recv().ok());
        let Some((line, ad)) = next else { return };
        let request = Request {
            text: ad.text.clone().unwrap_or_default(),
            title: ad.title.clone().filter(|t| !t.trim().is_empty()),
            language: ad
                .language
                .clone()
                .filter(|l| !l.is_empty())
                .or_else(|| defaults.language.clone()),
            ..defaults.clone()
        };
        let result = extractor.extract(&request);
        if events.send(Event::Done(ad, line, result)).is_err() {
            return;
        }
    }
}

/// The writer: one whole line per extraction, in the order they finish.
fn write(events: mpsc::Receiver<Event>, sinks: &mut Sinks<'_>) -> Result<RunReport, ExtractError> {
    let mut report = RunReport::default();
    let mut rows = 0u64;
    // Owned: when the writer stops early, the workers' and the reader's sends fail and they end.
    for event in events {
        rows += 1;
        (sinks.progress)(rows);
        match event {
            Event::Done(ad, _, Ok(found)) => {
                let mut line = serde_json::to_vec(&Line {
                    id: &ad.id,
                    extraction: &found,
                })
                .map_err(|e| ExtractError::Input(format!("ad {}: {e}", ad.id)))?;
                line.push(b'\n');
                sinks
                    .out
                    .write_all(&line)
                    .and_then(|()| sinks.out.flush())
                    .map_err(|e| ExtractError::Input(format!("writing the output: {e}")))?;
                report.written += 1;
                (sinks.found)(&found);
            }
            Event::Done(ad, line, Err(ExtractError::Input(reason))) => {
                report.bad += 1;
                (sinks.bad_row)(&BadRow {
                    line,
                    id: Some(ad.id),
                    reason,
                });
            }
            Event::Done(_, _, Err(e)) => return Err(e),
            Event::Bad(b) => {
                report.bad += 1;
                (sinks.bad_row)(&b);
            }
            Event::AlreadyDone => report.already_done += 1,
            Event::OtherShard => report.other_shards += 1,
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_rows() {
        let shard: Shard = "1/3".parse().unwrap();
        let taken: Vec<u64> = (0..9).filter(|n| shard.takes(*n)).collect();
        assert_eq!(taken, [1, 4, 7]);
        for bad in ["3/3", "1/0", "x/2", "2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn jsonl_rows_with_bad_ones_named_by_line() {
        let input: &[u8] = b"{\"id\": 1, \"title\": \"Nurse\", \"text\": \"Cope with stress\"}\n\n{\"id\": \"b\"}\nnot json\n\xff\n";
        let rows: Vec<_> = jsonl_rows(input).collect();
        assert_eq!(rows.len(), 4);
        let (line, ad) = rows[0].clone().unwrap();
        assert_eq!((line, ad.id.as_str()), (1, "1"));
        let bad = rows[1].clone().unwrap_err();
        assert_eq!((bad.line, bad.id.as_deref()), (3, Some("b")));
        assert_eq!(rows[2].clone().unwrap_err().line, 4);
        assert_eq!(rows[3].clone().unwrap_err().reason, "not UTF-8");
    }

    #[test]
    fn csv_rows_with_quoted_newlines() {
        let input = "id,title,text\na1,Nurse,\"Tasks:\n- cope with stress\"\na2,Clerk,\n";
        let rows: Vec<_> = csv_rows(input.as_bytes()).collect();
        let (_, ad) = rows[0].clone().unwrap();
        assert_eq!(ad.text.as_deref(), Some("Tasks:\n- cope with stress"));
        let bad = rows[1].clone().unwrap_err();
        assert_eq!(bad.id.as_deref(), Some("a2"));
        assert_eq!(bad.reason, "no text");
    }

    #[test]
    fn a_torn_last_line_is_cut_and_written_ids_are_known() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        std::fs::write(&path, "{\"id\":\"a\",\"skills\":[]}\n{\"id\":\"b\",\"sk").unwrap();
        let (mut file, done) = open_output(&path).unwrap();
        assert_eq!(done, HashSet::from(["a".to_owned()]));
        file.write_all(b"{\"id\":\"c\"}\n").unwrap();
        drop(file);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"id\":\"a\",\"skills\":[]}\n{\"id\":\"c\"}\n"
        );
    }
}
