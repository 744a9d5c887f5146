//! The ESCO Web Service API's paths and JSON (HAL) shapes, so that its clients work against
//! this service unchanged: `/resource/{taxonomy,concept,occupation,skill,related}`, `/search`
//! and `/suggest2`. What is covered and what is not: `docs/esco-api.md`.

use std::collections::HashSet;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use oxigraph::model::NamedNode;
use serde_json::{json, Map, Value};

use super::search::{self as label_search, pairs, Defaults, Params};
use super::{ApiError, AppState, Code};
use crate::describe::Labels;
use crate::esco_api::{self, Kind, RELATIONS};
use crate::search::{Mode, Results};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/resource/taxonomy", web::get().to(taxonomy))
        .route("/resource/concept", web::get().to(concept))
        .route("/resource/occupation", web::get().to(occupation))
        .route("/resource/skill", web::get().to(skill))
        .route("/resource/related", web::get().to(related))
        .route("/resource/related/", web::get().to(related))
        .route("/search", web::get().to(search))
        .route("/suggest2", web::get().to(suggest2));
}

/// Default page size of `/resource/related`, `/search` and `/suggest2`.
const PAGE: usize = 20;
/// Largest page of `/resource/related`.
const MAX_RELATED_PAGE: usize = 100;

/// The request's common settings.
struct Ctx<'a> {
    state: &'a AppState,
    labels: std::sync::Arc<Labels>,
    origin: String,
    language: String,
    version: Option<String>,
}

/// An IRI as it appears in an `href`: raw, as the ESCO API writes it, but with the characters
/// that would break the query string escaped.
fn raw_iri(iri: &str) -> String {
    let mut out = String::with_capacity(iri.len());
    for c in iri.chars() {
        match c {
            '%' => out.push_str("%25"),
            '&' => out.push_str("%26"),
            '#' => out.push_str("%23"),
            '+' => out.push_str("%2B"),
            ' ' => out.push_str("%20"),
            c => out.push(c),
        }
    }
    out
}

impl Ctx<'_> {
    fn title(&self, iri: &str) -> String {
        self.labels.preferred(iri, &self.language).map_or_else(
            || iri.rsplit(['/', '#']).next().unwrap_or(iri).to_owned(),
            str::to_owned,
        )
    }

    fn href(&self, path: &str, iri: &str) -> String {
        let mut href = format!(
            "{}/resource/{path}?uri={}&language={}",
            self.origin,
            raw_iri(iri),
            self.language
        );
        if let Some(v) = &self.version {
            href.push_str("&selectedVersion=");
            href.push_str(v);
        }
        href
    }

    /// A link object `{href, uri, title}` (+ `skillType` to a skill, `code` to an ISCO group).
    fn link(&self, target: &NamedNode) -> Result<Value, ApiError> {
        let end = esco_api::link_end(&self.state.store, target.as_ref())?;
        let mut link = Map::new();
        link.insert(
            "href".into(),
            self.href(end.kind.path(), target.as_str()).into(),
        );
        link.insert("uri".into(), target.as_str().into());
        link.insert("title".into(), self.title(target.as_str()).into());
        if let Some(t) = end.skill_type {
            link.insert("skillType".into(), t.into());
        }
        if let Some(code) = end.code {
            link.insert("code".into(), code.into());
        }
        Ok(Value::Object(link))
    }
}

/// The resource object of `iri` (`None` when the store says nothing about it), in the ESCO
/// API's shape.
fn resource(ctx: &Ctx<'_>, iri: &NamedNode) -> Result<Option<(Kind, Value)>, ApiError> {
    let Some(r) = esco_api::resource(&ctx.state.store, &ctx.labels, iri)? else {
        return Ok(None);
    };
    let mut out = Map::new();
    out.insert("className".into(), r.kind.class_name().into());
    out.insert("classId".into(), r.kind.class_id().as_str().into());
    out.insert("uri".into(), iri.as_str().into());
    out.insert("title".into(), ctx.title(iri.as_str()).into());
    out.insert("referenceLanguage".into(), json!(["en"]));
    out.insert("preferredLabel".into(), json!(r.preferred));
    if !r.alternative.is_empty() {
        out.insert("alternativeLabel".into(), json!(r.alternative));
    }
    for (key, by_lang) in &r.notes {
        let texts: Map<String, Value> = by_lang
            .iter()
            .map(|(lang, text)| {
                (
                    lang.clone(),
                    json!({"literal": text, "mimetype": "plain/text"}),
                )
            })
            .collect();
        out.insert((*key).into(), Value::Object(texts));
    }
    if let Some(code) = &r.code {
        out.insert("code".into(), code.clone().into());
    }
    out.insert("status".into(), r.status.clone().into());
    let mut links = Map::new();
    links.insert(
        "self".into(),
        json!({
            "href": ctx.href(r.kind.path(), iri.as_str()),
            "uri": iri.as_str(),
            "title": ctx.title(iri.as_str()),
        }),
    );
    for (name, targets) in &r.relations {
        let list = targets
            .iter()
            .map(|t| ctx.link(t))
            .collect::<Result<Vec<_>, _>>()?;
        links.insert((*name).into(), Value::Array(list));
    }
    out.insert("_links".into(), Value::Object(links));
    Ok(Some((r.kind, Value::Object(out))))
}

