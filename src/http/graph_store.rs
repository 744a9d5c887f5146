//! The SPARQL 1.1 Graph Store HTTP Protocol at `/store` (`?default` or `?graph=IRI`): reads are
//! public, writes need the admin token and happen in one transaction.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphName, GraphNameRef, NamedNode, Quad, Triple};

use super::blocking;
use super::error::{ApiError, Code};
use super::extractors::Admin;
use super::AppState;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(["/store", "/store/", "/store/{graph:.+}"])
            .route(web::get().to(get))
            .route(web::head().to(get))
            .route(web::put().to(put))
            .route(web::post().to(post))
            .route(web::delete().to(delete)),
    );
}

fn bad(message: impl Into<String>) -> ApiError {
    super::bad(message).plain()
}

/// The graph a request names: `?default`, `?graph=IRI`, or none (`Ok(None)`).
fn target(req: &HttpRequest) -> Result<Option<GraphName>, ApiError> {
    let mut default = false;
    let mut graphs = Vec::new();
    for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
        match k.as_ref() {
            "default" => default = true,
            "graph" => graphs.push(v.into_owned()),
            _ => {}
        }
    }
    match (default, graphs.as_slice()) {
        (true, []) => Ok(Some(GraphName::DefaultGraph)),
        (false, [iri]) => {
            let iri = iri
                .strip_prefix('<')
                .and_then(|i| i.strip_suffix('>'))
                .unwrap_or(iri);
            Ok(Some(
                NamedNode::new(iri)
                    .map_err(|e| bad(format!("graph {iri:?} is not an IRI: {e}")))?
                    .into(),
            ))
        }
        // Direct identification: the request URL names the graph.
        (false, []) if req.path().len() > "/store/".len() => {
            let conn = req.connection_info();
            let iri = format!("{}://{}{}", conn.scheme(), conn.host(), req.path());
            Ok(Some(
                NamedNode::new(&iri)
                    .map_err(|e| bad(format!("{iri:?} is not an IRI: {e}")))?
                    .into(),
            ))
        }
        (false, []) => Ok(None),
        _ => Err(bad("name one graph: ?default or a single ?graph=IRI")),
    }
}

fn exists(state: &AppState, graph: &GraphName) -> Result<bool, ApiError> {
    Ok(match graph {
        GraphName::DefaultGraph => true,
        GraphName::NamedNode(n) => state.store.contains_named_graph(n)?,
        GraphName::BlankNode(_) => false,
    })
}

async fn get(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let graph = target(&req)?.ok_or_else(|| bad("name a graph: ?default or ?graph=IRI"))?;
    let media =
        super::negotiate(super::accept_header(&req), super::RDF_TYPES).map_err(ApiError::plain)?;
    if !exists(&state, &graph)? {
        return Err(ApiError::new(Code::NotFound, format!("no graph {graph}")).plain());
    }
    if let Some(response) = state.not_modified(&req) {
        return Ok(response);
    }
    let st = state.clone();
    let body = blocking(move || -> Result<Vec<u8>, ApiError> {
        let triples: Vec<Triple> = st
            .store
            .quads_for_pattern(None, None, None, Some(graph.as_ref()))
            .map(|q| q.map(Triple::from))
            .collect::<Result<_, _>>()?;
        super::rdf_body(&triples, media)
    })
    .await?;
    Ok(super::rdf_response(&state, media, body))
}

/// Parses a request body into quads of `graph`: an RDF document, or a `multipart/form-data`
/// body whose parts are RDF documents (merged).
fn parse_body(req: &HttpRequest, body: &[u8], graph: &GraphName) -> Result<Vec<Quad>, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media == "multipart/form-data" {
        let boundary = content_type
            .split(';')
            .find_map(|p| p.trim().strip_prefix("boundary="))
            .map(|b| b.trim_matches('"').to_owned())
            .ok_or_else(|| bad("multipart/form-data without a boundary"))?;
        let mut quads = Vec::new();
        for (part_type, part) in multipart_parts(body, &boundary)? {
            quads.extend(parse_document(&part_type, part, graph)?);
        }
        return Ok(quads);
    }
    parse_document(&media, body, graph)
}

