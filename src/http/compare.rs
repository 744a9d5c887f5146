//! `/api/compare`: a vacancy and candidates (texts, an occupation, or skills), each candidate
//! scored with its reasons. Public and read-only.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::blocking;
use super::error::{ApiError, Code};
use super::AppState;
use crate::extract::compare::{Side, SideJson, MAX_CANDIDATES};
use crate::extract::Extractor;

/// Routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/compare").route(web::post().to(post)));
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestJson {
    vacancy: SideJson,
    candidates: Vec<SideJson>,
}

fn side(j: SideJson, place: &str) -> Result<Side, ApiError> {
    Side::try_from(j).map_err(|e| ApiError::new(Code::InvalidParameter, format!("{place}: {e}")))
}

async fn post(state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let json: RequestJson = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            Code::InvalidParameter,
            format!(
                "the body must be JSON: {{\"vacancy\": SIDE, \"candidates\": [SIDE, ...]}} ({e})"
            ),
        )
    })?;
    if json.candidates.is_empty() || json.candidates.len() > MAX_CANDIDATES {
        return Err(ApiError::new(
            Code::InvalidParameter,
            format!(
                "`candidates` holds 1 to {MAX_CANDIDATES} sides (got {})",
                json.candidates.len()
            ),
        ));
    }
    let vacancy = side(json.vacancy, "vacancy")?;
    let candidates = json
        .candidates
        .into_iter()
        .enumerate()
        .map(|(i, j)| side(j, &format!("candidates[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let st = state.clone();
    let etag = state.version.index_tag();
    let found = blocking(move || {
        let matcher = st.matching.matcher(&etag)?.ok_or_else(|| {
            ApiError::new(
                Code::MatcherStarting,
                "the matcher is being built; try again in a few seconds",
            )
        })?;
        Ok::<_, ApiError>(Extractor::new(&matcher, &st.store).compare(&vacancy, &candidates)?)
    })
    .await?;
    let body =
        serde_json::to_vec(&found).map_err(|e| ApiError::new(Code::Internal, e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}
