//! The SPARQL 1.1 Protocol at `/sparql` (query and update) and `/update`, the service
//! description, and the HTML query page.

use std::time::Duration;

use actix_web::http::header::{self, ContentType};
use actix_web::{web, HttpRequest, HttpResponse};
use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphName, NamedNode};
use oxigraph::sparql::results::QueryResultsFormat;
use oxigraph::sparql::{CancellationToken, QueryResults, SparqlEvaluator};

use super::error::{ApiError, Code};
use super::extractors::Admin;
use super::{blocking, html, AppState};
use crate::sparql::SparqlError;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/sparql")
            .route(web::get().to(get_sparql))
            .route(web::post().to(post_sparql))
            .route(web::head().to(get_sparql)),
    )
    .service(web::resource("/update").route(web::post().to(post_update)));
}

/// The parameters of a protocol request.
#[derive(Debug, Default)]
struct Params {
    query: Vec<String>,
    update: Vec<String>,
    default_graphs: Vec<String>,
    named_graphs: Vec<String>,
    format: Option<String>,
}

fn params(encoded: &[u8]) -> Params {
    let mut p = Params::default();
    for (k, v) in form_urlencoded::parse(encoded) {
        match k.as_ref() {
            "query" => p.query.push(v.into_owned()),
            "update" => p.update.push(v.into_owned()),
            "default-graph-uri" | "using-graph-uri" => p.default_graphs.push(v.into_owned()),
            "named-graph-uri" | "using-named-graph-uri" => p.named_graphs.push(v.into_owned()),
            "format" => p.format = Some(v.into_owned()),
            _ => {}
        }
    }
    p
}

/// The parameters of a form body, with the dataset and format parameters of the URL added.
fn form_params(body: &[u8], mut url: Params) -> Params {
    let mut p = params(body);
    p.default_graphs.append(&mut url.default_graphs);
    p.named_graphs.append(&mut url.named_graphs);
    p.format = p.format.or(url.format);
    p
}

fn bad(message: impl Into<String>) -> ApiError {
    super::bad(message).plain()
}

async fn get_sparql(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut p = params(req.query_string().as_bytes());
    if !p.update.is_empty() {
        return Err(bad("updates are sent by POST"));
    }
    match p.query.len() {
        0 => description_or_page(&req, &state, p.format.as_deref()),
        1 => {
            let query = p.query.remove(0);
            run_query(&req, state, query, p).await
        }
        _ => Err(bad("more than one query parameter")),
    }
}

async fn post_sparql(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let url = params(req.query_string().as_bytes());
    match super::content_type(&req).as_str() {
        "application/x-www-form-urlencoded" => {
            let mut p = form_params(&body, url);
            match (p.query.len(), p.update.len()) {
                (1, 0) => {
                    let query = p.query.remove(0);
                    run_query(&req, state, query, p).await
                }
                (0, 1) => {
                    let update = p.update.remove(0);
                    run_update(&req, state, update, p).await
                }
                (0, 0) => Err(bad("the form has neither a query nor an update parameter")),
                _ => Err(bad("the form must have exactly one query or one update parameter")),
            }
        }
        "application/sparql-query" => {
            if !url.query.is_empty() {
                return Err(bad("a query in the body and another in the URL"));
            }
            let query = String::from_utf8(body.to_vec()).map_err(|_| bad("the query is not UTF-8"))?;
            run_query(&req, state, query, url).await
        }
        "application/sparql-update" => {
            let update = String::from_utf8(body.to_vec()).map_err(|_| bad("the update is not UTF-8"))?;
            run_update(&req, state, update, url).await
        }
        "" => Err(ApiError::new(Code::UnsupportedMediaType, "a POST needs a Content-Type: application/x-www-form-urlencoded, application/sparql-query or application/sparql-update").plain()),
        other => Err(ApiError::new(Code::UnsupportedMediaType, format!("{other} is not a SPARQL request type (application/x-www-form-urlencoded, application/sparql-query, application/sparql-update)")).plain()),
    }
}

async fn post_update(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let url = params(req.query_string().as_bytes());
    match super::content_type(&req).as_str() {
        "application/x-www-form-urlencoded" => {
            let mut p = form_params(&body, url);
            if p.update.len() != 1 || !p.query.is_empty() {
                return Err(bad("the form must have exactly one update parameter"));
            }
            let update = p.update.remove(0);
            run_update(&req, state, update, p).await
        }
        "application/sparql-update" => {
            let update = String::from_utf8(body.to_vec()).map_err(|_| bad("the update is not UTF-8"))?;
            run_update(&req, state, update, url).await
        }
        other => Err(ApiError::new(Code::UnsupportedMediaType, format!("{other:?} is not a SPARQL update type (application/x-www-form-urlencoded, application/sparql-update)")).plain()),
    }
}

