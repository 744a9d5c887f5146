//! The ESCO Web Service API's paths and JSON (HAL) shapes, so that its clients work against
//! this service unchanged: `/resource/{taxonomy,concept,occupation,skill,related}`, `/search`
//! and `/suggest2`. What is covered and what is not: `docs/esco-api.md`.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use oxigraph::model::{NamedNode, NamedNodeRef, NamedOrBlankNode, Term};
use oxigraph::store::Store;
use serde_json::{json, Map, Value};

use super::search::{self as label_search, pairs, Defaults, Params};
use super::{ApiError, AppState, Code};
use crate::describe::Labels;
use crate::search::{Mode, Results};
use crate::vocab::{dcterms, esco, isothes, rdf, skos};

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

/// The ESCO API's class of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Occupation,
    Skill,
    IscoGroup,
    SkillGroup,
    Scheme,
    Other,
}

impl Kind {
    fn of(store: &Store, iri: NamedNodeRef<'_>) -> Result<Option<Self>, ApiError> {
        let mut kind = None;
        for quad in store.quads_for_pattern(Some(iri.into()), Some(rdf::TYPE), None, None) {
            let Term::NamedNode(class) = quad?.object else {
                continue;
            };
            let k = match class.as_ref() {
                c if c == esco::OCCUPATION => Self::Occupation,
                c if c == esco::SKILL => Self::Skill,
                c if c == esco::ISCO_GROUP => Self::IscoGroup,
                c if c == esco::SKILL_GROUP => Self::SkillGroup,
                c if c == skos::CONCEPT_SCHEME => Self::Scheme,
                _ => Self::Other,
            };
            // The most specific class wins.
            if kind.is_none_or(|old| old == Self::Other) {
                kind = Some(k);
            }
        }
        Ok(kind)
    }

    fn class_name(self) -> &'static str {
        match self {
            Self::Occupation => "Occupation",
            Self::Skill => "Skill",
            Self::Scheme => "ConceptScheme",
            Self::IscoGroup | Self::SkillGroup | Self::Other => "Concept",
        }
    }

    fn class_id(self) -> String {
        match self {
            Self::Occupation => esco::OCCUPATION.as_str().to_owned(),
            Self::Skill => esco::SKILL.as_str().to_owned(),
            Self::IscoGroup => esco::ISCO_GROUP.as_str().to_owned(),
            Self::SkillGroup => esco::SKILL_GROUP.as_str().to_owned(),
            Self::Scheme => skos::CONCEPT_SCHEME.as_str().to_owned(),
            Self::Other => skos::CONCEPT.as_str().to_owned(),
        }
    }

    /// The `/resource/...` path that serves it.
    fn path(self) -> &'static str {
        match self {
            Self::Occupation => "occupation",
            Self::Skill => "skill",
            Self::Scheme => "taxonomy",
            Self::IscoGroup | Self::SkillGroup | Self::Other => "concept",
        }
    }
}

/// Every relation name `/resource/related` knows.
const RELATIONS: &[&str] = &[
    "isInScheme",
    "hasTopConcept",
    "isTopConceptInScheme",
    "broaderIscoGroup",
    "broaderOccupation",
    "narrowerOccupation",
    "hasEssentialSkill",
    "hasOptionalSkill",
    "hasSkillType",
    "hasReuseLevel",
    "broaderSkill",
    "broaderHierarchyConcept",
    "narrowerSkill",
    "isEssentialForOccupation",
    "isOptionalForOccupation",
    "isEssentialForSkill",
    "isOptionalForSkill",
    "broaderConcept",
    "narrowerConcept",
];

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
        let store = &self.state.store;
        let kind = Kind::of(store, target.as_ref())?.unwrap_or(Kind::Other);
        let mut link = Map::new();
        link.insert(
            "href".into(),
            self.href(kind.path(), target.as_str()).into(),
        );
        link.insert("uri".into(), target.as_str().into());
        link.insert("title".into(), self.title(target.as_str()).into());
        match kind {
            Kind::Skill => {
                if let Some(t) = objects(store, target, esco::SKILL_TYPE)?.first() {
                    link.insert("skillType".into(), t.as_str().into());
                }
            }
            Kind::IscoGroup => {
                if let Some(code) = literals(store, target, skos::NOTATION)?.first() {
                    link.insert("code".into(), code.1.clone().into());
                }
            }
            Kind::Occupation | Kind::SkillGroup | Kind::Scheme | Kind::Other => {}
        }
        Ok(Value::Object(link))
    }
}

