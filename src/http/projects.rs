//! Mapping projects over HTTP (`/api/projects/...`): reads are public, every write names a
//! curator by `Authorization: Bearer <token>` and is checked against their roles.
//!
//! - `GET /api/projects`, `POST /api/projects` (admin): list, create
//! - `GET /api/projects/{id}`: progress; `POST /api/projects/{id}/suggest` (admin)
//! - `GET /api/projects/{id}/items?state=&offset=&limit=`, `GET .../items/{key}`
//! - `POST .../items/{key}/validate|review|decide|withdraw`
//! - `GET /api/projects/{id}/queue` (signed in): what waits for the caller
//! - `GET /api/projects/{id}/export?format=sssom|eures|skos`: the crosswalk

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::{ApiError, AppState, Code};
use crate::curation::project::{self, NewProject, Source};
use crate::curation::users::{Role, User};
use crate::curation::workflow::{self, Action, Choice};
use crate::curation::{CurationError, State};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/projects", web::get().to(list))
        .route("/api/projects", web::post().to(create))
        .route("/api/projects/{id}", web::get().to(status))
        .route("/api/projects/{id}/suggest", web::post().to(suggest))
        .route("/api/projects/{id}/items", web::get().to(items))
        .route("/api/projects/{id}/queue", web::get().to(queue))
        .route("/api/projects/{id}/export", web::get().to(export))
        .route("/api/projects/{id}/items/{key}", web::get().to(item))
        .route(
            "/api/projects/{id}/items/{key}/{action}",
            web::post().to(decide),
        );
}

/// The token of a request: `Authorization: Bearer …`, else the curation screens' cookie.
pub(super) fn token(req: &HttpRequest) -> Option<String> {
    if let Some(v) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return Some(v.strip_prefix("Bearer ").unwrap_or(v).trim().to_owned());
    }
    req.cookie(super::curate::COOKIE)
        .map(|c| c.value().to_owned())
}

/// The curator making the request: 401 without a token, 403 with an unknown one. The service's
/// admin token signs in as `admin` with every role.
pub(super) fn curator(req: &HttpRequest, state: &AppState) -> Result<User, ApiError> {
    let Some(token) = token(req).filter(|t| !t.is_empty()) else {
        return Err(ApiError::new(
            Code::Unauthorized,
            "curation writes need Authorization: Bearer <curator token> (made with `esco-ld user add`)",
        ));
    };
    if let Some(admin) = state.config.admin_token.as_deref() {
        if super::sparql::constant_time_eq(token.as_bytes(), admin.as_bytes()) {
            // A name no curator can have (`~` is not allowed in user names).
            return Ok(User {
                name: "~admin".into(),
                roles: vec![Role::Admin],
                token_sha256: String::new(),
                created: String::new(),
            });
        }
    }
    state
        .users
        .authenticate(&token)?
        .ok_or_else(|| ApiError::new(Code::Forbidden, "unknown or revoked curator token"))
}

fn json_body<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    if body.is_empty() {
        return Err(ApiError::new(
            Code::BadRequest,
            "the request needs a JSON body",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new(Code::BadRequest, format!("unreadable JSON body: {e}")))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    web::block(f)
        .await
        .map_err(|e| ApiError::new(Code::Internal, e.to_string()))?
}

async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if let Some(r) = state.not_modified(&req) {
        return Ok(r);
    }
    let st = state.clone();
    let all = blocking(move || {
        let mut out = Vec::new();
        for p in project::list(&st.store)? {
            out.push(project::status(&st.store, &p)?);
        }
        Ok(out)
    })
    .await?;
    Ok(state.cached(HttpResponse::Ok()).json(all))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    id: String,
    title: String,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    k: Option<usize>,
    #[serde(default)]
    source_scheme: Option<String>,
    #[serde(default)]
    source_csv: Option<String>,
    #[serde(default)]
    source_skos: Option<String>,
}

