//! `extract` and `eval-extract`: skills and occupations from job ads and CVs on the command line.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueHint};

use super::matching::{open_store_and_matcher, progress_bar, ModelArgs, StagedArg};
use super::StoreArg;
use crate::concept::Target;
use crate::extract::{self, Extraction, Extractor, Request};
use crate::lab::extract_eval;
use crate::matching::setup::Scope;

/// A score in [0, 1].
fn unit_score(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("{text:?} is not a number between 0 and 1")),
    }
}

/// `esco-ld extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    pub(super) model: ModelArgs,
    #[command(flatten)]
    staged: StagedArg,
    /// The ad's title, when it is not the text's first line.
    #[arg(long)]
    title: Option<String>,
    /// The text's language (ISO 639-1); detected when absent.
    #[arg(long, value_parser = super::values::language)]
    language: Option<String>,
    /// Show labels in this language (default: the text's, else English).
    #[arg(long, value_parser = super::values::language)]
    target_language: Option<String>,
    /// Match against ESCO labels in this language only (default: every language the store has).
    #[arg(long, value_parser = super::values::language)]
    esco_language: Option<String>,
    /// Most skills shown (1 to 200).
    #[arg(short, long, default_value_t = extract::DEFAULT_K, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=extract::MAX_K as u64))]
    k: usize,
    /// Skills scoring under this are left out.
    #[arg(long, default_value_t = extract::DEFAULT_THRESHOLD, value_parser = unit_score)]
    threshold: f32,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
    /// Many ads: a JSONL or CSV file with `id`, `title`, `text` and optional `language`.
    #[arg(long, value_hint = ValueHint::FilePath, requires = "output", conflicts_with_all = ["text", "merge"])]
    input: Option<PathBuf>,
    /// Where the batch writes one JSON line per ad (appended to: ids already there are skipped).
    #[arg(long, value_hint = ValueHint::FilePath, requires = "input")]
    output: Option<PathBuf>,
    /// Also write the skill demand of the input (or the merged summaries) to this JSON file.
    #[arg(long, value_hint = ValueHint::FilePath)]
    summary: Option<PathBuf>,
    /// Take every N-th ad from the I-th (I from 0): `--shard 2/8`.
    #[arg(long, requires = "input")]
    shard: Option<extract::batch::Shard>,
    /// Worker threads of the batch (default: one per core).
    #[arg(long, requires = "input", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=256))]
    threads: Option<usize>,
    /// Add up summaries of shards (files `--summary` wrote) into `--summary` or standard output.
    #[arg(long, num_args = 1.., value_hint = ValueHint::FilePath, conflicts_with = "text")]
    merge: Vec<PathBuf>,
    /// The ad or CV; `-` reads it from standard input.
    #[arg(required_unless_present_any = ["input", "merge"])]
    text: Option<String>,
}

/// `esco-ld eval-extract`.
#[derive(Debug, Args)]
pub struct EvalExtractArgs {
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    pub(super) model: ModelArgs,
    #[command(flatten)]
    staged: StagedArg,
    /// Sentences: `id<TAB>sentence<TAB>space-separated skill URIs`, header `id<TAB>sentence<TAB>skills`.
    #[arg(long, value_hint = ValueHint::FilePath)]
    sentences: PathBuf,
    /// The sentences' language (detected per sentence when absent).
    #[arg(long, value_parser = super::values::language)]
    language: Option<String>,
    /// Match against ESCO labels in this language only (default: every language).
    #[arg(long, value_parser = super::values::language)]
    esco_language: Option<String>,
    /// The threshold whose precision and recall are reported.
    #[arg(long, default_value_t = extract::DEFAULT_THRESHOLD, value_parser = unit_score)]
    threshold: f32,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Also write every sentence's outcome to this file (TSV: id, rank, gold, top 10).
    #[arg(long, value_hint = ValueHint::FilePath)]
    ranks: Option<PathBuf>,
}

/// The dense index `extract` matches with: skills and occupations.
fn scope(esco_language: Option<String>) -> Scope {
    Scope {
        target: Some(Target::Union(vec![Target::Occupations, Target::Skills])),
        language: esco_language,
        preferred_only: false,
    }
}

