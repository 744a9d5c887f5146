//! `/api/extract` and the `/extract` page: the skills and occupations of a job ad or a CV.
//! Public and read-only; answers come from the service's matcher, in step with the store.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::blocking;
use super::error::{ApiError, Code};
use super::AppState;

mod page;
use crate::extract::{self, Extraction, Extractor, Request};

/// Routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/extract").route(web::post().to(post)))
        .service(
            web::resource("/extract")
                .route(web::get().to(page_get))
                .route(web::post().to(page_post)),
        );
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
    esco_language: Option<String>,
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
        ("esco_language", &json.esco_language),
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
        esco_language: json.esco_language.map(|l| l.to_ascii_lowercase()),
    })
}

/// Extracts with the service's matcher, and a note on its state.
async fn run(
    state: &web::Data<AppState>,
    request: Request,
) -> Result<(Extraction, Option<String>), ApiError> {
    let st = state.clone();
    let etag = state.version.index_tag();
    blocking(move || {
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
    .await
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
    let (found, note) = run(&state, request).await?;
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

/// The page's form.
#[derive(Debug, Deserialize)]
struct PageForm {
    text: String,
    #[serde(default)]
    title: String,
    /// `html` (the default), `json` or `csv`.
    #[serde(default)]
    format: String,
}

async fn page_get() -> HttpResponse {
    html_response(StatusCode::OK, &page::render(None, "", "", None))
}

async fn page_post(
    state: web::Data<AppState>,
    form: web::Form<PageForm>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let json = RequestJson {
        text: Some(form.text.clone()),
        title: Some(form.title.clone()),
        language: None,
        k: None,
        threshold: None,
        target_language: None,
        esco_language: None,
    };
    let request = match request(json) {
        Ok(r) => r,
        Err(e) if form.format.is_empty() || form.format == "html" => {
            return Ok(html_response(
                StatusCode::BAD_REQUEST,
                &page::render(None, &form.text, &form.title, Some(&e.to_string())),
            ));
        }
        Err(e) => return Err(e),
    };
    let (found, _) = run(&state, request).await?;
    match form.format.as_str() {
        "" | "html" => Ok(html_response(
            StatusCode::OK,
            &page::render(
                Some((&found, &state.config.base_uri)),
                &form.text,
                &form.title,
                None,
            ),
        )),
        "json" => Ok(HttpResponse::Ok()
            .content_type("application/json")
            .insert_header((
                "Content-Disposition",
                "attachment; filename=\"extraction.json\"",
            ))
            .body(
                serde_json::to_vec_pretty(&found)
                    .map_err(|e| ApiError::new(Code::Internal, e.to_string()))?,
            )),
        "csv" => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                "attachment; filename=\"extraction.csv\"",
            ))
            .body(page::csv(&found).map_err(|e| ApiError::new(Code::Internal, e.to_string()))?)),
        other => Err(ApiError::new(
            Code::InvalidParameter,
            format!("`format` must be html, json or csv (got {other:?})"),
        )),
    }
}

fn html_response(status: StatusCode, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body.to_owned())
}
