//! The W3C Reconciliation Service API (version 0.2, as OpenRefine speaks it) at `/reconcile`:
//! the manifest, batch reconciliation by GET or POST `queries`, entity/type/property suggest
//! services, previews and flyouts. Candidates come from label search and the matcher combined.

use std::fmt::Write;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use oxigraph::model::{NamedNode, Term};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::blocking;
use super::html::escape;
use super::search::{ensure_index, pairs, run as run_search};
use super::{ApiError, AppState, Code};
use crate::concept::Class;
use crate::reconcile::{self, Ask, DEFAULT_LIMIT};
use crate::search::{Mode, Request};
use crate::vocab::esco;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/reconcile", web::get().to(get))
        .route("/reconcile", web::post().to(post))
        .route("/reconcile/suggest/entity", web::get().to(suggest_entity))
        .route("/reconcile/suggest/type", web::get().to(suggest_type))
        .route(
            "/reconcile/suggest/property",
            web::get().to(suggest_property),
        )
        .route("/reconcile/flyout/entity", web::get().to(flyout))
        .route("/reconcile/preview", web::get().to(preview))
        .route("/reconcile/view", web::get().to(view));
}

/// Most queries in one batch.
pub const MAX_BATCH: usize = 1000;

/// The types offered: id, name, class.
const TYPES: &[(&str, &str, Class)] = &[
    ("Occupation", "Occupation", Class::Occupation),
    (
        "Skill",
        "Skill (skill/competence or knowledge)",
        Class::Skill,
    ),
    ("ISCOGroup", "ISCO-08 group", Class::IscoGroup),
    ("SkillGroup", "Skill group", Class::SkillGroup),
];

/// The properties a query may give: id, name, what it does.
const PROPERTIES: &[(&str, &str, &str)] = &[
    (
        "isco",
        "ISCO-08 code",
        "candidates in this ISCO group (or below it) keep their score, others lose 20%",
    ),
    (
        "description",
        "Description",
        "a description of the entry, used by the matcher beside its name",
    ),
    (
        "language",
        "Language",
        "the entry's language (ISO 639-1); labels in it are searched first",
    ),
];

fn class_of_type(id: &str) -> Option<Class> {
    let local = id.strip_prefix(esco::NS).unwrap_or(id);
    TYPES
        .iter()
        .find(|(t, _, _)| t.eq_ignore_ascii_case(local))
        .map(|(_, _, c)| *c)
}

fn type_of_class(class: Class) -> (&'static str, &'static str) {
    TYPES
        .iter()
        .find(|(_, _, c)| *c == class)
        .map_or(("Occupation", "Occupation"), |(id, name, _)| (*id, *name))
}

/// A JSON response, or JSONP when the request names a `callback`.
fn respond(
    state: &AppState,
    req: &HttpRequest,
    body: &Value,
    cache: bool,
) -> Result<HttpResponse, ApiError> {
    let callback = pairs(req)
        .into_iter()
        .find(|(k, _)| k == "callback")
        .map(|(_, v)| v);
    let mut builder = if cache {
        state.cached(HttpResponse::Ok())
    } else {
        HttpResponse::Ok()
    };
    match callback {
        Some(name) => {
            let valid = !name.is_empty()
                && name.len() <= 128
                && name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.'));
            if !valid {
                return Err(super::bad("callback must be a JavaScript identifier"));
            }
            Ok(builder
                .content_type("application/javascript; charset=utf-8")
                .body(format!("{name}({body});")))
        }
        None => Ok(builder
            .content_type("application/json; charset=utf-8")
            .body(body.to_string())),
    }
}

fn manifest(req: &HttpRequest) -> Value {
    let origin = super::origin(req);
    json!({
        "versions": ["0.1", "0.2"],
        "name": "esco-ld: ESCO occupations and skills",
        "identifierSpace": crate::vocab::mint::ESCO,
        "schemaSpace": esco::NS,
        "documentation": format!("{origin}/"),
        "defaultTypes": TYPES.iter().take(2).map(|(id, name, _)| json!({"id": id, "name": name})).collect::<Vec<_>>(),
        "view": {"url": format!("{origin}/reconcile/view?id={{{{id}}}}")},
        "preview": {"url": format!("{origin}/reconcile/preview?id={{{{id}}}}"), "width": 420, "height": 140},
        "suggest": {
            "entity": {"service_url": origin, "service_path": "/reconcile/suggest/entity",
                       "flyout_service_path": "/reconcile/flyout/entity?id=${id}"},
            "type": {"service_url": origin, "service_path": "/reconcile/suggest/type"},
            "property": {"service_url": origin, "service_path": "/reconcile/suggest/property"},
        },
        "batchSize": MAX_BATCH,
    })
}