fn objects(store: &Store, s: &NamedNode, p: NamedNodeRef<'_>) -> Result<Vec<NamedNode>, ApiError> {
    let mut out = Vec::new();
    for quad in store.quads_for_pattern(Some(s.as_ref().into()), Some(p), None, None) {
        if let Term::NamedNode(o) = quad?.object {
            if !out.contains(&o) {
                out.push(o);
            }
        }
    }
    out.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    Ok(out)
}

fn subjects(store: &Store, p: NamedNodeRef<'_>, o: &NamedNode) -> Result<Vec<NamedNode>, ApiError> {
    let mut out = Vec::new();
    for quad in store.quads_for_pattern(None, Some(p), Some(o.as_ref().into()), None) {
        if let NamedOrBlankNode::NamedNode(s) = quad?.subject {
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    Ok(out)
}

/// `(language, text)` of every literal value, without repeats, sorted.
fn literals(
    store: &Store,
    s: &NamedNode,
    p: NamedNodeRef<'_>,
) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = BTreeSet::new();
    for quad in store.quads_for_pattern(Some(s.as_ref().into()), Some(p), None, None) {
        if let Term::Literal(l) = quad?.object {
            out.insert((
                l.language().unwrap_or_default().to_owned(),
                l.value().to_owned(),
            ));
        }
    }
    Ok(out.into_iter().collect())
}

/// The related resources of `iri` by ESCO API relation name.
fn relations(
    store: &Store,
    iri: &NamedNode,
    kind: Kind,
) -> Result<BTreeMap<&'static str, Vec<NamedNode>>, ApiError> {
    let mut out: BTreeMap<&'static str, Vec<NamedNode>> = BTreeMap::new();
    let mut put = |name: &'static str, targets: Vec<NamedNode>| {
        if !targets.is_empty() {
            let list = out.entry(name).or_default();
            for t in targets {
                if !list.contains(&t) {
                    list.push(t);
                }
            }
        }
    };
    let kind_of = |n: &NamedNode| Kind::of(store, n.as_ref()).map(|k| k.unwrap_or(Kind::Other));
    let split = |targets: Vec<NamedNode>,
                 want: Kind|
     -> Result<(Vec<NamedNode>, Vec<NamedNode>), ApiError> {
        let mut yes = Vec::new();
        let mut no = Vec::new();
        for t in targets {
            if kind_of(&t)? == want {
                yes.push(t);
            } else {
                no.push(t);
            }
        }
        Ok((yes, no))
    };
    if kind == Kind::Scheme {
        put("hasTopConcept", objects(store, iri, skos::HAS_TOP_CONCEPT)?);
        put("hasTopConcept", subjects(store, skos::TOP_CONCEPT_OF, iri)?);
        return Ok(out);
    }
    put("isInScheme", objects(store, iri, skos::IN_SCHEME)?);
    let broader = objects(store, iri, skos::BROADER)?;
    let narrower = objects(store, iri, skos::NARROWER)?;
    if matches!(kind, Kind::Occupation | Kind::Skill) {
        put(
            "hasEssentialSkill",
            objects(store, iri, esco::RELATED_ESSENTIAL_SKILL)?,
        );
        put(
            "hasOptionalSkill",
            objects(store, iri, esco::RELATED_OPTIONAL_SKILL)?,
        );
    }
    match kind {
        Kind::Occupation => {
            let (groups, occupations) = split(broader, Kind::IscoGroup)?;
            put(
                "broaderIscoGroup",
                objects(store, iri, esco::MEMBER_OF_ISCO_GROUP)?,
            );
            put("broaderIscoGroup", groups);
            put("broaderOccupation", occupations);
            put("narrowerOccupation", narrower);
        }
        Kind::Skill => {
            let (skills, groups) = split(broader, Kind::Skill)?;
            put("hasSkillType", objects(store, iri, esco::SKILL_TYPE)?);
            put(
                "hasReuseLevel",
                objects(store, iri, esco::SKILL_REUSE_LEVEL)?,
            );
            put("broaderSkill", skills);
            put("broaderHierarchyConcept", groups);
            put("narrowerSkill", narrower);
            put(
                "isEssentialForOccupation",
                objects(store, iri, esco::IS_ESSENTIAL_SKILL_FOR)?,
            );
            put(
                "isOptionalForOccupation",
                objects(store, iri, esco::IS_OPTIONAL_SKILL_FOR)?,
            );
            let (essential_for, _) = split(
                subjects(store, esco::RELATED_ESSENTIAL_SKILL, iri)?,
                Kind::Skill,
            )?;
            let (optional_for, _) = split(
                subjects(store, esco::RELATED_OPTIONAL_SKILL, iri)?,
                Kind::Skill,
            )?;
            put("isEssentialForSkill", essential_for);
            put("isOptionalForSkill", optional_for);
        }
        Kind::IscoGroup | Kind::SkillGroup | Kind::Other | Kind::Scheme => {
            put(
                "isTopConceptInScheme",
                objects(store, iri, skos::TOP_CONCEPT_OF)?,
            );
            put("broaderConcept", broader);
            let (occupations, rest) = split(narrower.clone(), Kind::Occupation)?;
            let (skills, _) = split(rest, Kind::Skill)?;
            put("narrowerConcept", narrower);
            put("narrowerOccupation", occupations);
            put("narrowerSkill", skills);
        }
    }
    Ok(out)
}

