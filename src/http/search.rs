//! Label search over HTTP: `/api/search` and `/api/suggest` (JSON), and the parameters the
//! ESCO-compatible `/search` and `/suggest2` share with them.

use std::fmt::Write;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use super::html::escape;
use super::{ApiError, AppState, Code};
use crate::concept::Class;
use crate::search::{self, Mode, Request, Results};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/search", web::get().to(api_search))
        .route("/api/suggest", web::get().to(api_suggest));
}

/// Parsed search parameters.
#[derive(Debug, Clone)]
pub(crate) struct Params {
    /// What the index is asked.
    pub request: Request,
    /// The language labels are shown in.
    pub language: String,
    /// The `type` values as given.
    pub types: Vec<String>,
    /// ESCO's `full`: whole resources instead of hits.
    pub full: bool,
}

/// How an endpoint reads its parameters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Defaults {
    /// Search or autocomplete.
    pub mode: Mode,
    /// Whether alternative labels count unless `alt` says.
    pub alternative: bool,
    /// Page size unless `limit` says.
    pub limit: usize,
    /// The language searched and shown when `language` is absent (`None`: every language
    /// searched, English shown).
    pub language: Option<&'static str>,
}

/// The query string's pairs, in order (keys may repeat).
pub(crate) fn pairs(req: &HttpRequest) -> Vec<(String, String)> {
    form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect()
}

fn boolean(key: &str, value: &str) -> Result<bool, ApiError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(super::bad(format!(
            "{key} must be true or false, not {value:?}"
        ))),
    }
}

fn number(key: &str, value: &str, min: i64, max: i64) -> Result<usize, ApiError> {
    let n: i64 = value
        .trim()
        .parse()
        .map_err(|_| super::bad(format!("{key} must be a whole number, not {value:?}")))?;
    if n < min || n > max {
        return Err(super::bad(format!(
            "{key} must be between {min} and {max} (got {n})"
        )));
    }
    usize::try_from(n).map_err(|_| super::bad(format!("{key} is out of range")))
}

/// The classes of a `type` value: a class's words (`occupation`, `isco-group`, `isco`, …, the
/// ESCO model's class IRIs too) or `concept` for any.
fn classes_of(value: &str) -> Result<Vec<Class>, ApiError> {
    match value.parse::<Class>() {
        Ok(class) => Ok(vec![class]),
        Err(_) => search::parse_type(value).map_err(ApiError::from),
    }
}

/// 503: another request is bringing the label index in step.
fn busy() -> ApiError {
    ApiError::new(
        Code::IndexSyncing,
        "the label index is being brought in step with the store; retry in a few seconds",
    )
}

/// Makes sure the label index is in step with the store; 503 while another request is
/// bringing it in step.
pub(crate) fn ensure_index(state: &AppState) -> Result<(), ApiError> {
    if state.search.ensure(&state.version.index_tag())? {
        Ok(())
    } else {
        Err(busy())
    }
}

