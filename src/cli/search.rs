//! `esco-ld search`: label search and autocomplete from the command line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use super::StoreArg;
use crate::search::{self, Mode, Request, SearchIndex};

/// `esco-ld search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    #[command(flatten)]
    store: StoreArg,
    /// Only labels in this language (ISO 639-1).
    #[arg(long, value_parser = super::values::language)]
    language: Option<String>,
    /// occupation, skill, isco-group (isco), skill-group or concept (any).
    #[arg(long = "type", default_value = "concept")]
    kind: search::Classes,
    /// Autocomplete: every word of the text starts a word of the label.
    #[arg(long)]
    suggest: bool,
    /// Preferred labels and codes only.
    #[arg(long)]
    preferred_only: bool,
    /// Results to show (1 to 1000).
    #[arg(long, default_value_t = 10, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=search::MAX_LIMIT as u64))]
    limit: usize,
    /// Results to skip.
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// Folder of the index (default: STORE.search beside the store).
    #[arg(long)]
    index: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// The text (`*` lists every concept).
    text: String,
}

/// Runs `esco-ld search`: brings the index beside the store in step, then searches it.
pub fn run(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let store = crate::store::open_read_only(&args.store.store)?;
    let dir = args.index.unwrap_or_else(|| args.store.layout().search());
    // The tag `serve` stamps the index with, so that either finds the other's index in step.
    let stamp = crate::store::StoreVersion::of_dir(&args.store.store).index_tag();
    let mut index = SearchIndex::open(&dir)?;
    if index.stamp().as_deref() != Some(stamp.as_str()) {
        let forms = crate::store::forms::Forms::read_labels(&store)?;
        let report = index
            .sync(&forms, &stamp)
            .with_context(|| format!("cannot bring the index in {} in step", dir.display()))?;
        eprintln!(
            "label index {}: {} concepts indexed, {} removed, {} unchanged",
            dir.display(),
            report.indexed,
            report.removed,
            report.unchanged
        );
    }
    if let Some(lang) = &args.language {
        if !index.languages()?.contains(lang) {
            anyhow::bail!("the store has no labels in language {lang:?}");
        }
    }
    let results = index.search(&Request {
        text: args.text,
        language: args.language,
        classes: args.kind.0,
        schemes: Vec::new(),
        alternative: !args.preferred_only,
        mode: if args.suggest {
            Mode::Suggest
        } else {
            Mode::Search
        },
        offset: args.offset,
        limit: args.limit,
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    } else {
        println!("{} concepts", results.total);
        for hit in &results.hits {
            println!(
                "{:.3}\t{}\t{}\t{}@{} ({})",
                hit.score,
                hit.class,
                hit.uri,
                hit.matched,
                hit.matched_language,
                serde_json::to_value(hit.matched_kind)?
                    .as_str()
                    .unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