/// One reconciliation query.
#[derive(Debug, Deserialize)]
struct Query {
    query: Option<String>,
    #[serde(rename = "type")]
    kind: Option<Value>,
    limit: Option<Value>,
    #[serde(default)]
    properties: Vec<Property>,
}

#[derive(Debug, Deserialize)]
struct Property {
    pid: String,
    v: Value,
}

/// The property value as text (`{id, name}` values give their id).
fn property_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_owned),
        Value::Array(a) => a.first().and_then(property_text),
        Value::Null => None,
    }
}

fn ask(key: &str, q: &Query, state: &AppState) -> Result<Ask, ApiError> {
    let mut classes = Vec::new();
    let types: Vec<String> = match &q.kind {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| super::bad(format!("query {key}: type must be a string or strings")))?,
        Some(_) => {
            return Err(super::bad(format!(
                "query {key}: type must be a string or strings"
            )))
        }
    };
    for t in &types {
        classes.push(class_of_type(t).ok_or_else(|| {
            super::bad(format!(
                "query {key}: unknown type {t:?}; types: Occupation, Skill, ISCOGroup, SkillGroup"
            ))
        })?);
    }
    let limit = match &q.limit {
        None | Some(Value::Null) => DEFAULT_LIMIT,
        Some(v) => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0),
    };
    let fail = |e: reconcile::InputError| super::bad(format!("query {key}: {e}"));
    let mut ask = Ask::new(q.query.as_deref().unwrap_or_default(), classes, limit).map_err(fail)?;
    for p in &q.properties {
        let value = property_text(&p.v).filter(|v| !v.is_empty());
        match p.pid.as_str() {
            "isco" => {
                if let Some(code) = value {
                    ask = ask.with_isco(code).map_err(fail)?;
                }
            }
            "description" => ask.description = value,
            "language" => {
                if let Some(lang) = &value {
                    super::search::check_language(state, lang)
                        .map_err(|e| super::bad(format!("query {key}: {}", e.message)))?;
                }
                ask.language = value;
            }
            other => {
                return Err(super::bad(format!(
                "query {key}: unknown property {other:?}; properties: isco, description, language"
            )))
            }
        }
    }
    Ok(ask)
}

/// A candidate as the Reconciliation API writes it.
#[derive(Serialize)]
struct WireCandidate {
    id: String,
    name: String,
    description: String,
    #[serde(rename = "type")]
    types: [WireType; 1],
    /// 0 to 100.
    score: f64,
    #[serde(rename = "match")]
    certain: bool,
    features: [WireFeature; 3],
}

#[derive(Serialize)]
struct WireType {
    id: &'static str,
    name: &'static str,
}

#[derive(Serialize)]
struct WireFeature {
    id: &'static str,
    value: Value,
}

fn rounded(x: f32, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (f64::from(x) * scale).round() / scale
}

impl From<reconcile::Candidate> for WireCandidate {
    fn from(c: reconcile::Candidate) -> Self {
        let (type_id, type_name) = type_of_class(c.class);
        let mut description = type_name.to_owned();
        if let Some(code) = &c.isco {
            let _ = write!(description, ", ISCO-08 {code}");
        }
        Self {
            id: c.uri,
            name: c.name,
            description,
            types: [WireType {
                id: type_id,
                name: type_name,
            }],
            score: (f64::from(c.score) * 1000.0).round() / 10.0,
            certain: c.certain,
            features: [
                WireFeature {
                    id: "label_score",
                    value: json!(rounded(c.label_score, 3)),
                },
                WireFeature {
                    id: "semantic_score",
                    value: json!(rounded(c.semantic_score, 3)),
                },
                WireFeature {
                    id: "exact_label",
                    value: json!(c.exact_label),
                },
            ],
        }
    }
}

