//! Who is asking. One token parser for every write: `Authorization: Bearer TOKEN` (a bare token
//! is taken as well), else the curation screens' cookie; tokens are compared in constant time.
//! [`Admin`] is a request that carries the service's admin token; [`Curator`] a signed-in
//! curator (the admin token signs in as `~admin`, with every role), optionally required to hold
//! a role: `Curator<Admins>`.

use std::future::{ready, Ready};
use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use super::error::{ApiError, Code};
use super::AppState;
use crate::curation::users::{Role, User};

/// The cookie that holds a signed-in curator's token.
pub const COOKIE: &str = "esco_ld_curator";

/// Whether two byte strings are equal, in time that depends on their length only.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token of a request: the `Authorization` header's (`Bearer TOKEN`, or a bare token), else
/// the curation cookie's; `None` when there is none or it is empty.
pub(crate) fn token(req: &HttpRequest) -> Option<String> {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let token = match header {
        Some(value) => {
            let value = value.trim();
            match value.split_once(' ') {
                Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => {
                    rest.trim().to_owned()
                }
                _ if value.eq_ignore_ascii_case("bearer") => String::new(),
                _ => value.to_owned(),
            }
        }
        None => req.cookie(COOKIE)?.value().to_owned(),
    };
    (!token.is_empty()).then_some(token)
}

fn state(req: &HttpRequest) -> Result<&AppState, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .map(|d| &***d)
        .ok_or_else(|| ApiError::new(Code::Internal, "the service state is missing"))
}

/// Whether `token` is the service's admin token.
pub(crate) fn is_admin_token(state: &AppState, token: &str) -> bool {
    state
        .config
        .admin_token
        .as_deref()
        .is_some_and(|admin| constant_time_eq(admin.as_bytes(), token.as_bytes()))
}

/// A request with the service's admin token: 403 when writes are off (no admin token is
/// configured) or the token is wrong, 401 when there is none. Errors are JSON; the protocol
/// endpoints take `Result<Admin, ApiError>` and answer them as plain text.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl Admin {
    /// The admin of a request whose kind (query or update) is known only from its body.
    pub fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        let state = state(req)?;
        if state.config.admin_token.is_none() {
            return Err(ApiError::new(
                Code::WritesDisabled,
                "this service is read-only: writes are off (no admin token is configured)",
            ));
        }
        let Some(token) = token(req) else {
            return Err(ApiError::new(
                Code::MissingToken,
                "writes need Authorization: Bearer <admin token>",
            ));
        };
        if is_admin_token(state, &token) {
            Ok(Self)
        } else {
            Err(ApiError::new(
                Code::InvalidToken,
                "the admin token is wrong",
            ))
        }
    }
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::of(req))
    }
}

/// What a [`Curator`] must be.
pub trait Requirement {
    /// The role required, if any.
    const ROLE: Option<Role>;
    /// What is refused without it (for the message).
    const WHAT: &'static str;
}

/// Any signed-in curator.
#[derive(Debug)]
pub struct Anyone;

impl Requirement for Anyone {
    const ROLE: Option<Role> = None;
    const WHAT: &'static str = "";
}

/// Curators with the admin role.
#[derive(Debug)]
pub struct Admins;

impl Requirement for Admins {
    const ROLE: Option<Role> = Some(Role::Admin);
    const WHAT: &'static str = "only admins do this";
}

/// The curator making the request: 401 without a token, 403 with an unknown one or without the
/// role `R` requires.
#[derive(Debug)]
pub struct Curator<R: Requirement = Anyone> {
    /// Who it is.
    pub user: User,
    _requirement: PhantomData<R>,
}

impl<R: Requirement> Curator<R> {
    fn check(req: &HttpRequest) -> Result<Self, ApiError> {
        let state = state(req)?;
        let Some(token) = token(req) else {
            return Err(ApiError::new(
                Code::MissingToken,
                "curation writes need Authorization: Bearer <curator token> (made with `esco-ld user add`)",
            ));
        };
        let user = if is_admin_token(state, &token) {
            // A name no curator can have (`~` is not allowed in user names).
            User {
                name: "~admin".into(),
                roles: vec![Role::Admin],
                token_sha256: String::new(),
                created: String::new(),
            }
        } else {
            state.users.authenticate(&token)?.ok_or_else(|| {
                ApiError::new(Code::InvalidToken, "unknown or revoked curator token")
            })?
        };
        if let Some(role) = R::ROLE {
            if !user.can(role) {
                return Err(ApiError::new(
                    Code::NotPermitted,
                    format!("{} lacks the {role} role: {}", user.name, R::WHAT),
                ));
            }
        }
        Ok(Self {
            user,
            _requirement: PhantomData,
        })
    }
}

impl<R: Requirement> FromRequest for Curator<R> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::check(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn one_parser_for_every_token() {
        let with = |value: &str| {
            token(
                &TestRequest::default()
                    .insert_header((header::AUTHORIZATION, value))
                    .to_http_request(),
            )
        };
        assert_eq!(with("Bearer abc").as_deref(), Some("abc"));
        assert_eq!(with("bearer  abc ").as_deref(), Some("abc"));
        assert_eq!(with("abc").as_deref(), Some("abc"));
        assert_eq!(with("Bearer ").as_deref(), None);
        let cookie = TestRequest::default()
            .cookie(actix_web::cookie::Cookie::new(COOKIE, "from-cookie"))
            .to_http_request();
        assert_eq!(token(&cookie).as_deref(), Some("from-cookie"));
        assert_eq!(token(&TestRequest::default().to_http_request()), None);
    }

    #[test]
    fn equal_tokens_only() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
    }
}
