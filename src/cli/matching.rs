//! `match`, `eval`, `eval-trec` and `index`: the matcher on the command line.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, ValueHint};
use indicatif::{ProgressBar, ProgressStyle};

use super::StoreArg;
use crate::concept::Target;
use crate::lab::{eval, trec};
use crate::load::crosswalk::table::MatchKind;
use crate::matching::setup::{self, ModelChoice};
use crate::matching::{Input, Matcher};
use crate::store;

/// Which model to use.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Model folder (Hugging Face layout); default: models/multilingual-e5-small when installed.
    #[arg(long, env = "ESCO_LD_MODEL", value_hint = ValueHint::DirPath)]
    pub model: Option<PathBuf>,
    /// Match lexically only, even when a model is installed or named (in ESCO_LD_MODEL too).
    #[arg(long)]
    pub no_model: bool,
    /// The adapter the model's vectors go through: a folder `model tune` wrote, or `none`
    /// (default: the one shipped for the model in DATA/models/esco-adapter-MODEL).
    #[arg(long, env = "ESCO_LD_ADAPTER", value_hint = ValueHint::DirPath)]
    pub adapter: Option<crate::config::AdapterChoice>,
}

/// How `match` and `eval` rank with a model.
#[derive(Debug, Args)]
pub struct StagedArg {
    /// Staged matching: the fast first stage (the shipped static model over every label, quick
    /// to build) with the model re-scoring its 30 best candidates, instead of the model's own
    /// side-index (much slower to build for the full data).
    #[arg(long, conflicts_with = "no_model")]
    pub staged: bool,
}

impl ModelArgs {
    /// The choice the flags make.
    pub fn choice(&self) -> ModelChoice {
        ModelChoice::from_flags(self.model.clone(), self.no_model)
    }
}

/// `esco-ld match`.
#[derive(Debug, Args)]
pub struct MatchArgs {
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    pub(super) model: ModelArgs,
    #[command(flatten)]
    staged: StagedArg,
    /// Input language (ISO 639-1); detected when absent.
    #[arg(long, value_parser = super::values::language)]
    language: Option<String>,
    /// Match against ESCO labels in this language only (default: every language).
    #[arg(long, value_parser = super::values::language)]
    esco_language: Option<String>,
    /// occupations, skills, isco-groups, skill-groups, any, or a scheme IRI.
    #[arg(long, default_value = "occupations")]
    target: Target,
    /// Number of candidates (1 to 100).
    #[arg(short, long, default_value_t = 10, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=crate::matching::MAX_K as u64))]
    k: usize,
    /// A description of the input, besides its title.
    #[arg(long)]
    description: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// The text to match.
    text: String,
}

/// `esco-ld eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    pub(super) model: ModelArgs,
    #[command(flatten)]
    staged: StagedArg,
    /// The crosswalk: a EURES mapping table or the ESCO–O*NET crosswalk.
    #[arg(long, value_hint = ValueHint::FilePath)]
    crosswalk: PathBuf,
    /// Use the foreign descriptions too.
    #[arg(long)]
    with_description: bool,
    /// Relations that count as hits, comma-separated (exact,close,broad,narrow); default all.
    #[arg(long, value_delimiter = ',', value_parser = super::values::relation)]
    relations: Vec<MatchKind>,
    /// Match against ESCO labels in this language only.
    #[arg(long, value_parser = super::values::language)]
    esco_language: Option<String>,
    /// What to match against.
    #[arg(long, default_value = "occupations")]
    target: Target,
    /// Leave out the queries none of whose gold answers is within the target (e.g. rows mapped
    /// to an ISCO group only, when the target is `occupations`); they are counted as misses
    /// otherwise.
    #[arg(long)]
    reachable_only: bool,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Also write every query's outcome to this file (TSV: id, text, rank, gold, found).
    #[arg(long, value_hint = ValueHint::FilePath)]
    ranks: Option<PathBuf>,
}

