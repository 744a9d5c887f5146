//! The dataset as a whole: its VoID description at `/.well-known/void` and dumps produced from
//! the store (N-Triples, N-Quads and Turtle, gzipped), cached until the store changes.

use std::io::Write;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use oxigraph::io::RdfFormat;
use oxigraph::model::{Literal, NamedNode, Triple};
use oxigraph::sparql::QueryResults;

use super::blocking;
use super::error::{ApiError, Code};
use super::AppState;
use crate::vocab::{dcterms, rdf, void};

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/.well-known/void").route(web::get().to(void_description)))
        .service(web::resource("/dumps/{name}").route(web::get().to(dump)));
}

/// The dumps offered: file name, format, media type.
pub const DUMPS: &[(&str, &str)] = &[
    ("esco-ld.nt.gz", "application/n-triples"),
    ("esco-ld.nq.gz", "application/n-quads"),
    ("esco-ld.ttl.gz", "text/turtle"),
];

const LINKSETS: &str = "PREFIX void: <http://rdfs.org/ns/void#>
PREFIX esco: <http://data.europa.eu/esco/model#>
CONSTRUCT { ?d ?p ?o } WHERE { { ?d a void:Linkset } UNION { ?d a esco:Release } UNION { ?d a esco:LabelSupplement } ?d ?p ?o }";

async fn void_description(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let media = super::negotiate(super::accept_header(&req), super::RDF_TYPES)?;
    if let Some(response) = state.not_modified(&req) {
        return Ok(response);
    }
    let host = super::origin(&req);
    let st = state.clone();
    let body = blocking(move || -> Result<Vec<u8>, ApiError> {
        let summary = st.summary()?;
        let dataset = NamedNode::new_unchecked(format!("{host}/.well-known/void#esco-ld"));
        let dcat = |l: &str| NamedNode::new_unchecked(format!("http://www.w3.org/ns/dcat#{l}"));
        let v = |l: &str| NamedNode::new_unchecked(format!("{}{l}", void::NS));
        let mut t = vec![
            Triple::new(dataset.clone(), rdf::TYPE, void::DATASET),
            Triple::new(dataset.clone(), rdf::TYPE, dcat("Dataset")),
            Triple::new(
                dataset.clone(),
                dcterms::TITLE,
                Literal::new_simple_literal("ESCO as linked data (esco-ld)"),
            ),
            Triple::new(
                dataset.clone(),
                dcterms::RIGHTS,
                Literal::new_simple_literal(crate::ATTRIBUTION),
            ),
            Triple::new(
                dataset.clone(),
                v("sparqlEndpoint"),
                NamedNode::new_unchecked(format!("{host}/sparql")),
            ),
            Triple::new(
                dataset.clone(),
                v("uriSpace"),
                Literal::new_simple_literal(&st.config.base_uri),
            ),
            Triple::new(
                dataset.clone(),
                v("triples"),
                Literal::from(i64::try_from(summary.quads).unwrap_or(i64::MAX)),
            ),
            Triple::new(
                dataset.clone(),
                v("vocabulary"),
                NamedNode::new_unchecked("http://www.w3.org/2004/02/skos/core#"),
            ),
            Triple::new(
                dataset.clone(),
                v("vocabulary"),
                NamedNode::new_unchecked("http://data.europa.eu/esco/model#"),
            ),
        ];
        for (name, media) in DUMPS {
            let dump = NamedNode::new_unchecked(format!("{host}/dumps/{name}"));
            t.push(Triple::new(dataset.clone(), v("dataDump"), dump.clone()));
            t.push(Triple::new(
                dump.clone(),
                dcat("mediaType"),
                Literal::new_simple_literal(*media),
            ));
        }
        let mut classes = std::collections::BTreeMap::new();
        for g in summary.stats.graphs.values() {
            for (class, n) in &g.classes {
                *classes.entry(class.clone()).or_insert(0) += n;
            }
        }
        for (i, (class, n)) in classes.iter().enumerate() {
            let partition = NamedNode::new_unchecked(format!("{host}/.well-known/void#class-{i}"));
            t.push(Triple::new(
                dataset.clone(),
                v("classPartition"),
                partition.clone(),
            ));
            if let Ok(class) = NamedNode::new(class) {
                t.push(Triple::new(partition.clone(), v("class"), class));
            }
            t.push(Triple::new(
                partition,
                v("entities"),
                Literal::from(i64::try_from(*n).unwrap_or(i64::MAX)),
            ));
        }
        let QueryResults::Graph(described) = crate::sparql::evaluate(&st.store, LINKSETS, None)?
        else {
            return Err(ApiError::new(Code::Internal, "not a CONSTRUCT"));
        };
        for triple in described {
            let triple = triple.map_err(|e| ApiError::new(Code::Internal, e.to_string()))?;
            if triple.predicate.as_ref() == rdf::TYPE && triple.object == void::LINKSET.into() {
                if let oxigraph::model::NamedOrBlankNode::NamedNode(ls) = &triple.subject {
                    t.push(Triple::new(dataset.clone(), void::SUBSET, ls.clone()));
                }
            }
            t.push(triple);
        }
        super::rdf_body(&t, media)
    })
    .await?;
    Ok(super::rdf_response(&state, media, body))
}

async fn dump(
    req: HttpRequest,
    name: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let name = name.into_inner();
    let Some(&(file, media)) = DUMPS.iter().find(|(n, _)| *n == name) else {
        return Err(ApiError::new(
            Code::NotFound,
            format!(
                "no dump {name:?}; dumps: {}",
                DUMPS.iter().map(|d| d.0).collect::<Vec<_>>().join(", ")
            ),
        ));
    };
    if let Some(response) = state.not_modified(&req) {
        return Ok(response);
    }
    let st = state.clone();
    let bytes = blocking(move || st.dump(file, media)).await?;
    Ok(state
        .cached(HttpResponse::Ok())
        .insert_header((header::CONTENT_TYPE, media))
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\""),
        ))
        .body(bytes.as_ref().clone()))
}

/// Writes the store as a gzipped dump in `media`'s format (graphs flattened for triple formats).
pub fn make_dump(state: &AppState, media: &str) -> Result<Arc<Vec<u8>>, ApiError> {
    let format = RdfFormat::from_media_type(media).unwrap_or(RdfFormat::NTriples);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    if format.supports_datasets() {
        crate::store::write_dataset(&state.store, format, &mut gz)
            .map_err(|e| ApiError::new(Code::Internal, e.to_string()))?;
    } else {
        let triples: Vec<Triple> = state
            .store
            .iter()
            .map(|q| q.map(Triple::from))
            .collect::<Result<_, _>>()?;
        crate::rdf::write_triples(&triples, format, &mut gz)
            .map_err(|e| ApiError::new(Code::Internal, e.to_string()))?;
    }
    gz.flush()
        .map_err(|e| ApiError::new(Code::Internal, e.to_string()))?;
    Ok(Arc::new(gz.finish().map_err(|e| {
        ApiError::new(Code::Internal, e.to_string())
    })?))
}