/// This endpoint's URL: the base IRI of queries and updates (as the protocol suggests).
fn endpoint(req: &HttpRequest) -> String {
    format!("{}/sparql", super::origin(req))
}

fn graph_names(iris: &[String]) -> Result<Vec<NamedNode>, ApiError> {
    iris.iter()
        .map(|g| NamedNode::new(g).map_err(|e| bad(format!("{g:?} is not an IRI: {e}"))))
        .collect()
}

/// The result formats offered for a result form, in order of preference.
const SOLUTION_TYPES: &[&str] = &[
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "application/json",
    "application/xml",
];
const GRAPH_TYPES: &[&str] = &[
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "application/n-quads",
    "application/trig",
];

fn format_alias(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "json" | "srj" => "application/sparql-results+json",
        "xml" | "srx" => "application/sparql-results+xml",
        "csv" => "text/csv",
        "tsv" => "text/tab-separated-values",
        "ttl" | "turtle" => "text/turtle",
        "nt" | "ntriples" | "n-triples" => "application/n-triples",
        "rdf" | "rdfxml" | "rdf+xml" => "application/rdf+xml",
        "jsonld" | "json-ld" => "application/ld+json",
        "nq" | "nquads" => "application/n-quads",
        "trig" => "application/trig",
        other => {
            return SOLUTION_TYPES
                .iter()
                .chain(GRAPH_TYPES)
                .find(|t| **t == other)
                .copied()
        }
    })
}

fn accept(req: &HttpRequest) -> Option<String> {
    super::accept_header(req).map(str::to_owned)
}

/// Picks the response type: `?format=` first, then Accept.
fn choose(
    accept: Option<&str>,
    format: Option<&str>,
    offered: &[&'static str],
) -> Result<&'static str, ApiError> {
    if let Some(name) = format {
        let wanted = format_alias(name).ok_or_else(|| bad(format!("unknown format {name:?}")))?;
        return offered
            .iter()
            .find(|t| **t == wanted)
            .copied()
            .ok_or_else(|| {
                ApiError::new(
                    Code::NotAcceptable,
                    format!("format {name:?} does not fit this query's result"),
                )
                .plain()
            });
    }
    super::negotiate(accept, offered).map_err(ApiError::plain)
}

async fn run_query(
    req: &HttpRequest,
    state: web::Data<AppState>,
    query: String,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    let default_graphs = graph_names(&p.default_graphs)?;
    let named_graphs = graph_names(&p.named_graphs)?;
    let token = CancellationToken::new();
    let limit = state.config.query_timeout;
    let timer = {
        let token = token.clone();
        actix_web::rt::spawn(async move {
            actix_web::rt::time::sleep(limit).await;
            token.cancel();
        })
    };
    let accept = accept(req);
    let base = endpoint(req);
    let format = p.format.clone();
    let st = state.clone();
    let result = blocking(move || {
        evaluate(
            &st,
            accept.as_deref(),
            &query,
            default_graphs,
            named_graphs,
            token,
            limit,
            format.as_deref(),
            &base,
        )
    })
    .await;
    timer.abort();
    let (media, body) = result?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format!("{media}; charset=utf-8")))
        .insert_header((header::VARY, "Accept"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body))
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site, the parts of a protocol request"
)]
fn evaluate(
    state: &AppState,
    accept: Option<&str>,
    query: &str,
    default_graphs: Vec<NamedNode>,
    named_graphs: Vec<NamedNode>,
    token: CancellationToken,
    limit: Duration,
    format: Option<&str>,
    base: &str,
) -> Result<(&'static str, Vec<u8>), ApiError> {
    let timeout = |e: oxigraph::sparql::QueryEvaluationError| -> ApiError {
        if matches!(e, oxigraph::sparql::QueryEvaluationError::Cancelled) {
            SparqlError::Timeout(limit).into()
        } else {
            SparqlError::Evaluation(e).into()
        }
    };
    let plain = |e: ApiError| e.plain();
    let mut prepared = SparqlEvaluator::new()
        .with_base_iri(base)
        .map_err(|e| ApiError::new(Code::Internal, e.to_string()))?
        .with_cancellation_token(token)
        .parse_query(query)
        .map_err(|e| plain(SparqlError::Syntax(e).into()))?;
    if !default_graphs.is_empty() || !named_graphs.is_empty() {
        let dataset = prepared.dataset_mut();
        dataset.set_default_graph(default_graphs.into_iter().map(GraphName::from).collect());
        dataset.set_available_named_graphs(named_graphs.into_iter().map(Into::into).collect());
    } else if prepared.dataset().is_default_dataset() && state.config.union_default_graph {
        prepared.dataset_mut().set_default_graph_as_union();
    }
    let results = prepared
        .on_store(&state.store)
        .execute()
        .map_err(|e| plain(timeout(e)))?;
    let max = state.config.max_results;
    let mut out = Vec::new();
    let media = match results {
        QueryResults::Solutions(solutions) => {
            let media = choose(accept, format, SOLUTION_TYPES)?;
            let format = match media {
                "application/sparql-results+json" | "application/json" => QueryResultsFormat::Json,
                "application/sparql-results+xml" | "application/xml" => QueryResultsFormat::Xml,
                "text/csv" => QueryResultsFormat::Csv,
                _ => QueryResultsFormat::Tsv,
            };
            let mut writer = oxigraph::sparql::results::QueryResultsSerializer::from_format(format)
                .serialize_solutions_to_writer(&mut out, solutions.variables().to_vec())
                .map_err(|e| plain(SparqlError::Io(e).into()))?;
            for (n, solution) in solutions.enumerate() {
                if n >= max {
                    return Err(plain(SparqlError::TooManyResults(max).into()));
                }
                writer
                    .serialize(&solution.map_err(|e| plain(timeout(e)))?)
                    .map_err(|e| plain(SparqlError::Io(e).into()))?;
            }
            writer
                .finish()
                .map_err(|e| plain(SparqlError::Io(e).into()))?;
            media
        }
        QueryResults::Boolean(value) => {
            let media = choose(accept, format, SOLUTION_TYPES)?;
            let format = match media {
                "application/sparql-results+xml" | "application/xml" => QueryResultsFormat::Xml,
                "text/csv" => QueryResultsFormat::Csv,
                "text/tab-separated-values" => QueryResultsFormat::Tsv,
                _ => QueryResultsFormat::Json,
            };
            oxigraph::sparql::results::QueryResultsSerializer::from_format(format)
                .serialize_boolean_to_writer(&mut out, value)
                .map_err(|e| plain(SparqlError::Io(e).into()))?;
            media
        }
        QueryResults::Graph(triples) => {
            let media = choose(accept, format, GRAPH_TYPES)?;
            let mut collected = Vec::new();
            for (n, triple) in triples.enumerate() {
                if n >= max {
                    return Err(plain(SparqlError::TooManyResults(max).into()));
                }
                collected.push(triple.map_err(|e| plain(timeout(e)))?);
            }
            let format = RdfFormat::from_media_type(media).unwrap_or(RdfFormat::NTriples);
            crate::rdf::write_triples(&collected, format, &mut out)
                .map_err(|e| plain(SparqlError::Io(e).into()))?;
            media
        }
    };
    Ok((media, out))
}

