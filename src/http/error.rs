//! Errors at the HTTP edge: one code table, each code with its status, every layer error mapped
//! to a code in one place.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::conneg::AcceptError;
use crate::sparql::SparqlError;

/// What went wrong, as clients see it: a specific name (the body's `code`), an [`ErrorType`]
/// (the body's `type`: whose fault it is) and an HTTP status. Clients branch on `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// A query parameter or body field that cannot be used.
    InvalidParameter,
    /// A request body that cannot be read (not JSON, not a form, not UTF-8).
    InvalidBody,
    /// A target (what to match or map to) that names no class, scheme or union of them.
    InvalidTarget,
    /// A SPARQL query or update that does not parse.
    MalformedQuery,
    /// No such path or resource.
    NotFound,
    /// No such concept in the store.
    UnknownConcept,
    /// No such mapping project.
    UnknownProject,
    /// No such item in the project.
    UnknownItem,
    /// No such crosswalk.
    UnknownCrosswalk,
    /// No representation fits the Accept header.
    NotAcceptable,
    /// A request body of a type the endpoint does not take.
    UnsupportedMediaType,
    /// A write without credentials.
    MissingToken,
    /// Credentials that name nobody (a wrong admin token, an unknown or revoked curator token).
    InvalidToken,
    /// The caller may not do this (their roles, or the four-eyes rule).
    NotPermitted,
    /// Writes are off: the service runs without an admin token.
    WritesDisabled,
    /// The action does not fit the item's current state.
    ItemStateConflict,
    /// What would be created exists already.
    AlreadyExists,
    /// The query ran out of time.
    QueryTimeout,
    /// The result is larger than allowed.
    ResultTooLarge,
    /// The request body is larger than allowed.
    PayloadTooLarge,
    /// The matcher is being built or rebuilt.
    MatcherStarting,
    /// The label index is being brought in step with the store.
    IndexSyncing,
    /// A fault of the service (a bug, a storage failure), never the client's.
    Internal,
}

/// Whose fault an error is: the body's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    /// The request: fix it and send it again.
    InvalidRequest,
    /// Credentials: missing, wrong, or not enough.
    Auth,
    /// The service is busy or not ready: retry later.
    Unavailable,
    /// The service failed.
    Internal,
}

impl Code {
    /// The HTTP status of the code.
    pub fn status(self) -> StatusCode {
        match self {
            Self::InvalidParameter
            | Self::InvalidBody
            | Self::InvalidTarget
            | Self::MalformedQuery => StatusCode::BAD_REQUEST,
            Self::NotFound
            | Self::UnknownConcept
            | Self::UnknownProject
            | Self::UnknownItem
            | Self::UnknownCrosswalk => StatusCode::NOT_FOUND,
            Self::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::MissingToken => StatusCode::UNAUTHORIZED,
            Self::InvalidToken | Self::NotPermitted | Self::WritesDisabled => StatusCode::FORBIDDEN,
            Self::ItemStateConflict | Self::AlreadyExists => StatusCode::CONFLICT,
            Self::ResultTooLarge => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::QueryTimeout | Self::MatcherStarting | Self::IndexSyncing => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whose fault it is.
    pub fn kind(self) -> ErrorType {
        match self {
            Self::MissingToken | Self::InvalidToken | Self::NotPermitted | Self::WritesDisabled => {
                ErrorType::Auth
            }
            Self::QueryTimeout | Self::MatcherStarting | Self::IndexSyncing => {
                ErrorType::Unavailable
            }
            Self::Internal => ErrorType::Internal,
            Self::InvalidParameter
            | Self::InvalidBody
            | Self::InvalidTarget
            | Self::MalformedQuery
            | Self::NotFound
            | Self::UnknownConcept
            | Self::UnknownProject
            | Self::UnknownItem
            | Self::UnknownCrosswalk
            | Self::NotAcceptable
            | Self::UnsupportedMediaType
            | Self::ItemStateConflict
            | Self::AlreadyExists
            | Self::ResultTooLarge
            | Self::PayloadTooLarge => ErrorType::InvalidRequest,
        }
    }
}

/// Layer errors say which code they are.
pub trait ErrorCode {
    /// The code.
    fn error_code(&self) -> Code;
}

impl ErrorCode for SparqlError {
    fn error_code(&self) -> Code {
        match self {
            Self::Syntax(_) => Code::MalformedQuery,
            Self::Evaluation(_) | Self::Io(_) => Code::Internal,
            Self::Timeout(_) => Code::QueryTimeout,
            Self::TooManyResults(_) => Code::ResultTooLarge,
            Self::Format(_) => Code::NotAcceptable,
        }
    }
}

impl ErrorCode for AcceptError {
    fn error_code(&self) -> Code {
        Code::InvalidParameter
    }
}

impl ErrorCode for crate::matching::MatchError {
    fn error_code(&self) -> Code {
        match self {
            Self::Input(_) => Code::InvalidParameter,
            Self::Target(_) => Code::InvalidTarget,
            Self::Storage(_) | Self::Model(_) | Self::Index(_) | Self::Io { .. } => Code::Internal,
        }
    }
}

impl ErrorCode for crate::extract::ExtractError {
    fn error_code(&self) -> Code {
        match self {
            Self::Input(_) => Code::InvalidParameter,
            Self::Match(e) => e.error_code(),
            Self::Storage(_) => Code::Internal,
        }
    }
}

impl ErrorCode for crate::search::SearchError {
    fn error_code(&self) -> Code {
        match self {
            Self::Input(_) => Code::InvalidParameter,
            Self::Storage(_) | Self::Index(_) | Self::Io { .. } | Self::Internal(_) => {
                Code::Internal
            }
        }
    }
}

impl ErrorCode for crate::publish::ExportError {
    fn error_code(&self) -> Code {
        match self {
            Self::Unknown { .. } => Code::UnknownCrosswalk,
            Self::Format(_) => Code::InvalidParameter,
            Self::Storage(_) | Self::Io(_) => Code::Internal,
        }
    }
}

impl ErrorCode for crate::curation::CurationError {
    fn error_code(&self) -> Code {
        match self {
            Self::Input(_) => Code::InvalidParameter,
            Self::UnknownProject(_) => Code::UnknownProject,
            Self::UnknownItem(_) => Code::UnknownItem,
            Self::NotFound(_) => Code::NotFound,
            Self::Exists(_) => Code::AlreadyExists,
            Self::WrongState(_) => Code::ItemStateConflict,
            Self::Unauthenticated(_) => Code::MissingToken,
            Self::Forbidden(_) => Code::NotPermitted,
            Self::Match(e) => e.error_code(),
            Self::Storage(_) | Self::Io(..) | Self::Internal(_) => Code::Internal,
        }
    }
}

impl ErrorCode for oxigraph::store::StorageError {
    fn error_code(&self) -> Code {
        Code::Internal
    }
}

impl ErrorCode for crate::store::StoreError {
    fn error_code(&self) -> Code {
        Code::Internal
    }
}

impl ErrorCode for crate::load::LoadError {
    /// The service loads only what it ships or was told at start: a failure is its own.
    fn error_code(&self) -> Code {
        Code::Internal
    }
}

impl ErrorCode for crate::embed::ModelError {
    fn error_code(&self) -> Code {
        Code::Internal
    }
}

/// An error response: JSON `{message, code, type}`, or plain text on the SPARQL endpoints.
#[derive(Debug)]
pub struct ApiError {
    /// What went wrong.
    pub code: Code,
    /// What went wrong for people: the error and its causes.
    pub message: String,
    /// How the body is written.
    pub style: Style,
}

impl ApiError {
    /// An error with a code and message.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            style: Style::Json,
        }
    }

