//! Concept URIs dereferenced the data.europa.eu way: `/esco/{path}` describes
//! `{base_uri}{path}` as HTML or RDF, chosen by `Accept` or a suffix.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use oxigraph::model::{Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, Triple};

use super::blocking;
use super::error::{ApiError, Code};
use super::html::{escape, page};
use super::AppState;
use crate::conneg;
use crate::vocab::{dcterms, esco, skos};

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/esco/{path:.+}")
            .route(web::get().to(concept))
            .route(web::head().to(concept)),
    );
}

/// The representations of a resource: media type and URL suffix.
pub const REPRESENTATIONS: &[(&str, &str)] = &[
    ("text/html", "html"),
    ("text/turtle", "ttl"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "rdf"),
    ("application/ld+json", "jsonld"),
];

async fn concept(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let path = path.into_inner();
    let (path, forced) = match REPRESENTATIONS
        .iter()
        .find(|(_, suffix)| path.ends_with(&format!(".{suffix}")))
    {
        Some((media, suffix)) => (
            path[..path.len() - suffix.len() - 1].to_owned(),
            Some(*media),
        ),
        None => (path, None),
    };
    let media = match forced {
        Some(media) => media,
        None => {
            let offered: Vec<&str> = REPRESENTATIONS.iter().map(|(m, _)| *m).collect();
            super::negotiate(super::accept_header(&req), &offered)?
        }
    };
    let iri = NamedNode::new(format!("{}{path}", state.config.base_uri)).map_err(|e| {
        ApiError::new(
            Code::InvalidParameter,
            format!("not a valid resource path: {e}"),
        )
    })?;
    if let Some(response) = state.not_modified(&req) {
        return Ok(response);
    }
    let lang = preferred_language(&req);
    let base = format!("/esco/{path}");
    let links: Vec<String> = REPRESENTATIONS
        .iter()
        .filter(|(m, _)| *m != media)
        .map(|(m, suffix)| format!("<{base}.{suffix}>; rel=\"alternate\"; type=\"{m}\""))
        .collect();
    let content_type = if media == "text/html" {
        "text/html; charset=utf-8".to_owned()
    } else {
        format!("{media}; charset=utf-8")
    };
    // Pages are made once per store version, media type and (for HTML) language.
    let key = format!(
        "{path}\n{media}\n{}",
        if media == "text/html" {
            lang.join(",")
        } else {
            String::new()
        }
    );
    let body = match state.page(&key) {
        Some(body) => body,
        None => {
            let st = state.clone();
            let iri2 = iri.clone();
            let triples = blocking(move || describe(&st, &iri2)).await?;
            if triples.is_empty() {
                return Err(ApiError::new(
                    Code::NotFound,
                    format!("<{iri}> is not described here"),
                ));
            }
            let body = if media == "text/html" {
                render(&iri, &triples, &lang, &state.config.base_uri, &base).into_bytes()
            } else {
                super::rdf_body(&triples, media)?
            };
            state.keep_page(key, body)
        }
    };
    Ok(state
        .cached(HttpResponse::Ok())
        .insert_header((header::VARY, "Accept, Accept-Language"))
        .insert_header((header::LINK, links.join(", ")))
        .insert_header((header::CONTENT_TYPE, content_type))
        .body(body))
}

fn preferred_language(req: &HttpRequest) -> Vec<String> {
    let mut langs = Vec::new();
    if let Some(lang) = form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.to_ascii_lowercase())
    {
        langs.push(lang);
    }
    langs.extend(conneg::languages(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    ));
    langs.push("en".into());
    langs
}

fn describe(state: &AppState, iri: &NamedNode) -> Result<Vec<Triple>, ApiError> {
    let labels = state.labels()?;
    Ok(crate::describe::describe(&state.store, Some(&labels), iri)?)
}

/// What the page knows of the graph: labels by resource and language, objects by predicate.
struct View<'a> {
    iri: &'a NamedNode,
    langs: &'a [String],
    base_uri: &'a str,
    /// Triples by subject IRI.
    by_subject: HashMap<&'a str, Vec<&'a Triple>>,
}