/// Reads `language` and `selectedVersion`, builds the context.
fn context<'a>(
    req: &HttpRequest,
    state: &'a AppState,
    pairs: &[(String, String)],
) -> Result<Ctx<'a>, ApiError> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim())
    };
    let language = get("language").unwrap_or("en").to_owned();
    label_search::ensure_index(state).map_err(ApiError::esco)?;
    label_search::check_language(state, &language).map_err(ApiError::esco)?;
    let version = get("selectedVersion").map(str::to_owned);
    if let Some(v) = &version {
        let ok = v == "latest"
            || v.strip_prefix('v').is_some_and(|n| {
                !n.is_empty()
                    && n.split('.')
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            });
        if !ok {
            return Err(ApiError::new(
                Code::InvalidParameter,
                format!("selectedVersion must look like v1.2.0 or be latest, not {v:?}"),
            )
            .esco());
        }
    }
    Ok(Ctx {
        state,
        labels: state.labels().map_err(ApiError::esco)?,
        origin: super::origin(req),
        language,
        version,
    })
}

fn required_uri(pairs: &[(String, String)]) -> Result<NamedNode, ApiError> {
    let value = pairs
        .iter()
        .find(|(k, _)| k == "uri")
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::new(Code::InvalidParameter, "uri is required").esco())?;
    parse_uri(value)
}

fn parse_uri(value: &str) -> Result<NamedNode, ApiError> {
    NamedNode::new(value).map_err(|e| {
        ApiError::new(
            Code::InvalidParameter,
            format!("uri {value:?} is not an IRI: {e}"),
        )
        .esco()
    })
}

fn json_response(state: &AppState, body: &Value) -> HttpResponse {
    state
        .cached(HttpResponse::Ok())
        .insert_header((header::CONTENT_TYPE, "application/json;charset=UTF-8"))
        .body(body.to_string())
}

/// Which kinds an endpoint serves.
#[derive(Clone, Copy)]
enum Endpoint {
    Taxonomy,
    Concept,
    Occupation,
    Skill,
}

/// Most resources one `uris` request may name.
const MAX_URIS: usize = 100;

/// The resources a request names: `uri` once, or `uris` (repeatable; with `uri` values too).
enum Wanted {
    One(NamedNode),
    Many(Vec<NamedNode>),
}

fn wanted(pairs: &[(String, String)]) -> Result<Wanted, ApiError> {
    let many: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "uris")
        .map(|(_, v)| v.trim())
        .collect();
    if many.is_empty() {
        if !pairs
            .iter()
            .any(|(k, v)| k == "uri" && !v.trim().is_empty())
        {
            return Err(ApiError::new(
                Code::InvalidParameter,
                "uri is required (or uris, repeatable, for several resources)",
            )
            .esco());
        }
        return required_uri(pairs).map(Wanted::One);
    }
    let mut iris: Vec<NamedNode> = Vec::new();
    for value in pairs
        .iter()
        .filter(|(k, _)| k == "uri")
        .map(|(_, v)| v.trim())
        .chain(many)
    {
        let iri = parse_uri(value)?;
        if !iris.contains(&iri) {
            iris.push(iri);
        }
    }
    if iris.len() > MAX_URIS {
        return Err(ApiError::new(
            Code::InvalidParameter,
            format!("at most {MAX_URIS} uris per request (got {})", iris.len()),
        )
        .esco());
    }
    Ok(Wanted::Many(iris))
}

impl Endpoint {
    /// Whether the endpoint serves resources of `kind`.
    fn serves(self, kind: Kind) -> bool {
        match self {
            Self::Taxonomy => kind == Kind::Scheme,
            Self::Occupation => kind == Kind::Occupation,
            Self::Skill => kind == Kind::Skill,
            Self::Concept => true,
        }
    }

    /// What it serves, for messages.
    fn what(self) -> &'static str {
        match self {
            Self::Taxonomy => "concept scheme",
            Self::Occupation => "occupation",
            Self::Skill => "skill",
            Self::Concept => "resource",
        }
    }
}

