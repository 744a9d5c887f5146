//! Evaluating SPARQL over the store: the union of all graphs as default graph, a time limit on
//! every query, and results written in the SPARQL 1.1 result formats.

use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::Term;
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{
    CancellationToken, QueryEvaluationError, QueryResults, SparqlEvaluator, SparqlSyntaxError,
};
use oxigraph::store::Store;

/// Errors of the SPARQL layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SparqlError {
    /// The query does not parse; the message carries the position.
    #[error(transparent)]
    Syntax(#[from] SparqlSyntaxError),
    /// Evaluation failed.
    #[error(transparent)]
    Evaluation(#[from] QueryEvaluationError),
    /// The time limit ran out.
    #[error("the query ran longer than its time limit of {} s and was stopped", .0.as_secs_f64())]
    Timeout(Duration),
    /// The result has more rows than allowed.
    #[error("the query result has more than {0} rows; add a LIMIT or narrow the query")]
    TooManyResults(usize),
    /// The result form does not fit the requested format.
    #[error("{0}")]
    Format(String),
    /// Writing failed.
    #[error("writing the results")]
    Io(#[from] std::io::Error),
}

/// A time limit that cancels a query's evaluation when it runs out.
pub struct Deadline {
    token: CancellationToken,
    limit: Duration,
    done: Option<mpsc::Sender<()>>,
}

impl Deadline {
    /// Starts the clock (a timer thread for a command-line query; the server uses its own timer).
    pub fn start(limit: Duration) -> Self {
        let token = CancellationToken::new();
        let (done, wait) = mpsc::channel::<()>();
        let cancel = token.clone();
        std::thread::spawn(move || {
            if wait.recv_timeout(limit) == Err(mpsc::RecvTimeoutError::Timeout) {
                cancel.cancel();
            }
        });
        Self {
            token,
            limit,
            done: Some(done),
        }
    }

    /// The token to pass to the evaluator.
    pub fn token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// Maps an evaluation error to a timeout when the limit caused it.
    pub fn error(&self, error: QueryEvaluationError) -> SparqlError {
        if matches!(error, QueryEvaluationError::Cancelled) {
            SparqlError::Timeout(self.limit)
        } else {
            SparqlError::Evaluation(error)
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
    }
}

/// Parses and runs a query with the union of all graphs as its default graph (unless the query
/// names its dataset with FROM / FROM NAMED).
pub fn evaluate<'a>(
    store: &'a Store,
    query: &str,
    token: Option<CancellationToken>,
) -> Result<QueryResults<'a>, SparqlError> {
    let mut evaluator = SparqlEvaluator::new();
    if let Some(token) = token {
        evaluator = evaluator.with_cancellation_token(token);
    }
    let mut prepared = evaluator.parse_query(query)?;
    if prepared.dataset().is_default_dataset() {
        prepared.dataset_mut().set_default_graph_as_union();
    }
    Ok(prepared.on_store(store).execute()?)
}

/// The text of a result value: an IRI's string, a literal's lexical form, `""` when unbound.
pub fn term_text(term: Option<&Term>) -> String {
    match term {
        Some(Term::NamedNode(n)) => n.as_str().to_owned(),
        Some(Term::Literal(l)) => l.value().to_owned(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// Runs a SELECT and collects its rows as terms, in the order of the projected variables.
pub fn select(store: &Store, query: &str) -> Result<Vec<Vec<Option<Term>>>, SparqlError> {
    let QueryResults::Solutions(solutions) = evaluate(store, query, None)? else {
        return Err(SparqlError::Format("expected a SELECT query".into()));
    };
    let mut rows = Vec::new();
    for solution in solutions {
        let solution = solution?;
        rows.push(solution.values().to_vec());
    }
    Ok(rows)
}

/// An output format of the `query` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// SPARQL 1.1 results JSON
    Json,
    /// SPARQL 1.1 results XML
    Xml,
    /// SPARQL 1.1 results CSV
    Csv,
    /// SPARQL 1.1 results TSV
    Tsv,
    /// Turtle (CONSTRUCT/DESCRIBE)
    Ttl,
    /// N-Triples (CONSTRUCT/DESCRIBE)
    Nt,
}

impl OutputFormat {
    fn results(self) -> Option<QueryResultsFormat> {
        match self {
            Self::Json => Some(QueryResultsFormat::Json),
            Self::Xml => Some(QueryResultsFormat::Xml),
            Self::Csv => Some(QueryResultsFormat::Csv),
            Self::Tsv => Some(QueryResultsFormat::Tsv),
            Self::Ttl | Self::Nt => None,
        }
    }

    fn graph(self) -> Option<RdfFormat> {
        match self {
            Self::Ttl => Some(RdfFormat::Turtle),
            Self::Nt => Some(RdfFormat::NTriples),
            Self::Json | Self::Xml | Self::Csv | Self::Tsv => None,
        }
    }
}

/// Runs a query under a time limit and writes its results; `format` defaults to TSV for
/// SELECT/ASK and N-Triples for CONSTRUCT/DESCRIBE. Returns the number of rows or triples.
pub fn run_to_writer(
    store: &Store,
    query: &str,
    format: Option<OutputFormat>,
    limit: Duration,
    out: &mut impl Write,
) -> Result<u64, SparqlError> {
    let deadline = Deadline::start(limit);
    let results = evaluate(store, query, Some(deadline.token())).map_err(|e| {
        if let SparqlError::Evaluation(e) = e {
            deadline.error(e)
        } else {
            e
        }
    })?;
    let mut count = 0;
    match results {
        QueryResults::Solutions(solutions) => {
            let format = format
                .unwrap_or(OutputFormat::Tsv)
                .results()
                .ok_or_else(|| {
                    SparqlError::Format(
                        "a SELECT query gives a table: use --format json, xml, csv or tsv".into(),
                    )
                })?;
            let mut writer = QueryResultsSerializer::from_format(format)
                .serialize_solutions_to_writer(out, solutions.variables().to_vec())?;
            for solution in solutions {
                writer.serialize(&solution.map_err(|e| deadline.error(e))?)?;
                count += 1;
            }
            writer.finish()?;
        }
        QueryResults::Boolean(value) => {
            let format = format
                .unwrap_or(OutputFormat::Tsv)
                .results()
                .ok_or_else(|| {
                    SparqlError::Format(
                        "an ASK query gives a boolean: use --format json, xml, csv or tsv".into(),
                    )
                })?;
            let out = QueryResultsSerializer::from_format(format)
                .serialize_boolean_to_writer(out, value)?;
            if matches!(format, QueryResultsFormat::Csv | QueryResultsFormat::Tsv) {
                out.write_all(b"\n")?;
            }
            count = 1;
        }
        QueryResults::Graph(triples) => {
            let format = format.unwrap_or(OutputFormat::Nt).graph().ok_or_else(|| {
                SparqlError::Format(
                    "a CONSTRUCT or DESCRIBE query gives triples: use --format ttl or nt".into(),
                )
            })?;
            let mut collected = Vec::new();
            for triple in triples {
                collected.push(triple.map_err(|e| deadline.error(e))?);
            }
            // The Turtle writer groups only consecutive triples of one subject.
            collected.sort_by_cached_key(|t| (t.subject.to_string(), t.predicate.to_string()));
            let mut writer = RdfSerializer::from_format(format)
                .with_prefix("skos", "http://www.w3.org/2004/02/skos/core#")
                .and_then(|s| s.with_prefix("esco", "http://data.europa.eu/esco/model#"))
                .map_err(|e| SparqlError::Format(e.to_string()))?
                .for_writer(out);
            for triple in &collected {
                writer.serialize_triple(triple)?;
            }
            writer.finish()?;
            count = collected.len() as u64;
        }
    }
    Ok(count)
}