/// Reconciles one query: label search and (when ready) the matcher, combined by the domain.
fn reconcile_one(
    state: &AppState,
    matcher: Option<&crate::matching::Matcher>,
    ask: &Ask,
) -> Result<Value, ApiError> {
    let hits = run_search(state, &ask.search_request())?.hits;
    let mut matched = Vec::new();
    if let Some(matcher) = matcher {
        for (class, input) in ask.match_inputs() {
            matched.push((class, matcher.search(&input)?));
        }
    }
    let labels = state.labels()?;
    let result: Vec<WireCandidate> =
        reconcile::candidates(&state.store, &labels, ask, hits, matched)?
            .into_iter()
            .map(WireCandidate::from)
            .collect();
    Ok(json!({ "result": result }))
}

async fn reconcile_batch(
    state: web::Data<AppState>,
    req: &HttpRequest,
    queries: &str,
) -> Result<HttpResponse, ApiError> {
    let batch: serde_json::Map<String, Value> = serde_json::from_str(queries)
        .map_err(|e| super::bad(format!("queries must be a JSON object of queries: {e}")))?;
    if batch.len() > MAX_BATCH {
        return Err(ApiError::new(
            Code::PayloadTooLarge,
            format!(
                "at most {MAX_BATCH} queries per batch (got {})",
                batch.len()
            ),
        ));
    }
    ensure_index(&state)?;
    let mut asks = Vec::with_capacity(batch.len());
    for (key, value) in batch {
        let q: Query = serde_json::from_value(value)
            .map_err(|e| super::bad(format!("query {key} is not a reconciliation query: {e}")))?;
        asks.push((key.clone(), ask(&key, &q, &state)?));
    }
    let st = state.clone();
    let body = blocking(move || {
        // Without a ready matcher (first build), label search alone answers.
        let matcher = st.matching.matcher(&st.version.index_tag()).ok().flatten();
        let mut out = serde_json::Map::new();
        for (key, ask) in &asks {
            out.insert(key.clone(), reconcile_one(&st, matcher.as_deref(), ask)?);
        }
        Ok::<_, ApiError>(Value::Object(out))
    })
    .await?;
    respond(&state, req, &body, false)
}

async fn get(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let queries = pairs(&req)
        .into_iter()
        .find(|(k, _)| k == "queries")
        .map(|(_, v)| v);
    match queries {
        Some(q) => reconcile_batch(state, &req, &q).await,
        None => respond(&state, &req, &manifest(&req), true),
    }
}

async fn post(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let media = super::content_type(&req);
    if media != "application/x-www-form-urlencoded" {
        return Err(ApiError::new(
            Code::UnsupportedMediaType,
            "POST the batch as application/x-www-form-urlencoded with a `queries` field",
        ));
    }
    let queries = form_urlencoded::parse(&body)
        .find(|(k, _)| k == "queries")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| super::bad("the form has no `queries` field"))?;
    reconcile_batch(state, &req, &queries).await
}

fn prefix_and_cursor(req: &HttpRequest) -> Result<(String, usize), ApiError> {
    let pairs = pairs(req);
    let prefix = pairs
        .iter()
        .find(|(k, _)| k == "prefix")
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| super::bad("prefix is required"))?;
    let cursor = match pairs.iter().find(|(k, _)| k == "cursor") {
        None => 0,
        Some((_, v)) => v
            .trim()
            .parse::<usize>()
            .map_err(|_| super::bad(format!("cursor must be a whole number, not {v:?}")))?,
    };
    Ok((prefix, cursor))
}

async fn suggest_entity(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(r) = state.not_modified(&req) {
        return Ok(r);
    }
    let (prefix, cursor) = prefix_and_cursor(&req)?;
    ensure_index(&state)?;
    let classes = pairs(&req)
        .into_iter()
        .filter(|(k, _)| k == "type")
        .filter_map(|(_, v)| class_of_type(&v))
        .collect();
    let results = run_search(
        &state,
        &Request {
            text: prefix,
            language: None,
            classes,
            schemes: Vec::new(),
            alternative: true,
            mode: Mode::Suggest,
            offset: cursor,
            limit: 10,
        },
    )?;
    let labels = state.labels()?;
    let result: Vec<Value> = results
        .hits
        .iter()
        .map(|h| {
            let class = h.class;
            let (type_id, type_name) = type_of_class(class);
            let name = labels.preferred(&h.uri, "en").unwrap_or(&h.matched);
            let mut item = json!({
                "id": h.uri,
                "name": name,
                "notable": [{"id": type_id, "name": type_name}],
            });
            if name != h.matched {
                item["description"] = json!(format!("{} ({})", h.matched, h.matched_language));
            }
            item
        })
        .collect();
    respond(&state, &req, &json!({ "result": result }), true)
}

