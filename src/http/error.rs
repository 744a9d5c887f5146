//! Errors at the HTTP edge: one code table, each code with its status, every layer error mapped
//! to a code in one place.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::conneg::AcceptError;
use crate::sparql::SparqlError;

/// What went wrong, as clients see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// A parameter or body that cannot be used.
    BadRequest,
    /// A SPARQL query or update that does not parse.
    MalformedQuery,
    /// No such resource.
    NotFound,
    /// No representation fits the Accept header.
    NotAcceptable,
    /// A request body of a type the endpoint does not take.
    UnsupportedMediaType,
    /// Credentials are missing.
    Unauthorized,
    /// Credentials are wrong, or writes are off.
    Forbidden,
    /// The method is not allowed on the resource.
    MethodNotAllowed,
    /// The request does not fit the resource's current state.
    Conflict,
    /// The query ran out of time.
    QueryTimeout,
    /// The result is larger than allowed.
    ResultTooLarge,
    /// The request body is larger than allowed.
    PayloadTooLarge,
    /// The part of the service asked for is not ready yet.
    Unavailable,
    /// A bug or a storage failure.
    Internal,
}

impl Code {
    /// The HTTP status of the code.
    pub fn status(self) -> StatusCode {
        match self {
            Self::BadRequest | Self::MalformedQuery => StatusCode::BAD_REQUEST,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict => StatusCode::CONFLICT,
            Self::QueryTimeout => StatusCode::SERVICE_UNAVAILABLE,
            Self::ResultTooLarge => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
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
        Code::BadRequest
    }
}

impl ErrorCode for crate::matching::MatchError {
    fn error_code(&self) -> Code {
        match self {
            Self::Input(_) => Code::BadRequest,
            Self::Storage(_) | Self::Model(_) | Self::Index(_) | Self::Io { .. } => Code::Internal,
        }
    }
}

impl ErrorCode for crate::search::SearchError {
    fn error_code(&self) -> Code {
        match self {
            Self::Input(_) => Code::BadRequest,
            Self::Storage(_) | Self::Index(_) | Self::Io { .. } => Code::Internal,
        }
    }
}

impl ErrorCode for crate::crosswalk::export::ExportError {
    fn error_code(&self) -> Code {
        match self {
            Self::Unknown { .. } => Code::NotFound,
            Self::Format(_) => Code::BadRequest,
            Self::Storage(_) | Self::Io(_) => Code::Internal,
        }
    }
}

impl ErrorCode for crate::curation::CurationError {
    fn error_code(&self) -> Code {
        match self {
            Self::Input(_) => Code::BadRequest,
            Self::NotFound(_) => Code::NotFound,
            Self::Conflict(_) => Code::Conflict,
            Self::Unauthenticated(_) => Code::Unauthorized,
            Self::Forbidden(_) => Code::Forbidden,
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

/// An error response: JSON `{message, code}`, or plain text on the SPARQL endpoints.
#[derive(Debug)]
pub struct ApiError {
    /// The code.
    pub code: Code,
    /// For people.
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

impl<E: std::error::Error + ErrorCode> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self::new(e.error_code(), e.to_string())
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
    /// `{"message", "code"}`.
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
        match self {
            Self::BadRequest | Self::MalformedQuery | Self::ResultTooLarge => "BadInputException",
            Self::NotFound => "NotFoundException",
            Self::NotAcceptable | Self::UnsupportedMediaType => "UnsupportedMediaTypeException",
            Self::Unauthorized | Self::Forbidden => "AccessDeniedException",
            Self::MethodNotAllowed => "MethodNotAllowedException",
            Self::Conflict => "ConflictException",
            Self::PayloadTooLarge => "PayloadTooLargeException",
            Self::QueryTimeout | Self::Unavailable => "ServiceUnavailableException",
            Self::Internal => "InternalServerErrorException",
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
        if self.code == Code::Unauthorized {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"esco-ld\""));
        }
        match self.style {
            Style::Plain => response
                .content_type("text/plain; charset=utf-8")
                .body(format!("{}\n", self.message)),
            Style::Json => response.json(Body {
                message: &self.message,
                code: self.code,
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