impl View<'_> {
    fn objects(&self, subject: &str, p: NamedNodeRef<'_>) -> Vec<&Term> {
        self.by_subject
            .get(subject)
            .into_iter()
            .flatten()
            .filter(|t| t.predicate.as_ref() == p)
            .map(|t| &t.object)
            .collect()
    }

    fn texts(&self, subject: &str, p: NamedNodeRef<'_>) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for o in self.objects(subject, p) {
            if let Term::Literal(l) = o {
                out.entry(l.language().unwrap_or_default().to_owned())
                    .or_default()
                    .push(l.value().to_owned());
            }
        }
        out
    }

    /// The label of a resource in the best language available.
    fn label(&self, iri: &str) -> String {
        let labels: Vec<&Literal> = self
            .objects(iri, skos::PREF_LABEL)
            .into_iter()
            .filter_map(|o| match o {
                Term::Literal(l) => Some(l),
                Term::NamedNode(_) | Term::BlankNode(_) => None,
            })
            .collect();
        self.langs
            .iter()
            .find_map(|lang| {
                labels
                    .iter()
                    .filter(|l| l.language() == Some(lang.as_str()))
                    .map(|l| l.value())
                    .min()
            })
            .or_else(|| {
                // No preferred language: the same fallback as `texts` (the first language).
                labels
                    .iter()
                    .min_by_key(|l| (l.language().unwrap_or_default(), l.value()))
                    .map(|l| l.value())
            })
            .map_or_else(
                || iri.rsplit(['/', '#']).next().unwrap_or(iri).to_owned(),
                str::to_owned,
            )
    }

    fn text(&self, p: NamedNodeRef<'_>) -> Option<String> {
        let texts = self.texts(self.iri.as_str(), p);
        self.langs
            .iter()
            .find_map(|l| texts.get(l))
            .or_else(|| texts.values().next())
            .map(|v| v[0].clone())
    }

    fn href(&self, iri: &str) -> String {
        iri.strip_prefix(self.base_uri)
            .map_or_else(|| iri.to_owned(), |rest| format!("/esco/{rest}"))
    }

    fn link(&self, iri: &str) -> String {
        format!(
            "<a href=\"{}\">{}</a>",
            escape(&self.href(iri)),
            escape(&self.label(iri))
        )
    }

    /// The first broader chain up to a top concept.
    fn breadcrumb(&self) -> Vec<String> {
        let mut chain = Vec::new();
        let mut current = self.iri.as_str().to_owned();
        while let Some(Term::NamedNode(up)) = self
            .objects(&current, skos::BROADER)
            .into_iter()
            .min_by_key(|t| t.to_string())
        {
            if chain.contains(&up.as_str().to_owned()) || chain.len() > 20 {
                break;
            }
            chain.push(up.as_str().to_owned());
            current = up.as_str().to_owned();
        }
        chain.reverse();
        chain
    }
}

