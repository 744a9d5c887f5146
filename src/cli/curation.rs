//! `esco-ld user ...` (curators and their tokens) and `esco-ld map ...` (mapping projects).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueHint};

use super::matching::ModelArgs;
use super::StoreArg;
use crate::curation::project::{self, NewProject, Source};
use crate::curation::users::{self, Role};
use crate::matching::setup;
use crate::store;

/// Curator commands (the users file beside the store; a running server rereads it).
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a curator and print their API token (shown once; only its hash is kept).
    Add {
        #[command(flatten)]
        store: StoreArg,
        /// Roles: validator, reviewer, admin (repeat the flag, or separate them by commas).
        #[arg(long = "role", required = true, value_delimiter = ',', value_parser = role)]
        roles: Vec<Role>,
        /// Login name (lower-case letters, digits, '.', '_', '-').
        name: String,
    },
    /// Give a curator a new token (the old one stops working).
    Token {
        #[command(flatten)]
        store: StoreArg,
        /// Login name.
        name: String,
    },
    /// Remove a curator (their decisions stay).
    Remove {
        #[command(flatten)]
        store: StoreArg,
        /// Login name.
        name: String,
    },
    /// List curators and their roles.
    List {
        #[command(flatten)]
        store: StoreArg,
    },
}

/// Mapping project commands.
#[derive(Debug, Subcommand)]
pub enum MapCommand {
    /// Create a mapping project from a scheme in the store (--scheme), a CSV of
    /// id,title[,description] (--csv) or a SKOS file (--skos).
    Create(CreateArgs),
    /// Run the matcher over every source concept not yet being decided; store the top-k.
    Suggest {
        #[command(flatten)]
        store: StoreArg,
        #[command(flatten)]
        model: ModelArgs,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// The project's ID.
        id: String,
    },
    /// Print a project's progress: source concepts per state, mappings published.
    Status {
        #[command(flatten)]
        store: StoreArg,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// The project's ID (all projects when absent).
        id: Option<String>,
    },
    /// Write the project's crosswalk to stdout (as `crosswalk export`).
    Export(super::ExportArgs),
}

/// `map create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    #[command(flatten)]
    store: StoreArg,
    /// Title.
    #[arg(long)]
    title: String,
    /// A concept scheme of the store to map from.
    #[arg(long, conflicts_with_all = ["csv", "skos"])]
    scheme: Option<String>,
    /// A CSV (or TSV) of id,title[,description], with or without a header.
    #[arg(long, value_hint = ValueHint::FilePath, conflicts_with = "skos")]
    csv: Option<PathBuf>,
    /// A SKOS file (.ttl, .nt, .rdf) with one concept scheme.
    #[arg(long, value_hint = ValueHint::FilePath)]
    skos: Option<PathBuf>,
    /// What to map to: occupations, skills, isco-groups, skill-groups, any, or a scheme IRI.
    #[arg(long, default_value = "occupations")]
    target: crate::concept::Target,
    /// The language of the source labels (detected per label when absent).
    #[arg(long, value_parser = super::values::language)]
    language: Option<String>,
    /// Candidates kept per source concept (1 to 100).
    #[arg(short, default_value_t = 10, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=crate::matching::MAX_K as u64))]
    k: usize,
    /// Recorded as the project's creator.
    #[arg(long, default_value = "admin")]
    creator: String,
    /// The project's ID (its crosswalk's too).
    id: String,
}

/// A role's name, as a flag value.
fn role(name: &str) -> Result<Role, String> {
    Role::parse(name).map_err(|e| e.to_string())
}