/// `esco-ld eval-trec`.
#[derive(Debug, Args)]
pub struct EvalTrecArgs {
    #[command(flatten)]
    pub(super) model: ModelArgs,
    /// Queries: `id<TAB>text` per line.
    #[arg(long, value_hint = ValueHint::FilePath)]
    queries: PathBuf,
    /// Corpus: `id<TAB>text` per line.
    #[arg(long, value_hint = ValueHint::FilePath)]
    corpus: PathBuf,
    /// Relevance judgements: `qid 0 docid rel` per line.
    #[arg(long, value_hint = ValueHint::FilePath)]
    qrels: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Also write every query's outcome to this file (TSV: id, text, rank, gold, found).
    #[arg(long, value_hint = ValueHint::FilePath)]
    ranks: Option<PathBuf>,
}

pub(super) fn progress_bar(what: &'static str) -> impl Fn(usize, usize) {
    let bar = ProgressBar::hidden();
    move |done, total| {
        if bar.is_hidden() && total > 0 && done < total {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_length(total as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg} {wide_bar} {pos}/{len} ({per_sec}, {eta} left)",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message(what);
        }
        bar.set_position(done as u64);
        if done >= total {
            bar.finish_and_clear();
        }
    }
}

fn open_matcher(
    store: &StoreArg,
    model: &ModelArgs,
    staged: &StagedArg,
    scope: &setup::Scope,
) -> anyhow::Result<Matcher> {
    Ok(open_store_and_matcher(store, model, staged, scope)?.1)
}

/// The store, read-only, and a matcher over it.
pub(super) fn open_store_and_matcher(
    store: &StoreArg,
    model: &ModelArgs,
    staged: &StagedArg,
    scope: &setup::Scope,
) -> anyhow::Result<(oxigraph::store::Store, Matcher)> {
    // The store's version before it is opened: the forms' snapshot is used if taken then.
    let stamp = store::StoreVersion::of_dir(&store.store).index_tag();
    let st = store::open_read_only(&store.store)?;
    let build = if staged.staged {
        setup::staged
    } else {
        setup::matcher
    };
    let (matcher, report) = build(
        &st,
        Some(&stamp),
        &store.layout().matching(),
        &model.choice(),
        scope,
        &progress_bar("embedding surface forms"),
    )?;
    if matcher.semantic.is_none() {
        eprintln!("no model loaded: matching lexically (run `esco-ld model install`)");
    }
    tracing::info!(?report, "matcher ready");
    Ok((st, matcher))
}