fn render(
    iri: &NamedNode,
    triples: &[Triple],
    langs: &[String],
    base_uri: &str,
    base: &str,
) -> String {
    let mut by_subject: HashMap<&str, Vec<&Triple>> = HashMap::new();
    for t in triples {
        if let NamedOrBlankNode::NamedNode(s) = &t.subject {
            by_subject.entry(s.as_str()).or_default().push(t);
        }
    }
    let view = View {
        iri,
        langs,
        base_uri,
        by_subject,
    };
    let me = iri.as_str();
    let title = view.label(iri.as_str());
    let mut b = String::new();
    let crumbs: Vec<String> = view.breadcrumb().iter().map(|c| view.link(c)).collect();
    if !crumbs.is_empty() {
        let _ = write!(
            b,
            "<nav class=\"crumbs\">{} &gt; {}</nav>",
            crumbs.join(" &gt; "),
            escape(&title)
        );
    }
    let _ = write!(
        b,
        "<h1>{}</h1><p class=\"muted\"><code>{}</code>",
        escape(&title),
        escape(iri.as_str())
    );
    for code in view.objects(me, skos::NOTATION) {
        if let Term::Literal(l) = code {
            let _ = write!(b, " · code <code>{}</code>", escape(l.value()));
        }
    }
    b.push_str("</p>");
    if let Some(d) = view
        .text(dcterms::DESCRIPTION)
        .or_else(|| view.text(skos::DEFINITION))
    {
        let _ = write!(b, "<p>{}</p>", escape(&d));
    }
    if let Some(note) = view.text(skos::SCOPE_NOTE) {
        let _ = write!(b, "<p class=\"muted\">Scope note: {}</p>", escape(&note));
    }

    // Labels in every language, with a language chooser.
    let pref = view.texts(me, skos::PREF_LABEL);
    let alt = view.texts(me, skos::ALT_LABEL);
    if !pref.is_empty() {
        let choices: Vec<String> = pref
            .keys()
            .map(|l| format!("<a href=\"{}?lang={l}\">{l}</a>", escape(base)))
            .collect();
        let _ = write!(b, "<h2>Labels</h2><p>Language: {}</p><table><tr><th>lang</th><th>preferred</th><th>alternative</th></tr>", choices.join(" "));
        for (lang, labels) in &pref {
            let alts = alt.get(lang).map(|a| a.join("; ")).unwrap_or_default();
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(lang),
                escape(&labels.join("; ")),
                escape(&alts)
            );
        }
        b.push_str("</table>");
    }

    let sections: [(&str, NamedNodeRef<'_>); 11] = [
        ("Essential skills", esco::RELATED_ESSENTIAL_SKILL),
        ("Optional skills", esco::RELATED_OPTIONAL_SKILL),
        ("Essential for occupations", esco::IS_ESSENTIAL_SKILL_FOR),
        ("Optional for occupations", esco::IS_OPTIONAL_SKILL_FOR),
        ("Broader", skos::BROADER),
        ("Narrower", skos::NARROWER),
        ("ISCO group", esco::MEMBER_OF_ISCO_GROUP),
        ("Skill type", esco::SKILL_TYPE),
        ("Reuse level", esco::SKILL_REUSE_LEVEL),
        ("In schemes", skos::IN_SCHEME),
        ("Top concepts", skos::HAS_TOP_CONCEPT),
    ];
    for (heading, p) in sections {
        let mut items: Vec<(String, String)> = view
            .objects(me, p)
            .into_iter()
            .filter_map(|o| {
                if let Term::NamedNode(n) = o {
                    Some((view.label(n.as_str()), view.link(n.as_str())))
                } else {
                    None
                }
            })
            .collect();
        if items.is_empty() {
            continue;
        }
        items.sort();
        let _ = write!(b, "<h2>{heading} ({})</h2><ul class=\"cols\">", items.len());
        for (_, link) in items {
            let _ = write!(b, "<li>{link}</li>");
        }
        b.push_str("</ul>");
    }

    // Collections and crosswalk links, both directions.
    let collections: Vec<String> = triples
        .iter()
        .filter(|t| {
            t.predicate.as_ref() == skos::MEMBER
                && matches!(&t.object, Term::NamedNode(n) if n == iri)
        })
        .map(|t| view.link(t.subject.to_string().trim_matches(['<', '>'])))
        .collect();
    if !collections.is_empty() {
        let _ = write!(
            b,
            "<h2>Collections</h2><ul><li>{}</li></ul>",
            collections.join("</li><li>")
        );
    }
    let mut mappings = Vec::new();
    for p in crate::check::MAPPINGS {
        let name = p.as_str().rsplit('#').next().unwrap_or_default();
        for o in view.objects(me, *p) {
            if let Term::NamedNode(n) = o {
                mappings.push(format!(
                    "<tr><td>{name}</td><td>{}</td></tr>",
                    view.link(n.as_str())
                ));
            }
        }
        for t in triples.iter().filter(|t| {
            t.predicate.as_ref() == *p && matches!(&t.object, Term::NamedNode(n) if n == iri)
        }) {
            let other = t.subject.to_string().trim_matches(['<', '>']).to_owned();
            mappings.push(format!(
                "<tr><td>{name} (from)</td><td>{}</td></tr>",
                view.link(&other)
            ));
        }
    }
    if !mappings.is_empty() {
        let _ = write!(
            b,
            "<h2>Mappings ({})</h2><table>{}</table>",
            mappings.len(),
            mappings.join("")
        );
    }
    let formats: Vec<String> = REPRESENTATIONS[1..]
        .iter()
        .map(|(m, s)| format!("<a href=\"{}.{s}\">{m}</a>", escape(base)))
        .collect();
    let _ = write!(b, "<h2>Data</h2><p>{}</p>", formats.join(" · "));
    page(&title, langs.first().map_or("en", String::as_str), &b)
}