/// Checks a language parameter against the store's label languages.
pub(crate) fn check_language(state: &AppState, lang: &str) -> Result<(), ApiError> {
    if !crate::matching::language::valid_tag(lang) {
        return Err(super::bad(format!(
            "language {lang:?} is not a language tag"
        )));
    }
    let known = state.search.languages();
    if !known.is_empty() && !known.contains(lang) {
        return Err(super::bad(format!(
            "the store has no labels in language {lang:?}; it has: {}",
            known.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(())
}

/// Reads the search parameters of a request (the label index must be in step, so that the
/// language can be checked).
pub(crate) fn parse(
    state: &AppState,
    pairs: &[(String, String)],
    defaults: Defaults,
) -> Result<Params, ApiError> {
    let mut text = None;
    let mut language = None;
    let mut types = Vec::new();
    let mut classes = Vec::new();
    let mut schemes = Vec::new();
    let mut alternative = defaults.alternative;
    let mut offset = 0;
    let mut limit = defaults.limit;
    let mut full = false;
    let mut any_class = false;
    for (key, value) in pairs {
        match key.as_str() {
            "text" => text = Some(value.clone()),
            "language" => language = Some(value.trim().to_owned()),
            "type" => {
                let found = classes_of(value)?;
                // `concept`: any class.
                any_class |= found.is_empty();
                classes.extend(found);
                types.push(value.clone());
            }
            "scheme" | "isInScheme" => {
                if oxigraph::model::NamedNode::new(value.trim()).is_err() {
                    return Err(super::bad(format!(
                        "{key} must be an absolute IRI, not {value:?}"
                    )));
                }
                schemes.push(value.trim().to_owned());
            }
            "alt" => alternative = boolean(key, value)?,
            "full" => full = boolean(key, value)?,
            "offset" => offset = number(key, value, 0, 1_000_000)?,
            "limit" => limit = number(key, value, 1, search::MAX_LIMIT as i64)?,
            // Accepted for compatibility; one version is served.
            _ => {}
        }
    }
    if any_class {
        classes.clear();
    }
    let text = text
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| super::bad("text is required (`*` lists every concept)"))?;
    if text.chars().count() > 1000 {
        return Err(super::bad("text must be at most 1,000 characters"));
    }
    if let Some(lang) = &language {
        check_language(state, lang)?;
    }
    let searched = language.clone().or(defaults.language.map(str::to_owned));
    Ok(Params {
        language: searched.clone().unwrap_or_else(|| "en".to_owned()),
        request: Request {
            text,
            language: searched,
            classes,
            schemes,
            alternative,
            mode: defaults.mode,
            offset,
            limit,
        },
        types,
        full,
    })
}

/// Runs a search as of the store's current version.
pub(crate) fn run(state: &AppState, request: &Request) -> Result<Results, ApiError> {
    state
        .search
        .search(&state.version.index_tag(), request)?
        .ok_or_else(busy)
}

#[derive(Serialize)]
struct ApiHit<'a> {
    uri: &'a str,
    #[serde(rename = "type")]
    class: Class,
    label: String,
    matched: &'a str,
    matched_kind: search::LabelKind,
    matched_language: &'a str,
    score: f32,
}

#[derive(Serialize)]
struct ApiResults<'a> {
    text: &'a str,
    language: Option<&'a str>,
    total: usize,
    offset: usize,
    limit: usize,
    results: Vec<ApiHit<'a>>,
}

async fn api_search(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    respond(&req, &state, Mode::Search)
}

async fn api_suggest(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    respond(&req, &state, Mode::Suggest)
}

fn respond(req: &HttpRequest, state: &AppState, mode: Mode) -> Result<HttpResponse, ApiError> {
    if let Some(r) = state.not_modified(req) {
        return Ok(r);
    }
    ensure_index(state)?;
    let params = parse(
        state,
        &pairs(req),
        Defaults {
            mode,
            alternative: true,
            limit: if mode == Mode::Suggest { 10 } else { 20 },
            language: None,
        },
    )?;
    let results = run(state, &params.request)?;
    let labels = state.labels()?;
    let body = ApiResults {
        text: &params.request.text,
        language: params.request.language.as_deref(),
        total: results.total,
        offset: params.request.offset,
        limit: params.request.limit,
        results: results
            .hits
            .iter()
            .map(|h| ApiHit {
                uri: &h.uri,
                class: h.class,
                label: labels
                    .preferred(&h.uri, &params.language)
                    .unwrap_or(&h.matched)
                    .to_owned(),
                matched: &h.matched,
                matched_kind: h.matched_kind,
                matched_language: &h.matched_language,
                score: (h.score * 1000.0).round() / 1000.0,
            })
            .collect(),
    };
    Ok(state
        .cached(HttpResponse::Ok())
        .insert_header((actix_web::http::header::VARY, "Accept"))
        .json(body))
}

/// The HTML page of search results (what the pages' search box shows).
pub(crate) fn results_page(
    state: &AppState,
    params: &Params,
    results: &Results,
) -> Result<String, ApiError> {
    let labels = state.labels()?;
    let text = &params.request.text;
    let mut body = format!(
        "<h1>Search</h1><form method=\"get\" action=\"/search\" role=\"search\"><input type=\"search\" name=\"text\" value=\"{}\" size=\"40\" autofocus> <button>Search</button></form>\
<p class=\"muted\">{} concepts match <q>{}</q>{}.</p><table><tr><th>Concept</th><th>Type</th><th>Matched</th><th>Score</th></tr>",
        escape(text),
        results.total,
        escape(text),
        params
            .request
            .language
            .as_deref()
            .map(|l| format!(" in labels of language {}", escape(l)))
            .unwrap_or_default()
    );
    let base = state.config.base_uri.as_str();
    for h in &results.hits {
        let href = h
            .uri
            .strip_prefix(base)
            .map_or_else(|| h.uri.clone(), |rest| format!("/esco/{rest}"));
        let label = labels
            .preferred(&h.uri, &params.language)
            .unwrap_or(&h.matched);
        let _ = write!(
            body,
            "<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td>{} <span class=\"muted\">({}{})</span></td><td>{:.2}</td></tr>",
            escape(&href),
            escape(label),
            escape(h.class.name()),
            escape(&h.matched),
            serde_json::to_value(h.matched_kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            if h.matched_language.is_empty() {
                String::new()
            } else {
                format!(", {}", escape(&h.matched_language))
            },
            h.score
        );
    }
    body.push_str("</table>");
    let next = params.request.offset + params.request.limit;
    if next < results.total {
        let _ = write!(
            body,
            "<p><a href=\"/search?text={}&amp;offset={next}&amp;limit={}\">Next results</a></p>",
            escape(&form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()),
            params.request.limit
        );
    }
    Ok(super::html::page(
        &format!("Search: {text}"),
        &params.language,
        &body,
    ))
}
