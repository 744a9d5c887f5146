//! The crosswalks of the store over HTTP: `GET /api/crosswalks` lists them,
//! `GET /api/crosswalks/{id}?format=sssom|eures|skos` exports one (as `esco-ld crosswalk
//! export` does).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::blocking;
use super::{ApiError, AppState, Code};
use crate::publish::Format;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/crosswalks", web::get().to(list))
        .route("/api/crosswalks/{id}", web::get().to(get))
        // Only these names: other IRIs under a crosswalk (its VoID subsets, mapping records)
        // are described by the concept pages.
        .route(
            r"/esco/crosswalk/{id}/{file:(?:latest|v[0-9]+)\.(?:sssom\.tsv|csv|ttl)}",
            web::get().to(dump),
        );
}

/// The dumps of a crosswalk under its IRI: `latest.sssom.tsv`, `latest.csv`, `latest.ttl`, and
/// `v{N}.…` for revision N of a curated crosswalk.
async fn dump(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, file) = path.into_inner();
    let parsed = [
        (".sssom.tsv", Format::Sssom),
        (".csv", Format::Eures),
        (".ttl", Format::Skos),
    ]
    .into_iter()
    .find_map(|(ext, f)| file.strip_suffix(ext).map(|v| (v.to_owned(), f)));
    let version = match &parsed {
        Some((v, _)) if v == "latest" => None,
        Some((v, _)) => match v.strip_prefix('v').and_then(|n| n.parse::<u64>().ok()) {
            Some(n) => Some(n),
            None => return Err(ApiError::new(Code::NotFound, format!("no dump {file:?}"))),
        },
        None => {
            return Err(ApiError::new(
                Code::NotFound,
                format!("no dump {file:?}: latest.sssom.tsv, latest.csv, latest.ttl or vN.…"),
            ))
        }
    };
    let format = parsed.map_or(Format::Sssom, |p| p.1);
    respond(req, state, id, format, version).await
}

async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if let Some(r) = state.not_modified(&req) {
        return Ok(r);
    }
    let all = crate::publish::list(&state.store)?;
    Ok(state.cached(HttpResponse::Ok()).json(all))
}

#[derive(serde::Deserialize)]
struct Params {
    format: Option<String>,
    version: Option<u64>,
}

async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    params: web::Query<Params>,
) -> Result<HttpResponse, ApiError> {
    let format = Format::parse(params.format.as_deref().unwrap_or("sssom"))?;
    respond(req, state, id.into_inner(), format, params.version).await
}

async fn respond(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: String,
    format: Format,
    version: Option<u64>,
) -> Result<HttpResponse, ApiError> {
    if let Some(r) = state.not_modified(&req) {
        return Ok(r);
    }
    let st = state.clone();
    let body = blocking(move || {
        let cw = crate::publish::find(&st.store, &id)?;
        let mut out = Vec::new();
        match version {
            None => crate::publish::write(&st.store, &cw, format, &mut out)?,
            Some(v) => {
                if !crate::publish::write_version(&st.store, &cw, format, v, &mut out)? {
                    return Err(ApiError::new(
                        Code::NotFound,
                        format!(
                            "crosswalk {id:?} has no revision {v} (its revision is {:?})",
                            cw.version
                        ),
                    ));
                }
            }
        }
        Ok::<_, ApiError>((cw.id, out))
    })
    .await?;
    let extension = match format {
        Format::Sssom => "sssom.tsv",
        Format::Eures => "csv",
        Format::Skos => "ttl",
    };
    Ok(state
        .cached(HttpResponse::Ok())
        .insert_header((header::CONTENT_TYPE, format.media_type()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}.{extension}\"", body.0),
        ))
        .body(body.1))
}
