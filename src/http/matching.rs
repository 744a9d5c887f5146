//! `/api/match`: free text to ranked ESCO concepts. `GET ?text=…` for one input, `POST` a JSON
//! batch. Public and read-only; answers come from a matcher in step with the store.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::blocking;
use super::error::{ApiError, Code};
use super::AppState;
use crate::concept::Target;
use crate::matching::{Input, Matches, Method, MAX_K};

/// Most inputs in one POST.
pub const MAX_BATCH: usize = 1000;

/// Routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/match")
            .route(web::get().to(get))
            .route(web::post().to(post))
            .route(web::head().to(get)),
    );
}

/// One input as JSON (and as GET parameters).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InputJson {
    text: Option<String>,
    description: Option<String>,
    language: Option<String>,
    /// Match against ESCO labels in this language only.
    esco_language: Option<String>,
    target: Option<String>,
    k: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Batch {
    Inputs { inputs: Vec<InputJson> },
    List(Vec<InputJson>),
}

#[derive(Serialize)]
struct BatchResponse<'a> {
    method: Method,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    results: &'a [Matches],
}

#[derive(Serialize)]
struct OneResponse<'a> {
    #[serde(flatten)]
    matches: &'a Matches,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

fn input(json: InputJson, at: Option<usize>) -> Result<Input, ApiError> {
    let place = at.map_or_else(String::new, |i| format!("inputs[{i}]: "));
    let bad = |m: String| ApiError::new(Code::InvalidParameter, format!("{place}{m}"));
    let text = json
        .text
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| bad("`text` is required and must not be empty".into()))?;
    if text.len() > 10_000 {
        return Err(bad("`text` is longer than 10,000 bytes".into()));
    }
    let k = json.k.unwrap_or(10);
    if !(1..=MAX_K as i64).contains(&k) {
        return Err(bad(format!("`k` must be between 1 and {MAX_K} (got {k})")));
    }
    for (key, tag) in [
        ("language", &json.language),
        ("esco_language", &json.esco_language),
    ] {
        if let Some(lang) = tag {
            if !crate::matching::language::valid_tag(lang) {
                return Err(bad(format!("`{key}` {lang:?} is not a language tag")));
            }
        }
    }
    let target: Target = json
        .target
        .as_deref()
        .unwrap_or("occupations")
        .parse()
        .map_err(|e: crate::concept::ParseError| {
            ApiError::new(Code::InvalidTarget, e.to_string())
        })?;
    Ok(Input {
        text,
        description: json.description.filter(|d| !d.trim().is_empty()),
        language: json.language.map(|l| l.to_ascii_lowercase()),
        target,
        k: usize::try_from(k).unwrap_or(10),
        label_language: json.esco_language.map(|l| l.to_ascii_lowercase()),
    })
}

/// The matcher and a note on its state (lexical while the model side is missing or building).
async fn run(
    state: &web::Data<AppState>,
    inputs: Vec<Input>,
) -> Result<(Vec<Matches>, Option<String>), ApiError> {
    let st = state.clone();
    let etag = state.version.index_tag();
    blocking(move || {
        let service = &st.matching;
        let matcher = service.matcher(&etag)?.ok_or_else(|| {
            ApiError::new(
                Code::MatcherStarting,
                "the matcher is being built; try again in a few seconds",
            )
        })?;
        let note = note(&matcher, &service.status());
        let results = inputs
            .iter()
            .map(|i| matcher.search(i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok::<_, ApiError>((results, note))
    })
    .await
}

async fn get(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let mut json = InputJson {
        text: None,
        description: None,
        language: None,
        esco_language: None,
        target: None,
        k: None,
    };
    for (k, v) in form_urlencoded::parse(req.query_string().as_bytes()) {
        let v = v.into_owned();
        match k.as_ref() {
            "text" => json.text = Some(v),
            "description" => json.description = Some(v),
            "language" => json.language = Some(v),
            "esco_language" => json.esco_language = Some(v),
            "target" => json.target = Some(v),
            "k" => {
                json.k = Some(v.parse().map_err(|_| {
                    ApiError::new(
                        Code::InvalidParameter,
                        format!("`k` must be a number (got {v:?})"),
                    )
                })?);
            }
            other => {
                return Err(ApiError::new(
                    Code::InvalidParameter,
                    format!("unknown parameter {other:?}: text, description, language, esco_language, target, k"),
                ))
            }
        }
    }
    let (results, note) = run(&state, vec![input(json, None)?]).await?;
    let body = serde_json::to_vec(&OneResponse {
        matches: &results[0],
        note,
    })
    .map_err(|e| ApiError::new(Code::Internal, e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "no-cache"))
        .body(body))
}

async fn post(state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let batch: Batch = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            Code::InvalidParameter,
            format!("the body must be JSON: {{\"inputs\": [{{\"text\": ...}}]}} or a list of inputs ({e})"),
        )
    })?;
    let list = match batch {
        Batch::Inputs { inputs } | Batch::List(inputs) => inputs,
    };
    if list.is_empty() || list.len() > MAX_BATCH {
        return Err(ApiError::new(
            Code::InvalidParameter,
            format!("a batch holds 1 to {MAX_BATCH} inputs (got {})", list.len()),
        ));
    }
    let inputs = list
        .into_iter()
        .enumerate()
        .map(|(i, j)| input(j, Some(i)))
        .collect::<Result<Vec<_>, _>>()?;
    let (results, note) = run(&state, inputs).await?;
    let method = results.first().map_or(Method::Lexical, |r| r.method);
    let body = serde_json::to_vec(&BatchResponse {
        method,
        note,
        results: &results,
    })
    .map_err(|e| ApiError::new(Code::Internal, e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

/// A note on the matcher's state for the answer: lexical while the model side is missing or
/// building, the first stage while the model's index is built.
pub(super) fn note(
    matcher: &crate::matching::Matcher,
    status: &crate::matching::service::Status,
) -> Option<String> {
    match (matcher.method(), status.building, status.error.clone()) {

        (Method::Lexical, Some((done, total)), _) => Some(format!(
            "lexical matching while the dense index is built ({done} of {total} texts embedded)"
        )),
        (Method::Lexical, None, Some(e)) => Some(format!("lexical matching: {e}")),
        (Method::Lexical, None, None) => {
            Some("lexical matching: no model installed (esco-ld model install)".to_owned())
        }
        (Method::Fast | Method::Staged, Some((done, total)), _) => Some(format!(
            "fast first stage (static embeddings over every label{}) while the model's index is built ({done} of {total} texts embedded)",
            if matcher.method() == Method::Staged { ", the model on its short list" } else { "" }
        )),
        (_, Some((done, total)), _) => Some(format!(
            "the dense index covers preferred labels while the other labels are embedded ({done} of {total} texts)"
        )),
        _ => None,
    }
}
