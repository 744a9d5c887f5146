//! The crosswalks of the store over HTTP: `GET /api/crosswalks` lists them,
//! `GET /api/crosswalks/{id}?format=sssom|eures|skos` exports one (as `esco-ld crosswalk
//! export` does).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::{ApiError, AppState, Code};
use crate::crosswalk::export::{self, Format};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/crosswalks", web::get().to(list))
        .route("/api/crosswalks/{id}", web::get().to(get));
}

async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if let Some(r) = state.not_modified(&req) {
        return Ok(r);
    }
    let all = export::list(&state.store)?;
    Ok(state.cached(HttpResponse::Ok()).json(all))
}

#[derive(serde::Deserialize)]
struct Params {
    format: Option<String>,
}

async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    params: web::Query<Params>,
) -> Result<HttpResponse, ApiError> {
    if let Some(r) = state.not_modified(&req) {
        return Ok(r);
    }
    let format = Format::parse(params.format.as_deref().unwrap_or("sssom"))?;
    let st = state.clone();
    let id = id.into_inner();
    let body = web::block(move || {
        let cw = export::find(&st.store, &id)?;
        let mut out = Vec::new();
        export::write(&st.store, &cw, format, &mut out)?;
        Ok::<_, ApiError>((cw.id, out))
    })
    .await
    .map_err(|e| ApiError::new(Code::Internal, e.to_string()))??;
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
