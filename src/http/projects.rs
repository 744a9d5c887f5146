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

use super::extractors::{Admins, Curator};
use super::{blocking, ApiError, AppState, Code};
use crate::concept::Target;
use crate::curation::project::{self, NewProject, Source};
use crate::curation::queue::{self, Decision, ItemLine, Step};
use crate::curation::State;

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
    target: Option<Target>,
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
    curator: Curator<Admins>,
    state: web::Data<AppState>,
    body: web::Json<CreateBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let source = match (b.source_scheme, b.source_csv, b.source_skos) {
        (Some(s), None, None) => Source::Scheme(s),
        (None, Some(csv), None) => Source::Csv(csv.into_bytes()),
        (None, None, Some(ttl)) => Source::Skos(ttl.into_bytes(), oxigraph::io::RdfFormat::Turtle),
        _ => {
            return Err(ApiError::new(
                Code::InvalidParameter,
                "give exactly one of source_scheme (a scheme IRI), source_csv (id,title[,description] rows) or source_skos (Turtle)",
            ))
        }
    };
    let imports = !matches!(source, Source::Scheme(_));
    let new = NewProject {
        id: b.id,
        title: b.title,
        source,
        target: b.target.unwrap_or(Target::Occupations),
        language: b.language.filter(|l| !l.is_empty()),
        k: b.k.unwrap_or(10),
        creator: curator.user.name,
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
    _admin: Curator<Admins>,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let st = state.clone();
    let id = id.into_inner();
    let report = blocking(move || {
        let p = project::load(&st.store, &id)?;
        let matcher = st
            .matching
            .matcher(&st.version.index_tag())?
            .ok_or_else(|| {
                ApiError::new(
                    Code::MatcherStarting,
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

#[derive(Serialize)]
struct Page<T> {
    total: usize,
    offset: usize,
    items: Vec<T>,
}

fn page<T>(all: Vec<T>, offset: Option<usize>, limit: Option<usize>) -> Result<Page<T>, ApiError> {
    let limit = limit.unwrap_or(100);
    if limit == 0 || limit > 1000 {
        return Err(super::bad("limit must be between 1 and 1000"));
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
        let mut lines = queue::item_lines(&st.store, &p)?;
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
    curator: Curator,
    state: web::Data<AppState>,
    id: web::Path<String>,
    params: web::Query<ItemsParams>,
) -> Result<HttpResponse, ApiError> {
    let st = state.clone();
    let id = id.into_inner();
    let lines: Vec<ItemLine> = blocking(move || {
        let p = project::load(&st.store, &id)?;
        Ok(queue::waiting(&st.store, &p, &curator.user, usize::MAX)?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(page(lines, params.offset, params.limit)?))
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
    let detail = blocking(move || {
        let p = project::load(&st.store, &id)?;
        Ok(queue::detail(&st.store, &*st.labels()?, &p, &key)?)
    })
    .await?;
    Ok(state.cached(HttpResponse::Ok()).json(detail))
}

async fn decide(
    curator: Curator,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (id, key, step) = path.into_inner();
    let step: Step = step.parse()?;
    let decision: Decision = if body.is_empty() && step == Step::Withdraw {
        Decision::default()
    } else {
        super::json_body(&body)?
    };
    let st = state.clone();
    let outcome = blocking(move || {
        let p = project::load(&st.store, &id)?;
        let outcome = queue::decide(
            &st.store,
            &st.curation,
            &p,
            &key,
            &curator.user,
            step,
            &decision,
        )?;
        st.version.touch();
        Ok(outcome)
    })
    .await?;
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
