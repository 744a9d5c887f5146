//! The home page: what the service holds and where to go from there.

use std::fmt::Write;

use actix_web::http::header::{self, ContentType};
use actix_web::{web, HttpRequest, HttpResponse};

use super::blocking;
use super::error::ApiError;
use super::html::{escape, page};
use super::AppState;
use crate::stats::short;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/")
            .route(web::get().to(home))
            .route(web::head().to(home)),
    );
}

const SCHEMES: &str = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?kind ?s ?label WHERE {
  { ?s a skos:ConceptScheme BIND('scheme' AS ?kind) OPTIONAL { ?s skos:prefLabel ?label FILTER(LANG(?label) = 'en' || LANG(?label) = '') } }
  UNION { ?s a void:Linkset ; dcterms:title ?label FILTER NOT EXISTS { ?parent void:subset ?s } BIND('crosswalk' AS ?kind) }
}
ORDER BY ?kind ?label";

async fn home(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    // The page shows the matcher's state too, so its tag follows both.
    let matching = state.matching.status();
    let etag = format!(
        "{}-{}\"",
        state.version.etag().trim_end_matches('"'),
        matching.method
    );
    let revalidated = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        });
    if revalidated {
        return Ok(state
            .cached(HttpResponse::NotModified())
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let st = state.clone();
    let (stats, rows) = blocking(move || -> Result<_, ApiError> {
        let summary = st.summary()?;
        let rows = crate::sparql::select(&st.store, SCHEMES)?;
        Ok((summary, rows))
    })
    .await?;
    let base = &state.config.base_uri;
    let href = |iri: &str| {
        iri.strip_prefix(base.as_str())
            .map_or_else(|| iri.to_owned(), |rest| format!("/esco/{rest}"))
    };
    let mut b = String::from("<h1>ESCO as linked data</h1><p>The European Classification of Skills, Competences and Occupations as SKOS: every concept at its ESCO URI, a SPARQL endpoint, and crosswalks to other classifications.</p><h2>What this service holds</h2><table>");
    for (class, name) in [
        ("http://data.europa.eu/esco/model#Occupation", "occupations"),
        ("http://data.europa.eu/esco/model#Skill", "skills"),
        ("http://data.europa.eu/esco/model#ISCOGroup", "ISCO groups"),
        (
            "http://data.europa.eu/esco/model#SkillGroup",
            "skill groups",
        ),
        (
            "http://www.w3.org/2004/02/skos/core#ConceptScheme",
            "concept schemes",
        ),
        (
            "http://www.w3.org/2004/02/skos/core#Collection",
            "collections",
        ),
        ("http://rdfs.org/ns/void#Linkset", "crosswalk linksets"),
    ] {
        let _ = write!(
            b,
            "<tr><td>{name}</td><td>{}</td></tr>",
            stats.stats.class_total(class)
        );
    }
    let _ = write!(b, "<tr><td>triples</td><td>{}</td></tr>", stats.quads);
    b.push_str("</table><h2>Graphs</h2><ul>");
    for graph in stats.stats.graphs.keys() {
        let _ = write!(b, "<li><code>{}</code></li>", escape(&short(graph)));
    }
    b.push_str("</ul>");
    for (kind, heading) in [("scheme", "Concept schemes"), ("crosswalk", "Crosswalks")] {
        let _ = write!(b, "<h2>{heading}</h2><ul class=\"cols\">");
        for row in rows
            .iter()
            .filter(|r| crate::sparql::term_text(r[0].as_ref()) == kind)
        {
            let iri = crate::sparql::term_text(row[1].as_ref());
            let label = crate::sparql::term_text(row[2].as_ref());
            let label = if label.is_empty() { iri.clone() } else { label };
            let _ = write!(
                b,
                "<li><a href=\"{}\">{}</a></li>",
                escape(&href(&iri)),
                escape(&label)
            );
        }
        b.push_str("</ul>");
    }
    let _ = write!(
        b,
        "<h2>Match a job title</h2><form action=\"/api/match\"><input name=\"text\" size=\"40\" placeholder=\"a job title in any EU language\"> <select name=\"target\"><option>occupations</option><option>skills</option></select> <button>match</button></form><p>Matching is <b>{}</b>{}.</p>",
        matching.method,
        match (matching.method, &matching.model, matching.building) {
            ("lexical", None, _) => " (no embedding model installed: <code>esco-ld model install</code>)".to_owned(),
            (_, _, Some((done, total))) => format!(" (the dense index is being built: {done} of {total} texts embedded)"),
            (_, Some(model), None) => format!(" (model <code>{}</code>)", escape(model)),
            _ => String::new(),
        }
    );
    b.push_str("<h2>Query and download</h2><p><a href=\"/sparql\">SPARQL endpoint and query page</a> · <a href=\"/.well-known/void\">VoID description</a> · dumps: <a href=\"/dumps/esco-ld.nt.gz\">N-Triples</a>, <a href=\"/dumps/esco-ld.nq.gz\">N-Quads (with graphs)</a>, <a href=\"/dumps/esco-ld.ttl.gz\">Turtle</a> (gzipped)</p>\
<h2>APIs</h2><p>Label search: <code>/api/search</code>, <code>/api/suggest</code> · the ESCO Web Service API's paths: <code>/search</code>, <code>/suggest2</code>, <code>/resource/occupation</code>, <code>/resource/skill</code>, <code>/resource/concept</code>, <code>/resource/taxonomy</code>, <code>/resource/related</code> · OpenRefine reconciliation: <a href=\"/reconcile\"><code>/reconcile</code></a> · crosswalks: <a href=\"/api/crosswalks\"><code>/api/crosswalks</code></a> (SSSOM, EURES CSV, SKOS) · mapping projects: <a href=\"/api/projects\"><code>/api/projects</code></a> and the curators' screens at <a href=\"/curate\"><code>/curate</code></a></p>");
    Ok(state
        .cached(HttpResponse::Ok())
        .insert_header((header::ETAG, etag))
        .content_type(ContentType::html())
        .body(page("esco-ld", "en", &b)))
}