async fn run_update(
    req: &HttpRequest,
    state: web::Data<AppState>,
    update: String,
    p: Params,
) -> Result<HttpResponse, ApiError> {
    Admin::of(req).map_err(ApiError::plain)?;
    let base = endpoint(req);
    let default_graphs = graph_names(&p.default_graphs)?;
    let named_graphs = graph_names(&p.named_graphs)?;
    let st = state.clone();
    blocking(move || -> Result<(), ApiError> {
        #[expect(deprecated, reason = "Update::parse is the way to reach the USING datasets")]
        let mut parsed = oxigraph::sparql::Update::parse(&update, Some(&base)).map_err(|e| ApiError::from(SparqlError::Syntax(e)).plain())?;
        if !default_graphs.is_empty() || !named_graphs.is_empty() {
            for dataset in parsed.using_datasets_mut() {
                if !dataset.is_default_dataset() {
                    return Err(bad("using-graph-uri/using-named-graph-uri with an update that has USING or WITH"));
                }
                dataset.set_default_graph(default_graphs.iter().cloned().map(GraphName::from).collect());
                dataset.set_available_named_graphs(named_graphs.iter().cloned().map(Into::into).collect());
            }
        }
        let prepared = SparqlEvaluator::new().for_update(parsed);
        prepared
            .on_store(&st.store)
            .execute()
            .map_err(|e| ApiError::new(Code::InvalidParameter, e.to_string()).plain())?;
        st.version.bump();
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// GET /sparql without a query: the service description for RDF clients, the query page for
/// browsers.
fn description_or_page(
    req: &HttpRequest,
    state: &AppState,
    format: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let mut offered = vec!["text/html"];
    offered.extend_from_slice(GRAPH_TYPES);
    let media = match format {
        Some(f) => choose(None, Some(f), GRAPH_TYPES)?,
        None => choose(accept(req).as_deref(), None, &offered)?,
    };
    if let Some(response) = state.not_modified(req) {
        return Ok(response);
    }
    if media == "text/html" {
        return Ok(state
            .cached(HttpResponse::Ok())
            .insert_header((header::VARY, "Accept"))
            .content_type(ContentType::html())
            .body(html::query_page()));
    }
    let triples =
        crate::rdf::service_description(&endpoint(req), state.config.admin_token.is_some());
    Ok(super::rdf_response(
        state,
        media,
        super::rdf_body(&triples, media)?,
    ))
}