async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let user = curator(&req, &state)?;
    if !user.can(Role::Admin) {
        return Err(ApiError::new(
            Code::Forbidden,
            format!("{} is not an admin: only admins create projects", user.name),
        ));
    }
    let b: CreateBody = json_body(&body)?;
    let source = match (b.source_scheme, b.source_csv, b.source_skos) {
        (Some(s), None, None) => Source::Scheme(s),
        (None, Some(csv), None) => Source::Csv(csv.into_bytes()),
        (None, None, Some(ttl)) => Source::Skos(ttl.into_bytes(), oxigraph::io::RdfFormat::Turtle),
        _ => {
            return Err(ApiError::new(
                Code::BadRequest,
                "give exactly one of source_scheme (a scheme IRI), source_csv (id,title[,description] rows) or source_skos (Turtle)",
            ))
        }
    };
    let imports = !matches!(source, Source::Scheme(_));
    let new = NewProject {
        id: b.id,
        title: b.title,
        source,
        target: b.target.unwrap_or_else(|| "occupations".into()),
        language: b.language.filter(|l| !l.is_empty()),
        k: b.k.unwrap_or(10),
        creator: user.name,
    };
    let st = state.clone();
    let status = blocking(move || {
        let p = st.curation.exclusive(|| project::create(&st.store, &new))?;
        // Imported source concepts are new labelled concepts: the indexes follow.
        if imports {
            st.version.bump();
        } else {
            st.version.touch();
        }
        Ok(project::status(&st.store, &p)?)
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/projects/{}", status.project.id),
        ))
        .json(status))
}

async fn status(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if let Some(r) = state.not_modified(&req) {
        return Ok(r);
    }
    let st = state.clone();
    let id = id.into_inner();
    let status = blocking(move || {
        let p = project::load(&st.store, &id)?;
        Ok(project::status(&st.store, &p)?)
    })
    .await?;
    Ok(state.cached(HttpResponse::Ok()).json(status))
}