/// Runs `extract`: one text, a batch, or a merge of summaries.
pub fn run_extract(args: ExtractArgs) -> anyhow::Result<ExitCode> {
    if !args.merge.is_empty() {
        return super::extract_batch::merge(&args.merge, args.summary.as_deref());
    }
    if let (Some(input), Some(output)) = (&args.input, &args.output) {
        let batch = super::extract_batch::Batch {
            input,
            output,
            summary: args.summary.as_deref(),
            shard: args.shard.unwrap_or(extract::batch::Shard::ALL),
            threads: args.threads,
        };
        let (store, matcher) = open_store_and_matcher(
            &args.store,
            &args.model,
            &args.staged,
            &scope(args.esco_language.clone()),
        )?;
        let defaults = Request {
            k: args.k,
            threshold: args.threshold,
            target_language: args.target_language.clone(),
            language: args.language.clone(),
            esco_language: args.esco_language.clone(),
            ..Request::new("")
        };
        return super::extract_batch::run(&batch, &Extractor::new(&matcher, &store), &defaults);
    }
    let text = args.text.unwrap_or_default();
    let text = if text == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the text from standard input (is it UTF-8?)")?;
        text
    } else {
        text
    };
    let (store, matcher) = open_store_and_matcher(
        &args.store,
        &args.model,
        &args.staged,
        &scope(args.esco_language.clone()),
    )?;
    let request = Request {
        text,
        title: args.title,
        language: args.language,
        k: args.k,
        threshold: args.threshold,
        target_language: args.target_language,
        esco_language: args.esco_language,
    };
    let found = Extractor::new(&matcher, &store).extract(&request)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &found)?;
        writeln!(out)?;
    } else {
        print_extraction(&mut out, &found)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_extraction(out: &mut dyn Write, found: &Extraction) -> std::io::Result<()> {
    writeln!(
        out,
        "language: {}; method: {}; title: {}",
        found.language.as_deref().unwrap_or("unknown"),
        found.method,
        found.title.as_deref().unwrap_or("-")
    )?;
    writeln!(out, "\nrank\tscore\tisco\turi\toccupation")?;
    for (i, o) in found.occupations.iter().enumerate() {
        writeln!(
            out,
            "{}\t{:.3}\t{}\t{}\t{}",
            i + 1,
            o.score,
            o.isco.as_deref().unwrap_or("-"),
            o.uri,
            o.label
        )?;
    }
    writeln!(out, "\nrank\tscore\ttype\trelation\turi\tskill\tevidence")?;
    for (i, s) in found.skills.iter().enumerate() {
        let kind = match s.skill_type {
            Some(extract::facts::SkillType::Knowledge) => "knowledge",
            Some(extract::facts::SkillType::Skill) => "skill",
            None => "-",
        };
        let relation = match s.relation {
            Some(extract::facts::Relation::Essential) => "essential",
            Some(extract::facts::Relation::Optional) => "optional",
            None => "-",
        };
        let evidence: Vec<String> = s
            .evidence
            .iter()
            .map(|e| format!("{}-{} {:?}", e.start, e.end, e.text))
            .collect();
        writeln!(
            out,
            "{}\t{:.3}\t{kind}\t{relation}\t{}\t{}\t{}",
            i + 1,
            s.score,
            s.uri,
            s.label,
            evidence.join("; ")
        )?;
    }
    Ok(())
}

/// Runs `eval-extract`.
pub fn run_eval_extract(args: &EvalExtractArgs) -> anyhow::Result<ExitCode> {
    let sentences = extract_eval::read_sentences(&args.sentences)?;
    let scope = Scope {
        target: Some(Target::Skills),
        language: args.esco_language.clone(),
        preferred_only: false,
    };
    let (store, matcher) = open_store_and_matcher(&args.store, &args.model, &args.staged, &scope)?;
    let extractor = Extractor::new(&matcher, &store);
    let mut ranks_file = match &args.ranks {
        Some(path) => Some(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        ),
        None => None,
    };
    let report = extract_eval::run(
        &extractor,
        &sentences,
        args.language.as_deref(),
        args.esco_language.as_deref(),
        args.threshold,
        ranks_file.as_mut().map(|f| f as &mut dyn Write),
        &progress_bar("ranking sentences"),
    )?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let o = &report.overall;
    writeln!(
        out,
        "{} sentences, method {}: MRR {:.4}  RP@1 {:.4}  RP@5 {:.4}  RP@10 {:.4}  ({:.1} sentences/s)",
        o.queries,
        matcher.method(),
        o.mrr,
        o.rp_1,
        o.rp_5,
        o.rp_10,
        o.queries_per_s
    )?;
    writeln!(out, "threshold\tprecision\trecall\tf1\tkept per sentence")?;
    for t in std::iter::once(&report.at_threshold).chain(&report.thresholds) {
        writeln!(
            out,
            "{:.2}\t{:.4}\t{:.4}\t{:.4}\t{:.2}",
            t.threshold, t.precision, t.recall, t.f1, t.kept_per_sentence
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `esco-ld compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    pub(super) model: ModelArgs,
    #[command(flatten)]
    staged: StagedArg,
    /// Match against ESCO labels in this language only (default: every language the store has).
    #[arg(long, value_parser = super::values::language)]
    esco_language: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// The vacancy: a file with the ad's text (its first line the title), one ESCO occupation
    /// IRI, or ESCO skill IRIs separated by white space.
    #[arg(value_hint = ValueHint::FilePath)]
    vacancy: PathBuf,
    /// The candidates: files of the same kinds (CVs, occupations, skill lists).
    #[arg(required = true, value_hint = ValueHint::FilePath)]
    candidates: Vec<PathBuf>,
}

fn side_of(path: &std::path::Path) -> anyhow::Result<extract::compare::Side> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {} (is it UTF-8?)", path.display()))?;
    Ok(extract::compare::Side::from_file_text(&text))
}

/// Runs `compare`.
pub fn run_compare(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let vacancy = side_of(&args.vacancy)?;
    let candidates = args
        .candidates
        .iter()
        .map(|p| side_of(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (store, matcher) = open_store_and_matcher(
        &args.store,
        &args.model,
        &args.staged,
        &scope(args.esco_language.clone()),
    )?;
    let found = Extractor::new(&matcher, &store).compare(&vacancy, &candidates)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &found)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "vacancy: {} skills; occupation {}",
        found.vacancy_skills,
        found.vacancy_occupation.as_deref().unwrap_or("-")
    )?;
    writeln!(
        out,
        "rank\tscore\tcommon\trelated\tmissing essential\tother\tcandidate"
    )?;
    for (i, c) in found.candidates.iter().enumerate() {
        writeln!(
            out,
            "{}\t{:.3}\t{}\t{}\t{}\t{}\t{}",
            i + 1,
            c.score,
            c.common.len(),
            c.related.len(),
            c.missing_essential.len(),
            c.other.len(),
            args.candidates[c.candidate].display()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