pub fn run_user(command: UserCommand) -> anyhow::Result<ExitCode> {
    match command {
        UserCommand::Add { store, roles, name } => {
            let file = store.layout().users();
            let token = users::add(&file, &name, &roles)?;
            eprintln!(
                "added {name} ({}) to {}; their token (shown once):",
                roles
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                file.display()
            );
            println!("{token}");
        }
        UserCommand::Token { store, name } => {
            let token = users::rotate(&store.layout().users(), &name)?;
            eprintln!("new token for {name} (the old one no longer works):");
            println!("{token}");
        }
        UserCommand::Remove { store, name } => {
            users::remove(&store.layout().users(), &name)?;
            eprintln!("removed {name}");
        }
        UserCommand::List { store } => {
            for u in users::read(&store.layout().users())? {
                let roles: Vec<String> = u.roles.iter().map(ToString::to_string).collect();
                println!("{}\t{}\t{}", u.name, roles.join(","), u.created);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_map(command: MapCommand) -> anyhow::Result<ExitCode> {
    match command {
        MapCommand::Create(args) => {
            let source = match (&args.scheme, &args.csv, &args.skos) {
                (Some(s), None, None) => Source::Scheme(s.clone()),
                (None, Some(f), None) => Source::Csv(
                    std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?,
                ),
                (None, None, Some(f)) => Source::Skos(
                    std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?,
                    project::skos_format(f)?,
                ),
                _ => bail!("give the source: --scheme IRI, --csv FILE or --skos FILE"),
            };
            let st = store::open(&args.store.store)?;
            let p = project::create(
                &st,
                &NewProject {
                    id: args.id,
                    title: args.title,
                    source,
                    target: args.target,
                    language: args.language,
                    k: args.k,
                    creator: args.creator,
                },
            )?;
            let status = project::status(&st, &p)?;
            st.flush()?;
            eprintln!(
                "created project {} ({} source concepts; crosswalk <{}>); next: esco-ld map suggest {}",
                p.id, status.sources, p.crosswalk, p.id
            );
        }
        MapCommand::Suggest {
            store,
            model,
            json,
            id,
        } => {
            let st = store::open(&store.store)?;
            let p = project::load(&st, &id)?;
            // The dense side covers the target's labels in the project's language (all
            // languages when it names none); the lexical side covers every label.
            let scope = setup::Scope {
                target: Some(p.target.clone()),
                language: (!p.language.is_empty()).then(|| p.language.clone()),
                preferred_only: false,
            };
            let (matcher, _) = setup::matcher(
                &st,
                None,
                &store.layout().matching(),
                &model.choice(),
                &scope,
                &super::matching::progress_bar("embedding surface forms"),
            )?;
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "matching {bar:40} {pos}/{len} source concepts ({per_sec}, eta {eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let report = crate::curation::suggest::suggest(
                &st,
                &p,
                &matcher,
                &|done, total| {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                },
                &crate::curation::Curation::default(),
            )?;
            bar.finish_and_clear();
            st.flush()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "{}: {} source concepts; {} suggested ({} candidates), {} without candidates, {} kept (being decided); {} matching in {:.1} s ({:.1}/s), {:.1} s in all",
                    p.id,
                    report.sources,
                    report.suggested,
                    report.candidates,
                    report.unmapped,
                    report.kept,
                    report.method,
                    report.match_seconds,
                    report.per_second,
                    report.seconds
                );
            }
        }
        MapCommand::Status { store, json, id } => {
            let st = store::open_read_only(&store.store)?;
            let projects = match id {
                Some(id) => vec![project::load(&st, &id)?],
                None => project::list(&st)?,
            };
            let mut all = Vec::new();
            for p in &projects {
                all.push(project::status(&st, p)?);
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                for s in &all {
                    let states: Vec<String> =
                        s.states.iter().map(|(k, n)| format!("{k}={n}")).collect();
                    println!(
                        "{}\t{}\tsources={}\t{}\tmappings={}\trevision={}",
                        s.project.id,
                        s.project.title,
                        s.sources,
                        states.join(" "),
                        s.mappings,
                        s.revision
                    );
                }
            }
        }
        MapCommand::Export(super::ExportArgs { store, format, id }) => {
            let st = store::open_read_only(&store.store)?;
            let p = project::load(&st, &id)?;
            let cw_id = p.crosswalk.rsplit('/').next().unwrap_or_default();
            let cw = crate::publish::find(&st, cw_id)?;
            let mut out = Vec::new();
            crate::publish::write(&st, &cw, format, &mut out)?;
            std::io::stdout().write_all(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
