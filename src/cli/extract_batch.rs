//! `extract --input`: the batch over many ads, its summary, and `extract --merge` of the
//! summaries of shards.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::matching::progress_bar;
use crate::extract::batch::{self, Format, Shard, Sinks};
use crate::extract::summary::{Summarizer, Summary};
use crate::extract::{Extractor, Request};

/// What a batch reads and writes.
pub struct Batch<'a> {
    /// The ads.
    pub input: &'a Path,
    /// The JSONL output.
    pub output: &'a Path,
    /// The summary file, if one is wanted.
    pub summary: Option<&'a Path>,
    /// Which ads.
    pub shard: Shard,
    /// Worker threads (default: one per core).
    pub threads: Option<usize>,
}

/// Runs the batch: the rows are counted first (for the progress bar's time left), then
/// streamed through the workers.
pub fn run(
    batch: &Batch<'_>,
    extractor: &Extractor<'_>,
    defaults: &Request,
) -> anyhow::Result<ExitCode> {
    let format = Format::of(batch.input)?;
    let total = batch::rows(batch.input, format)?.count() as u64;
    let (file, done) = batch::open_output(batch.output)?;
    let mut out = std::io::BufWriter::new(file);
    let threads = batch
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let mut summarizer = batch.summary.map(|_| Summarizer::new(extractor.store()));
    let mut summary_error = None;
    let mut found = |x: &crate::extract::Extraction| {
        if let Some(s) = summarizer.as_mut() {
            if let Err(e) = s.add(x) {
                summary_error.get_or_insert(e);
            }
        }
    };
    let mut bad_row = |b: &batch::BadRow| eprintln!("skipped: {b}");
    let bar = progress_bar("ads");
    let total_usize = usize::try_from(total).unwrap_or(usize::MAX);
    let mut progress = |n: u64| {
        bar(
            usize::try_from(n).unwrap_or(usize::MAX).min(total_usize),
            total_usize,
        );
    };
    let report = batch::run(
        extractor,
        batch::rows(batch.input, format)?,
        batch.shard,
        &done,
        defaults,
        threads,
        &mut Sinks {
            out: &mut out,
            found: &mut found,
            bad_row: &mut bad_row,
            progress: &mut progress,
        },
    );
    bar(total_usize, total_usize);
    out.flush().context("writing the output")?;
    let report = report?;
    if let Some(e) = summary_error {
        return Err(e).context("reading the skills hierarchy for the summary");
    }
    if let (Some(path), Some(s)) = (batch.summary, summarizer) {
        write_summary(path, &s.finish())?;
    }
    eprintln!(
        "{} ads written to {}, {} written before, {} bad rows skipped, {} of other shards",
        report.written,
        batch.output.display(),
        report.already_done,
        report.bad,
        report.other_shards
    );
    Ok(ExitCode::SUCCESS)
}

fn write_summary(path: &Path, summary: &Summary) -> anyhow::Result<()> {
    let json = serde_json::to_vec_pretty(summary)?;
    crate::util::write_atomically(path, |w| w.write_all(&json))
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Runs `extract --merge`.
pub fn merge(files: &[std::path::PathBuf], out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let mut total = Summary::default();
    for f in files {
        let text = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
        let part: Summary = serde_json::from_slice(&text).with_context(|| {
            format!("{} is not a summary `extract --summary` wrote", f.display())
        })?;
        total.merge(&part);
    }
    match out {
        Some(path) => write_summary(path, &total)?,
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            serde_json::to_writer_pretty(&mut lock, &total)?;
            writeln!(lock)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