async fn suggest_type(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (prefix, cursor) = prefix_and_cursor(&req)?;
    let p = prefix.to_lowercase();
    let result: Vec<Value> = TYPES
        .iter()
        .filter(|(id, name, _)| id.to_lowercase().contains(&p) || name.to_lowercase().contains(&p))
        .skip(cursor)
        .map(|(id, name, _)| json!({"id": id, "name": name}))
        .collect();
    respond(&state, &req, &json!({ "result": result }), true)
}

async fn suggest_property(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (prefix, cursor) = prefix_and_cursor(&req)?;
    let p = prefix.to_lowercase();
    let result: Vec<Value> = PROPERTIES
        .iter()
        .filter(|(id, name, _)| id.to_lowercase().contains(&p) || name.to_lowercase().contains(&p))
        .skip(cursor)
        .map(|(id, name, what)| json!({"id": id, "name": name, "description": what}))
        .collect();
    respond(&state, &req, &json!({ "result": result }), true)
}

/// The concept named by `id`, known to the store.
fn entity(state: &AppState, req: &HttpRequest) -> Result<NamedNode, ApiError> {
    let id = pairs(req)
        .into_iter()
        .find(|(k, _)| k == "id")
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| super::bad("id is required"))?;
    let node =
        NamedNode::new(&id).map_err(|e| super::bad(format!("id {id:?} is not an IRI: {e}")))?;
    if state
        .store
        .quads_for_pattern(Some(node.as_ref().into()), None, None, None)
        .next()
        .is_none()
    {
        return Err(ApiError::new(
            Code::UnknownConcept,
            format!("no concept {id}"),
        ));
    }
    Ok(node)
}

fn preview_html(state: &AppState, node: &NamedNode) -> Result<String, ApiError> {
    let labels = state.labels()?;
    let name = labels
        .preferred(node.as_str(), "en")
        .unwrap_or(node.as_str());
    let mut description = String::new();
    for q in state.store.quads_for_pattern(
        Some(node.as_ref().into()),
        Some(crate::vocab::dcterms::DESCRIPTION),
        None,
        None,
    ) {
        if let Term::Literal(l) = q?.object {
            if l.language() == Some("en") || description.is_empty() {
                description = l.value().chars().take(300).collect();
            }
        }
    }
    let code = reconcile::isco_code(&state.store, node.as_ref())?
        .map(|c| format!(" · ISCO-08 {c}"))
        .unwrap_or_default();
    Ok(format!(
        "<div style=\"font:14px system-ui,sans-serif\"><strong>{}</strong>{}<p style=\"margin:.3em 0\">{}</p><small>{}</small></div>",
        escape(name),
        escape(&code),
        escape(&description),
        escape(node.as_str())
    ))
}

async fn flyout(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let node = entity(&state, &req)?;
    let html = preview_html(&state, &node)?;
    respond(
        &state,
        &req,
        &json!({"id": node.as_str(), "html": html}),
        true,
    )
}

async fn preview(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if let Some(r) = state.not_modified(&req) {
        return Ok(r);
    }
    let node = entity(&state, &req)?;
    let html = preview_html(&state, &node)?;
    Ok(state
        .cached(HttpResponse::Ok())
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>{html}</body></html>"
        )))
}

/// The concept's page: here for ESCO IRIs, the IRI itself otherwise.
async fn view(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let node = entity(&state, &req)?;
    let target = node
        .as_str()
        .strip_prefix(state.config.base_uri.as_str())
        .map_or_else(|| node.as_str().to_owned(), |rest| format!("/esco/{rest}"));
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, target))
        .finish())
}