async fn suggest(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = curator(&req, &state)?;
    if !user.can(Role::Admin) {
        return Err(ApiError::new(
            Code::Forbidden,
            format!("{} is not an admin: only admins run suggestions", user.name),
        ));
    }
    let st = state.clone();
    let id = id.into_inner();
    let report = blocking(move || {
        let p = project::load(&st.store, &id)?;
        let matcher = st
            .matching
            .matcher(&st.version.content_tag())?
            .ok_or_else(|| {
                ApiError::new(
                    Code::Unavailable,
                    "the matcher is being built; try again in a few seconds",
                )
            })?;
        let report =
            crate::curation::suggest::suggest(&st.store, &p, &matcher, &|_, _| {}, &st.curation)?;
        st.version.touch();
        Ok(report)
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

#[derive(Deserialize)]
struct ItemsParams {
    state: Option<String>,
    offset: Option<usize>,
    limit: Option<usize>,
}

/// One line of an item list.
#[derive(Serialize)]
pub(super) struct ItemLine {
    pub key: String,
    pub source: String,
    pub notation: String,
    pub label: String,
    pub state: State,
}

/// The items of a project (every source concept; those without an item are unmapped).
pub(super) fn item_lines(
    state: &AppState,
    p: &crate::curation::Project,
) -> Result<Vec<ItemLine>, ApiError> {
    let states = project::states(&state.store, p)?;
    Ok(project::source_concepts(&state.store, p)?
        .into_iter()
        .map(|s| ItemLine {
            state: states.get(&s.key).copied().unwrap_or(State::Unmapped),
            key: s.key,
            source: s.iri,
            notation: s.notation,
            label: s.label,
        })
        .collect())
}

#[derive(Serialize)]
struct Page<T> {
    total: usize,
    offset: usize,
    items: Vec<T>,
}

fn page<T>(all: Vec<T>, offset: Option<usize>, limit: Option<usize>) -> Result<Page<T>, ApiError> {
    let limit = limit.unwrap_or(100);
    if limit == 0 || limit > 1000 {
        return Err(ApiError::new(
            Code::BadRequest,
            "limit must be between 1 and 1000",
        ));
    }
    let offset = offset.unwrap_or(0);
    let total = all.len();
    Ok(Page {
        total,
        offset,
        items: all.into_iter().skip(offset).take(limit).collect(),
    })
}

async fn items(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    params: web::Query<ItemsParams>,
) -> Result<HttpResponse, ApiError> {
    if let Some(r) = state.not_modified(&req) {
        return Ok(r);
    }
    let wanted = params.state.as_deref().map(State::parse).transpose()?;
    let st = state.clone();
    let id = id.into_inner();
    let lines = blocking(move || {
        let p = project::load(&st.store, &id)?;
        let mut lines = item_lines(&st, &p)?;
        if let Some(w) = wanted {
            lines.retain(|l| l.state == w);
        }
        Ok(lines)
    })
    .await?;
    Ok(state
        .cached(HttpResponse::Ok())
        .json(page(lines, params.offset, params.limit)?))
}

async fn queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    params: web::Query<ItemsParams>,
) -> Result<HttpResponse, ApiError> {
    let user = curator(&req, &state)?;
    let st = state.clone();
    let id = id.into_inner();
    let lines = blocking(move || waiting(&st, &id, &user, usize::MAX)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(page(lines, params.offset, params.limit)?))
}

/// The items waiting for `user`, in source order, at most `limit` (each candidate item is read
/// whole to apply the four-eyes rule, so callers wanting only the next one say so).
pub(super) fn waiting(
    state: &AppState,
    id: &str,
    user: &User,
    limit: usize,
) -> Result<Vec<ItemLine>, ApiError> {
    let p = project::load(&state.store, id)?;
    let mut out = Vec::new();
    for line in item_lines(state, &p)? {
        if out.len() >= limit {
            break;
        }
        let candidate = match line.state {
            State::Suggested | State::Unmapped | State::Disputed => user.can(Role::Validator),
            State::Validated => user.can(Role::Reviewer),
            State::Reviewed | State::Final => false,
        };
        if !candidate {
            continue;
        }
        // A source concept not suggested yet has no item to act on.
        match workflow::item(&state.store, &p, &line.key) {
            Ok(item) if item.waits_for(user) => out.push(line),
            Ok(_) | Err(CurationError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

/// An item with what a curator needs to judge it.
#[derive(Serialize)]
pub(super) struct ItemDetail {
    pub project: String,
    #[serde(flatten)]
    pub item: workflow::ItemView,
    pub label: String,
    pub notation: String,
    pub description: String,
    /// Preferred label of each candidate (in the project's language, else English).
    pub candidate_labels: Vec<String>,
}

pub(super) fn detail(state: &AppState, id: &str, key: &str) -> Result<ItemDetail, ApiError> {
    let p = project::load(&state.store, id)?;
    let item = workflow::item(&state.store, &p, key)?;
    let source = project::source_concepts(&state.store, &p)?
        .into_iter()
        .find(|s| s.iri == item.source);
    let labels = state.labels()?;
    let lang = if p.language.is_empty() {
        "en"
    } else {
        p.language.as_str()
    };
    let candidate_labels = item
        .candidates
        .iter()
        .map(|c| labels.preferred(&c.concept, lang).unwrap_or("").to_owned())
        .collect();
    let (label, notation, description) =
        source.map_or_else(Default::default, |s| (s.label, s.notation, s.description));
    Ok(ItemDetail {
        project: p.id,
        item,
        label,
        notation,
        description,
        candidate_labels,
    })
}

async fn item(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    if let Some(r) = state.not_modified(&req) {
        return Ok(r);
    }
    let st = state.clone();
    let (id, key) = path.into_inner();
    let detail = blocking(move || detail(&st, &id, &key)).await?;
    Ok(state.cached(HttpResponse::Ok()).json(detail))
}

/// A decision as posted.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct DecisionBody {
    /// The ESCO concept chosen.
    #[serde(default)]
    pub concept: Option<String>,
    /// The candidate chosen, by rank (instead of `concept`).
    #[serde(default)]
    pub candidate: Option<u32>,
    /// `exact`, `close`, `broad`, `narrow`.
    #[serde(default)]
    pub relation: Option<String>,
    /// No ESCO concept fits.
    #[serde(default)]
    pub no_match: bool,
    /// For a review.
    #[serde(default)]
    pub agree: Option<bool>,
    /// Why.
    #[serde(default)]
    pub comment: Option<String>,
}

/// Reads the choice of a decision body; `None` when it names none.
pub(super) fn choice(
    body: &DecisionBody,
    item: &workflow::ItemView,
) -> Result<Option<Choice>, CurationError> {
    if body.no_match {
        if body.concept.is_some() || body.candidate.is_some() {
            return Err(CurationError::Input(
                "no_match excludes concept and candidate".into(),
            ));
        }
        return Ok(Some(Choice::NoMatch));
    }
    let concept = match (&body.concept, body.candidate) {
        (Some(c), None) => c.clone(),
        (None, Some(rank)) => item
            .candidates
            .iter()
            .find(|c| c.rank == rank)
            .map(|c| c.concept.clone())
            .ok_or_else(|| CurationError::Input(format!("no candidate ranked {rank}")))?,
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(CurationError::Input(
                "give concept or candidate, not both".into(),
            ))
        }
    };
    let relation = body.relation.as_deref().ok_or_else(|| {
        CurationError::Input("a mapping needs a relation: exact, close, broad or narrow".into())
    })?;
    Ok(Some(Choice::Map {
        concept,
        relation: workflow::parse_relation(relation)?,
    }))
}

/// Turns a posted decision into an action and runs it, serialised with every other curation
/// write; the store has committed it when this returns.
pub(super) fn run_action(
    state: &AppState,
    id: &str,
    key: &str,
    user: &User,
    step: &str,
    body: &DecisionBody,
) -> Result<workflow::Outcome, ApiError> {
    let p = project::load(&state.store, id)?;
    let outcome = state.curation.exclusive(|| {
        let item = workflow::item(&state.store, &p, key)?;
        let action = match step {
            "validate" | "decide" => {
                let c = choice(body, &item)?.ok_or_else(|| {
                    CurationError::Input(
                        "choose a concept (concept or candidate, with relation) or no_match".into(),
                    )
                })?;
                if step == "validate" {
                    Action::Validate(c)
                } else {
                    Action::Decide(c)
                }
            }
            "review" => Action::Review {
                agree: body.agree.ok_or_else(|| {
                    CurationError::Input("a review says agree: true or false".into())
                })?,
                alternative: choice(body, &item)?,
            },
            "withdraw" => Action::Withdraw,
            other => {
                return Err(CurationError::NotFound(format!(
                    "no action {other:?}: validate, review, decide or withdraw"
                )))
            }
        };
        workflow::act(
            &state.store,
            &p,
            key,
            user,
            &action,
            body.comment.as_deref().unwrap_or(""),
        )
    })?;
    state.version.touch();
    Ok(outcome)
}

async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let user = curator(&req, &state)?;
    let (id, key, step) = path.into_inner();
    let body: DecisionBody = if body.is_empty() && step == "withdraw" {
        DecisionBody::default()
    } else {
        json_body(&body)?
    };
    let st = state.clone();
    let outcome = blocking(move || run_action(&st, &id, &key, &user, &step, &body)).await?;
    Ok(HttpResponse::Ok().json(outcome))
}

#[derive(Deserialize)]
struct ExportParams {
    format: Option<String>,
}

async fn export(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    params: web::Query<ExportParams>,
) -> Result<HttpResponse, ApiError> {
    if let Some(r) = state.not_modified(&req) {
        return Ok(r);
    }
    let id = id.into_inner();
    let format = params.format.clone().unwrap_or_else(|| "sssom".into());
    let st = state.clone();
    let crosswalk = blocking(move || {
        let p = project::load(&st.store, &id)?;
        Ok(p.crosswalk
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned())
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!(
                "/api/crosswalks/{crosswalk}?format={}",
                form_urlencoded::byte_serialize(format.as_bytes()).collect::<String>()
            ),
        ))
        .finish())
}