/// Runs `match`.
pub fn run_match(args: MatchArgs) -> anyhow::Result<ExitCode> {
    let target = args.target.clone();
    let esco_language = args.esco_language.clone();
    let scope = setup::Scope {
        target: Some(target.clone()),
        language: esco_language.clone(),
        preferred_only: false,
    };
    let matcher = open_matcher(&args.store, &args.model, &args.staged, &scope)?;
    let found = matcher.search(&Input {
        text: args.text,
        description: args.description,
        language: args.language,
        target,
        k: args.k,
        label_language: esco_language,
    })?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &found)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "rank\tscore\tlexical\tdense\turi\tlabel\tmatched\tlanguage\tvia"
        )?;
        for (i, c) in found.candidates.iter().enumerate() {
            writeln!(
                out,
                "{}\t{:.3}\t{:.3}\t{}\t{}\t{}\t{}\t{}\t{}",
                i + 1,
                c.score,
                c.lexical,
                c.dense.map_or_else(|| "-".into(), |d| format!("{d:.3}")),
                c.uri,
                c.label,
                c.matched,
                c.matched_language,
                c.via.as_deref().unwrap_or("-")
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `eval`.
pub fn run_eval(args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let relations: BTreeSet<MatchKind> = args.relations.iter().copied().collect();
    let target = args.target.clone();
    let esco_language = args.esco_language.clone();
    let (queries, language) = eval::crosswalk_queries(&args.crosswalk)
        .with_context(|| format!("cannot read {}", args.crosswalk.display()))?;
    let scope = setup::Scope {
        target: Some(target.clone()),
        language: esco_language.clone(),
        preferred_only: false,
    };
    let matcher = open_matcher(&args.store, &args.model, &args.staged, &scope)?;
    // An adapter trained on this crosswalk has seen its answers: its figures would not measure
    // matching.
    if let Some(adapter) = matcher.adapter() {
        if let Some(t) = adapter.trained_on(&eval::fingerprint(&queries)) {
            bail!(
                "the adapter {} was trained on this crosswalk ({}, {} pairs): evaluate with an adapter tuned without it (ESCO_LD_ADAPTER=DIR) or none (ESCO_LD_ADAPTER=none)",
                adapter.id(),
                t.file,
                t.pairs
            );
        }
    }
    let options = eval::Options {
        with_description: args.with_description,
        relations,
        esco_language,
        target,
        language: Some(language).filter(|l| crate::matching::language::valid_tag(l)),
        reachable_only: args.reachable_only,
    };
    let report = eval::evaluate(&matcher, &queries, &options, &progress_bar("matching"))?;
    write_ranks(&report, args.ranks.as_deref())?;
    print_report(&report, args.json)
}

/// Runs `eval-trec`.
pub fn run_eval_trec(args: &EvalTrecArgs) -> anyhow::Result<ExitCode> {
    let collection = trec::Collection::read(&args.queries, &args.corpus, &args.qrels)?;
    let work = tempfile_dir()?;
    let (matcher, _) = collection.matcher(
        &work,
        &args.model.choice(),
        &progress_bar("embedding corpus"),
    )?;
    let report = collection.evaluate(&matcher, &progress_bar("matching"))?;
    let _ = std::fs::remove_dir_all(&work);
    write_ranks(&report, args.ranks.as_deref())?;
    print_report(&report, args.json)
}

/// Writes the per-query outcomes (`--ranks`), whole or not at all.
fn write_ranks(report: &eval::Report, path: Option<&std::path::Path>) -> anyhow::Result<()> {
    let Some(path) = path else { return Ok(()) };
    crate::util::write_atomically(path, |out| report.write_ranks(out))
        .with_context(|| format!("cannot write {}", path.display()))
}

fn print_report(report: &eval::Report, json: bool) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        serde_json::to_writer_pretty(&mut out, report)?;
        writeln!(out)?;
    } else {
        eval::print_table(report, &mut out)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("esco-ld-trec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// `esco-ld index build`.
#[derive(Debug, Args)]
pub struct IndexBuildArgs {
    #[command(flatten)]
    store: StoreArg,
    #[command(flatten)]
    pub(super) model: ModelArgs,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `index build`: brings the service's side-index (every label of every concept) in step
/// with the store, embedding what is missing, as `serve` would in the background.
pub fn run_index_build(args: &IndexBuildArgs) -> anyhow::Result<ExitCode> {
    if args.model.choice().resolve()?.is_none() {
        bail!("no model: install one with `esco-ld model install` (or pass --model DIR)");
    }
    let stamp = store::StoreVersion::of_dir(&args.store.store).index_tag();
    let st = store::open_read_only(&args.store.store)?;
    let (_, report) = setup::matcher(
        &st,
        Some(&stamp),
        &args.store.layout().matching(),
        &args.model.choice(),
        &setup::Scope::all(),
        &progress_bar("embedding surface forms"),
    )?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if let Some(d) = &report.dense {
        println!(
            "{} forms of {} concepts; dense index: {} forms ({} texts embedded in {:.1} s, {:.1} texts/s; {} added, {} removed) in {:.1} s",
            report.forms,
            report.concepts,
            d.forms,
            d.embedded,
            d.embed_seconds,
            d.embedded as f64 / d.embed_seconds.max(1e-9),
            d.added,
            d.removed,
            d.seconds
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `esco-ld model tune`.
#[derive(Debug, Args)]
pub struct TuneArgs {
    #[command(flatten)]
    store: StoreArg,
    /// Model folder (Hugging Face layout); default: models/multilingual-e5-small when installed.
    #[arg(long, env = "ESCO_LD_MODEL", value_hint = ValueHint::DirPath)]
    model: Option<PathBuf>,
    /// Folder to write the adapter to (replaced whole); data/models/esco-adapter-MODEL is the
    /// one matching picks up by default.
    #[arg(long, value_hint = ValueHint::DirPath)]
    out: PathBuf,
    /// Label languages, comma-separated.
    #[arg(long, value_delimiter = ',', num_args = 1.., default_value = "en,es,it,lv,sv", value_parser = super::values::language)]
    languages: Vec<String>,
    /// The concepts whose labels are tuned on.
    #[arg(long, default_value = "occupations")]
    target: Target,
    /// Optimisation steps (at least 1).
    #[arg(long, default_value_t = 1500, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    steps: usize,
    /// Share of the concepts held out of training and measured on (from 0 up to 1).
    #[arg(long, default_value_t = 0.1, value_parser = super::values::share)]
    holdout: f64,
    /// A crosswalk (EURES mapping table or the ESCO–O*NET crosswalk) whose title → ESCO
    /// concept pairs are trained on too; repeatable. `eval` refuses the adapter on these.
    #[arg(long, value_hint = ValueHint::FilePath)]
    crosswalk: Vec<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `model tune`.
pub fn run_tune(args: TuneArgs) -> anyhow::Result<ExitCode> {
    let languages = args.languages.clone();
    let mut options = crate::lab::tune::TuneOptions {
        languages,
        target: args.target.clone(),
        steps: args.steps,
        holdout: args.holdout,
        ..crate::lab::tune::TuneOptions::default()
    };
    // The crosswalks are read before anything heavy, so a bad file fails at once.
    let mut crosswalks = Vec::new();
    for path in &args.crosswalk {
        let (queries, language) = eval::crosswalk_queries(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let sha256 = eval::fingerprint(&queries);
        crosswalks.push((path, queries, language, sha256));
    }
    let Some(dir) = ModelChoice::from_flags(args.model, false).resolve()? else {
        bail!("no model: install one with `esco-ld model install` (or pass --model DIR)");
    };
    let encoder = crate::embed::Encoder::load(&dir)?;
    let stamp = store::StoreVersion::of_dir(&args.store.store).index_tag();
    let st = store::open_read_only(&args.store.store)?;
    let index = args.store.layout().matching();
    let (forms, _) = setup::forms(&st, &index, Some(&stamp))?;
    for (path, queries, language, sha256) in crosswalks {
        let mut pairs = Vec::new();
        for q in &queries {
            let title = crate::matching::query::focus(&q.text);
            for (uri, _) in &q.gold {
                if let Ok(c) = forms
                    .concepts
                    .binary_search_by(|c| c.iri.as_str().cmp(uri.as_str()))
                {
                    if forms.concepts[c].is_in(&options.target) {
                        pairs.push((title.clone(), c as u32));
                    }
                }
            }
        }
        if pairs.is_empty() {
            bail!(
                "{}: no title is mapped to a {} concept of the store",
                path.display(),
                args.target
            );
        }
        options.crosswalks.push(crate::lab::tune::CrosswalkPairs {
            file: path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            sha256,
            language,
            pairs,
        });
    }
    let (_, _, cache_path) = crate::matching::dense::paths(&index, &encoder, "all");
    let open = |path: &std::path::Path| {
        crate::matching::vectors::VectorCache::open(path, encoder.dims())
            .with_context(|| format!("cannot open {}", path.display()))
    };
    let mut cache = open(&cache_path)?;
    // Labels the staged matcher embedded are in its own cache: taken from there, not embedded.
    let short_list = index.join(format!("{}.short-list.vectors", encoder.name()));
    if short_list.is_file() {
        cache.take_from(&open(&short_list)?)?;
    }
    let cache = std::sync::Mutex::new(cache);
    let (mut adapter, report) = crate::lab::tune::tune(
        &forms,
        &encoder,
        &cache,
        &options,
        &progress_bar("embedding labels"),
    )?;
    adapter.save(&args.out)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{} labels of {} concepts ({} held out), {} crosswalk pairs; {} embedded in {:.1} s; {} steps in {:.1} s, loss {:.3} -> {:.3}; floor {:.3} (model {:.3})",
            report.labels,
            report.concepts,
            report.held_out_concepts,
            report.crosswalk_pairs,
            report.embedded,
            report.embed_seconds,
            report.steps,
            report.train_seconds,
            report.loss_first,
            report.loss_last,
            report.floor,
            report.floor_before
        );
        for (lang, l) in &report.languages {
            println!(
                "{lang}: {} labels; held-out label -> concept MRR {:.3} -> {:.3} ({} queries)",
                l.labels, l.mrr_before, l.mrr_after, l.held_out_queries
            );
        }
    }
    eprintln!("adapter {} written to {}", adapter.id(), args.out.display());
    Ok(ExitCode::SUCCESS)
}