fn parse_document(media: &str, body: &[u8], graph: &GraphName) -> Result<Vec<Quad>, ApiError> {
    let format = RdfFormat::from_media_type(media)
        .filter(|f| !f.supports_datasets() || matches!(f, RdfFormat::JsonLd { .. }))
        .ok_or_else(|| ApiError::new(Code::UnsupportedMediaType, format!("{media:?} is not an RDF graph format (text/turtle, application/n-triples, application/rdf+xml, application/ld+json, or multipart/form-data of those)")).plain())?;
    let mut parser = RdfParser::from_format(format)
        .without_named_graphs()
        .with_default_graph(graph.clone());
    if let GraphName::NamedNode(n) = graph {
        parser = parser
            .with_base_iri(n.as_str())
            .map_err(|e| bad(e.to_string()))?;
    }
    parser
        .for_slice(body)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("the body does not parse: {e}")))
}

/// The parts of a `multipart/form-data` body: (media type, content).
fn multipart_parts<'b>(
    body: &'b [u8],
    boundary: &str,
) -> Result<Vec<(String, &'b [u8])>, ApiError> {
    let delimiter = format!("--{boundary}");
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay.get(from..)
            .and_then(|h| h.windows(needle.len()).position(|w| w == needle))
            .map(|p| p + from)
    };
    let mut parts = Vec::new();
    let mut at = find(body, delimiter.as_bytes(), 0)
        .ok_or_else(|| bad("multipart body without its boundary"))?
        + delimiter.len();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            return Ok(parts);
        }
        let headers_end =
            find(body, b"\r\n\r\n", at).ok_or_else(|| bad("multipart part without headers"))?;
        let headers = String::from_utf8_lossy(&body[at..headers_end]);
        let media = headers
            .lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.trim().eq_ignore_ascii_case("content-type"))
                    .map(|(_, v)| v.trim().to_ascii_lowercase())
            })
            .unwrap_or_else(|| "text/turtle".to_owned());
        let content_start = headers_end + 4;
        let next = find(body, format!("\r\n{delimiter}").as_bytes(), content_start)
            .ok_or_else(|| bad("multipart part without an end"))?;
        parts.push((
            media
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            &body[content_start..next],
        ));
        at = next + 2 + delimiter.len();
    }
}

async fn write(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    replace: bool,
) -> Result<HttpResponse, ApiError> {
    Admin::of(&req).map_err(ApiError::plain)?;
    let (graph, created_iri) = match target(&req)? {
        Some(graph) => (graph, None),
        None if !replace => {
            // POST to the store itself: a new graph, named by the server in its own URL space
            // so that its name is also where it is (direct identification).
            let conn = req.connection_info();
            let id = crate::util::random_hex(16)
                .map_err(|e| ApiError::new(Code::Internal, format!("no random graph name: {e}")))?;
            let iri = NamedNode::new(format!(
                "{}://{}/store/graph-{id}",
                conn.scheme(),
                conn.host(),
            ))
            .map_err(|e| ApiError::new(Code::Internal, e.to_string()))?;
            (GraphName::from(iri.clone()), Some(iri))
        }
        None => return Err(bad("name a graph: ?default or ?graph=IRI")),
    };
    let quads = parse_body(&req, &body, &graph)?;
    let st = state.clone();
    let created = blocking(move || -> Result<bool, ApiError> {
        let existed = exists(&st, &graph)?;
        let mut tx = st.store.start_transaction()?;
        if let GraphName::NamedNode(n) = &graph {
            tx.insert_named_graph(n);
        }
        if replace {
            tx.clear_graph(graph.as_ref())?;
        }
        for quad in &quads {
            tx.insert(quad);
        }
        tx.commit()?;
        st.version.bump();
        Ok(!existed)
    })
    .await?;
    if let Some(iri) = created_iri {
        return Ok(HttpResponse::Created()
            .insert_header((header::LOCATION, iri.as_str()))
            .finish());
    }
    Ok(if created {
        HttpResponse::Created().finish()
    } else {
        HttpResponse::NoContent().finish()
    })
}

async fn put(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    write(req, body, state, true).await
}

async fn post(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    write(req, body, state, false).await
}

async fn delete(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Admin::of(&req).map_err(ApiError::plain)?;
    let graph = target(&req)?.ok_or_else(|| bad("name a graph: ?default or ?graph=IRI"))?;
    if !exists(&state, &graph)? {
        return Err(ApiError::new(Code::NotFound, format!("no graph {graph}")).plain());
    }
    let st = state.clone();
    blocking(move || -> Result<(), ApiError> {
        match &graph {
            GraphName::NamedNode(n) => st.store.remove_named_graph(n)?,
            GraphName::BlankNode(_) | GraphName::DefaultGraph => {
                st.store.clear_graph(GraphNameRef::DefaultGraph)?;
            }
        }
        st.version.bump();
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