fn get_resource(
    req: &HttpRequest,
    state: &AppState,
    endpoint: Endpoint,
) -> Result<HttpResponse, ApiError> {
    if let Some(r) = state.not_modified(req) {
        return Ok(r);
    }
    let pairs = pairs(req);
    let wanted = wanted(&pairs)?;
    let ctx = context(req, state, &pairs)?;
    match wanted {
        Wanted::One(iri) => {
            let not_found = |what: &str| {
                ApiError::new(
                    Code::NotFound,
                    format!("no {what} with uri {}", iri.as_str()),
                )
                .esco()
            };
            let (kind, body) = resource(&ctx, &iri)
                .map_err(ApiError::esco)?
                .ok_or_else(|| not_found("resource"))?;
            if endpoint.serves(kind) {
                Ok(json_response(state, &body))
            } else {
                Err(not_found(endpoint.what()))
            }
        }
        Wanted::Many(iris) => {
            // Keyed by URI, each as the one-`uri` call gives it; what the store does not know
            // (or knows as another kind) is left out.
            let mut embedded = Map::new();
            for iri in &iris {
                if let Some((kind, body)) = resource(&ctx, iri).map_err(ApiError::esco)? {
                    if endpoint.serves(kind) {
                        embedded.insert(iri.as_str().to_owned(), body);
                    }
                }
            }
            if embedded.is_empty() {
                return Err(ApiError::new(
                    Code::NotFound,
                    format!("no {} with any of the {} uris", endpoint.what(), iris.len()),
                )
                .esco());
            }
            let body = json!({
                "total": embedded.len(),
                "language": ctx.language,
                "_embedded": embedded,
            });
            Ok(json_response(state, &body))
        }
    }
}

async fn taxonomy(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    get_resource(&req, &state, Endpoint::Taxonomy)
}

async fn concept(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    get_resource(&req, &state, Endpoint::Concept)
}

async fn occupation(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    get_resource(&req, &state, Endpoint::Occupation)
}

async fn skill(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    get_resource(&req, &state, Endpoint::Skill)
}

fn page_param(
    pairs: &[(String, String)],
    key: &str,
    default: usize,
    min: usize,
    max: usize,
) -> Result<usize, ApiError> {
    let Some((_, v)) = pairs.iter().find(|(k, _)| k == key) else {
        return Ok(default);
    };
    let n: i64 = v.trim().parse().map_err(|_| {
        ApiError::new(
            Code::InvalidParameter,
            format!("{key} must be a whole number, not {v:?}"),
        )
        .esco()
    })?;
    usize::try_from(n)
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            ApiError::new(
                Code::InvalidParameter,
                format!("{key} must be between {min} and {max} (got {n})"),
            )
            .esco()
        })
}

async fn related(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if let Some(r) = state.not_modified(&req) {
        return Ok(r);
    }
    let pairs = pairs(&req);
    let iri = required_uri(&pairs)?;
    let relation = pairs
        .iter()
        .find(|(k, _)| k == "relation")
        .map(|(_, v)| v.trim().to_owned())
        .ok_or_else(|| ApiError::new(Code::InvalidParameter, "relation is required").esco())?;
    let Some(relation) = RELATIONS.iter().copied().find(|r| *r == relation) else {
        return Err(ApiError::new(
            Code::InvalidParameter,
            format!(
                "unknown relation {relation:?}; known: {}",
                RELATIONS.join(", ")
            ),
        )
        .esco());
    };
    let offset = page_param(&pairs, "offset", 0, 0, 1_000_000)?;
    let limit = page_param(&pairs, "limit", PAGE, 1, MAX_RELATED_PAGE)?;
    let ctx = context(&req, &state, &pairs)?;
    let store = &state.store;
    let kind = Kind::of(store, iri.as_ref())
        .map_err(|e| ApiError::from(e).esco())?
        .ok_or_else(|| {
            ApiError::new(
                Code::NotFound,
                format!("no resource with uri {}", iri.as_str()),
            )
            .esco()
        })?;
    let targets = esco_api::relations(store, iri.as_ref(), kind)
        .map_err(|e| ApiError::from(e).esco())?
        .remove(relation)
        .unwrap_or_default();
    let mut items = Vec::new();
    for t in targets.iter().skip(offset).take(limit) {
        if let Some((_, r)) = resource(&ctx, t).map_err(ApiError::esco)? {
            items.push(r);
        }
    }
    let page_href = |offset: usize| {
        format!(
            "{}/resource/related?uri={}&relation={relation}&language={}&offset={offset}&limit={limit}",
            ctx.origin,
            raw_iri(iri.as_str()),
            ctx.language
        )
    };
    let mut links = Map::new();
    links.insert("self".into(), json!({"href": page_href(offset)}));
    if offset + limit < targets.len() {
        links.insert("next".into(), json!({"href": page_href(offset + limit)}));
    }
    if offset > 0 {
        links.insert(
            "prev".into(),
            json!({"href": page_href(offset.saturating_sub(limit))}),
        );
    }
    let body = json!({
        "uri": iri.as_str(),
        "relation": relation,
        "language": ctx.language,
        "total": targets.len(),
        "count": items.len(),
        "offset": offset,
        "limit": limit,
        "_embedded": { relation: items },
        "_links": links,
    });
    Ok(json_response(&state, &body))
}