    /// The same error, rendered as plain text.
    pub fn plain(mut self) -> Self {
        self.style = Style::Plain;
        self
    }

    /// The same error, as a small HTML page (the curation screens).
    pub fn html(mut self) -> Self {
        self.style = Style::Html;
        self
    }

    /// The same error, in the ESCO Web Service API's shape (`{logref, status, message}`).
    pub fn esco(mut self) -> Self {
        self.style = Style::Esco;
        self
    }
}

impl<E: std::error::Error + ErrorCode + 'static> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self::new(e.error_code(), crate::util::error_chain(&e))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// How an error body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `{"message", "code", "type"}`.
    Json,
    /// The message as plain text (SPARQL and graph store protocols).
    Plain,
    /// `{"logref", "status", "message", "_links": null}`, as the ESCO Web Service API writes.
    Esco,
    /// A small HTML page.
    Html,
}

impl Code {
    /// The exception name the ESCO Web Service API puts in `logref`.
    fn logref(self) -> &'static str {
        match self.status() {
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => "BadInputException",
            StatusCode::NOT_FOUND => "NotFoundException",
            StatusCode::NOT_ACCEPTABLE | StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                "UnsupportedMediaTypeException"
            }
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => "AccessDeniedException",
            StatusCode::CONFLICT => "ConflictException",
            StatusCode::PAYLOAD_TOO_LARGE => "PayloadTooLargeException",
            StatusCode::SERVICE_UNAVAILABLE => "ServiceUnavailableException",
            _ => "InternalServerErrorException",
        }
    }
}

#[derive(Serialize)]
struct EscoBody<'a> {
    logref: &'static str,
    status: u16,
    message: &'a str,
    _links: Option<()>,
}

#[derive(Serialize)]
struct Body<'a> {
    message: &'a str,
    code: Code,
    #[serde(rename = "type")]
    kind: ErrorType,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        if self.code == Code::Internal {
            tracing::error!(message = %self.message, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        if self.code == Code::MissingToken {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"esco-ld\""));
        }
        match self.style {
            Style::Plain => response
                .content_type("text/plain; charset=utf-8")
                .body(format!("{}\n", self.message)),
            Style::Json => response.json(Body {
                message: &self.message,
                code: self.code,
                kind: self.code.kind(),
            }),
            Style::Html => response.content_type("text/html; charset=utf-8").body(format!(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{status}</title></head><body><h1>{status}</h1><p>{message}</p><p><a href=\"/curate\">Curation</a></p></body></html>",
                status = self.status_code(),
                message = crate::http::html::escape(&self.message)
            )),
            Style::Esco => response.json(EscoBody {
                logref: self.code.logref(),
                status: self.status_code().as_u16(),
                message: &self.message,
                _links: None,
            }),
        }
    }
}
