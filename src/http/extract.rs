//! `/api/extract`: the skills and occupations of a job ad or a CV. Public and read-only; answers
//! come from the service's matcher, in step with the store.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::blocking;
use super::error::{ApiError, Code};
use super::AppState;
use crate::extract::{self, Extraction, Extractor, Request};

/// Routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/extract").route(web::post().to(post)));
}

/// The request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestJson {
    text: Option<String>,
    title: Option<String>,
    language: Option<String>,
    k: Option<i64>,
    threshold: Option<f64>,
    target_language: Option<String>,
}

#[derive(Serialize)]
struct Response<'a> {
    #[serde(flatten)]
    extraction: &'a Extraction,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

fn request(json: RequestJson) -> Result<Request, ApiError> {
    let bad = |m: String| ApiError::new(Code::InvalidParameter, m);
    let text = json
        .text
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| bad("`text` is required and must not be empty".into()))?;
    let chars = text.chars().count();
    if chars > extract::MAX_TEXT {
        return Err(bad(format!(
            "`text` has {chars} characters, more than {}",
            extract::MAX_TEXT
        )));
    }
    let k = json.k.unwrap_or(extract::DEFAULT_K as i64);
    if !(1..=extract::MAX_K as i64).contains(&k) {
        return Err(bad(format!(
            "`k` must be between 1 and {} (got {k})",
            extract::MAX_K
        )));
    }
    let threshold = json
        .threshold
        .unwrap_or(f64::from(extract::DEFAULT_THRESHOLD));
    if !(0.0..=1.0).contains(&threshold) {
        return Err(bad(format!(
            "`threshold` must be between 0 and 1 (got {threshold})"
        )));
    }
    for (key, tag) in [
        ("language", &json.language),
        ("target_language", &json.target_language),
    ] {
        if let Some(lang) = tag {
            if !crate::matching::language::valid_tag(lang) {
                return Err(bad(format!("`{key}` {lang:?} is not a language tag")));
            }
        }
    }
    Ok(Request {
        text,
        title: json.title.filter(|t| !t.trim().is_empty()),
        language: json.language.map(|l| l.to_ascii_lowercase()),
        k: usize::try_from(k).unwrap_or(extract::DEFAULT_K),
        #[expect(
            clippy::cast_possible_truncation,
            reason = "a number in [0, 1] checked above"
        )]
        threshold: threshold as f32,
        target_language: json.target_language.map(|l| l.to_ascii_lowercase()),
    })
}

async fn post(state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let json: RequestJson = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            Code::InvalidParameter,
            format!(
                "the body must be JSON: {{\"text\": ..., \"title\"?, \"language\"?, \"k\"?, \"threshold\"?, \"target_language\"?}} ({e})"
            ),
        )
    })?;
    let request = request(json)?;
    let st = state.clone();
    let etag = state.version.index_tag();
    let (found, note) = blocking(move || {
        let matcher = st.matching.matcher(&etag)?.ok_or_else(|| {
            ApiError::new(
                Code::MatcherStarting,
                "the matcher is being built; try again in a few seconds",
            )
        })?;
        let note = super::matching::note(&matcher, &st.matching.status());
        let found = Extractor::new(&matcher, &st.store).extract(&request)?;
        Ok::<_, ApiError>((found, note))
    })
    .await?;
    let body = serde_json::to_vec(&Response {
        extraction: &found,
        note,
    })
    .map_err(|e| ApiError::new(Code::Internal, e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}