/// The search envelope: `{total, count, offset, limit, text, language, type, _embedded:
/// {results}, _links}`.
fn search_body(
    ctx: &Ctx<'_>,
    params: &Params,
    results: &Results,
    endpoint: &str,
) -> Result<Value, ApiError> {
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    for hit in &results.hits {
        if !seen.insert(hit.uri.as_str()) {
            continue;
        }
        let iri = NamedNode::new_unchecked(hit.uri.clone());
        let kind = Kind::of(&ctx.state.store, iri.as_ref())?.unwrap_or(Kind::Other);
        let mut item = if params.full {
            resource(ctx, &iri)?.map_or_else(|| json!({}), |(_, r)| r)
        } else {
            let mut preferred = Map::new();
            for l in ctx.labels.all(&hit.uri) {
                preferred
                    .entry(l.language().unwrap_or("en").to_owned())
                    .or_insert_with(|| l.value().into());
            }
            json!({
                "className": kind.class_name(),
                "classId": kind.class_id().as_str(),
                "uri": hit.uri,
                "title": ctx.title(&hit.uri),
                "preferredLabel": preferred,
                "_links": {"self": {
                    "href": ctx.href(kind.path(), &hit.uri),
                    "uri": hit.uri,
                    "title": ctx.title(&hit.uri),
                }},
            })
        };
        if let Some(obj) = item.as_object_mut() {
            obj.insert("searchHit".into(), hit.matched.clone().into());
            obj.insert("score".into(), json!((hit.score * 1000.0).round() / 1000.0));
        }
        items.push(item);
    }
    let request = &params.request;
    let page_href = |offset: usize| {
        let mut href = format!(
            "{}/{endpoint}?text={}&language={}&offset={offset}&limit={}",
            ctx.origin,
            form_urlencoded::byte_serialize(request.text.as_bytes()).collect::<String>(),
            ctx.language,
            request.limit
        );
        for t in &params.types {
            href.push_str("&type=");
            href.extend(form_urlencoded::byte_serialize(t.as_bytes()));
        }
        for s in &request.schemes {
            href.push_str("&isInScheme=");
            href.push_str(&raw_iri(s));
        }
        href
    };
    let mut links = Map::new();
    links.insert("self".into(), json!({"href": page_href(request.offset)}));
    if request.offset + request.limit < results.total {
        links.insert(
            "next".into(),
            json!({"href": page_href(request.offset + request.limit)}),
        );
    }
    if request.offset > 0 {
        links.insert(
            "prev".into(),
            json!({"href": page_href(request.offset.saturating_sub(request.limit))}),
        );
    }
    Ok(json!({
        "total": results.total,
        "count": items.len(),
        "offset": request.offset,
        "limit": request.limit,
        "text": request.text,
        "language": ctx.language,
        "type": params.types,
        "_embedded": {"results": items},
        "_links": links,
    }))
}

fn search_like(
    req: &HttpRequest,
    state: &AppState,
    mode: Mode,
    endpoint: &str,
) -> Result<HttpResponse, ApiError> {
    if let Some(r) = state.not_modified(req) {
        return Ok(r);
    }
    let pairs = pairs(req);
    let ctx = context(req, state, &pairs)?;
    // People get a page (searching every language unless told), programs JSON.
    let html = mode == Mode::Search
        && super::negotiate(
            super::accept_header(req),
            &["application/json", "text/html"],
        )
        .is_ok_and(|m| m == "text/html");
    let params = label_search::parse(
        state,
        &pairs,
        Defaults {
            mode,
            alternative: mode == Mode::Search,
            limit: PAGE,
            language: (!html).then_some("en"),
        },
    )
    .map_err(ApiError::esco)?;
    let results = label_search::run(state, &params.request).map_err(ApiError::esco)?;
    if html {
        let page = label_search::results_page(state, &params, &results)?;
        return Ok(state
            .cached(HttpResponse::Ok())
            .insert_header((header::VARY, "Accept"))
            .content_type("text/html; charset=utf-8")
            .body(page));
    }
    let body = search_body(&ctx, &params, &results, endpoint).map_err(ApiError::esco)?;
    Ok(state
        .cached(HttpResponse::Ok())
        .insert_header((header::VARY, "Accept"))
        .insert_header((header::CONTENT_TYPE, "application/json;charset=UTF-8"))
        .body(body.to_string()))
}

async fn search(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    search_like(&req, &state, Mode::Search, "search")
}

async fn suggest2(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    search_like(&req, &state, Mode::Suggest, "suggest2")
}