/// `{lang: {literal, mimetype}}` of a property.
fn texts(store: &Store, iri: &NamedNode, p: NamedNodeRef<'_>) -> Result<Value, ApiError> {
    let mut map = Map::new();
    for (lang, text) in literals(store, iri, p)? {
        map.entry(if lang.is_empty() {
            "en".to_owned()
        } else {
            lang
        })
        .or_insert_with(|| json!({"literal": text, "mimetype": "plain/text"}));
    }
    Ok(Value::Object(map))
}

/// The resource object of `iri` (`None` when the store says nothing about it).
fn resource(ctx: &Ctx<'_>, iri: &NamedNode) -> Result<Option<(Kind, Value)>, ApiError> {
    let store = &ctx.state.store;
    let Some(kind) = Kind::of(store, iri.as_ref())? else {
        return Ok(None);
    };
    let mut r = Map::new();
    r.insert("className".into(), kind.class_name().into());
    r.insert("classId".into(), kind.class_id().into());
    r.insert("uri".into(), iri.as_str().into());
    r.insert("title".into(), ctx.title(iri.as_str()).into());
    r.insert("referenceLanguage".into(), json!(["en"]));
    let mut preferred = Map::new();
    for l in ctx.labels.all(iri.as_str()) {
        preferred
            .entry(l.language().unwrap_or("en").to_owned())
            .or_insert_with(|| l.value().into());
    }
    r.insert("preferredLabel".into(), Value::Object(preferred));
    let mut alternative: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (lang, text) in literals(store, iri, skos::ALT_LABEL)? {
        alternative.entry(lang).or_default().push(text);
    }
    if !alternative.is_empty() {
        r.insert("alternativeLabel".into(), json!(alternative));
    }
    for (key, p) in [
        ("description", dcterms::DESCRIPTION),
        ("definition", skos::DEFINITION),
        ("scopeNote", skos::SCOPE_NOTE),
    ] {
        let t = texts(store, iri, p)?;
        if t.as_object().is_some_and(|m| !m.is_empty()) {
            r.insert(key.into(), t);
        }
    }
    if let Some((_, code)) = literals(store, iri, skos::NOTATION)?.first() {
        r.insert("code".into(), code.clone().into());
    }
    let status = literals(store, iri, isothes::STATUS)?
        .first()
        .map_or_else(|| "released".to_owned(), |s| s.1.clone());
    r.insert("status".into(), status.into());
    let mut links = Map::new();
    links.insert(
        "self".into(),
        json!({
            "href": ctx.href(kind.path(), iri.as_str()),
            "uri": iri.as_str(),
            "title": ctx.title(iri.as_str()),
        }),
    );
    for (name, targets) in relations(store, iri, kind)? {
        let list = targets
            .iter()
            .map(|t| ctx.link(t))
            .collect::<Result<Vec<_>, _>>()?;
        links.insert(name.into(), Value::Array(list));
    }
    r.insert("_links".into(), Value::Object(links));
    Ok(Some((kind, Value::Object(r))))
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
        .map_err(ApiError::esco)?
        .ok_or_else(|| {
            ApiError::new(
                Code::NotFound,
                format!("no resource with uri {}", iri.as_str()),
            )
            .esco()
        })?;
    let targets = relations(store, &iri, kind)
        .map_err(ApiError::esco)?
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
                "classId": kind.class_id(),
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
