//! [`TestApp`]: the service's real app factory over a fresh copy of the fixture store, and the
//! requests tests make of it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::cookie::Cookie;
use actix_web::http::header::{self, HeaderMap, HeaderName};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::web::{self, Bytes};
use esco_ld::http::{build_app, AppState, Config};
use esco_ld::matching::setup::ModelChoice;
use esco_ld::store::{StoreLayout, StoreVersion};
use oxigraph::store::Store;
use serde_json::Value;

/// The service over a copy of the fixture store, living as long as the value.
pub struct TestApp {
    /// The service's state (its store, matcher, label index, curators).
    pub state: web::Data<AppState>,
    /// The store's folder.
    pub dir: PathBuf,
    _tmp: tempfile::TempDir,
}

/// What the service answered.
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Reply {
    /// The body as JSON (`null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value, if it has one that is text.
    pub fn header(&self, name: HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The first cookie the reply sets.
    pub fn cookie(&self) -> Option<Cookie<'static>> {
        self.headers
            .get_all(header::SET_COOKIE)
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| Cookie::parse(v.to_owned()).ok())
    }
}

/// The `Authorization: Bearer token` header.
fn bearer(token: &str) -> (HeaderName, String) {
    (header::AUTHORIZATION, format!("Bearer {token}"))
}

/// `req` with the bearer `token` when there is one.
fn authorized(req: TestRequest, token: Option<&str>) -> TestRequest {
    match token {
        Some(t) => req.insert_header(bearer(t)),
        None => req,
    }
}

impl TestApp {
    /// The service with `config` over a copy of the fixture store.
    pub fn new(config: Config) -> Self {
        Self::serving(super::fixture_store(), config)
    }

    /// Lexical and read-only over the store in `folder.1` (which lives as long as `folder.0`).
    pub fn over(folder: (tempfile::TempDir, PathBuf)) -> Self {
        Self::serving(folder, super::lexical_config(None))
    }

    fn serving((tmp, dir): (tempfile::TempDir, PathBuf), config: Config) -> Self {
        // A fingerprint of its own for each app: without a layout the service keeps what it
        // derives from the store (the matcher's forms snapshot) in one folder per process,
        // under the store's version tag, and apps over different stores must not share it.
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let fingerprint = NEXT.fetch_add(1, Ordering::Relaxed);
        let store = esco_ld::store::open(&dir).unwrap();
        let state = web::Data::new(AppState::new(
            store,
            config,
            StoreVersion::new(fingerprint, std::time::SystemTime::UNIX_EPOCH),
        ));
        Self {
            state,
            dir,
            _tmp: tmp,
        }
    }

    /// Lexical matching, read-only (no admin token), label index in memory, no curators.
    pub fn lexical() -> Self {
        Self::new(super::lexical_config(None))
    }

    /// Lexical matching, writes allowed with the admin `token`, no files beside the store.
    pub fn with_admin(token: &str) -> Self {
        Self::new(super::lexical_config(Some(token)))
    }

    /// Lexical matching, admin `token`, and the files beside the store where `serve` keeps
    /// them (the curators' file among them: see [`Self::users_file`]).
    pub fn with_layout(token: &str) -> Self {
        Self::laid_out(super::lexical_config(Some(token)))
    }

    /// `config` with the files beside the store where `serve` keeps them (the matcher's
    /// side-index among them, private to this app).
    pub fn laid_out(config: Config) -> Self {
        let (tmp, dir) = super::fixture_store();
        let config = Config {
            layout: Some(StoreLayout::new(&dir)),
            ..config
        };
        Self::serving((tmp, dir), config)
    }

    /// Read-only, matching with the model in `model` (its index beside the store), the matcher
    /// built as `serve` builds it at start, every phase done.
    pub fn with_model(model: PathBuf) -> Self {
        let app = Self::laid_out(Config {
            model: ModelChoice::Dir(model),
            ..super::lexical_config(None)
        });
        app.state.matching.start(&app.state.version.index_tag());
        app
    }

    /// The curators' file of an app with the files beside its store.
    pub fn users_file(&self) -> PathBuf {
        StoreLayout::new(&self.dir).users()
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// The entity tag of the store as it is now.
    pub fn etag(&self) -> String {
        self.state.version.etag()
    }

    /// Sends a request.
    pub async fn call(&self, req: TestRequest) -> Reply {
        let app = test::init_service(build_app(self.state.clone())).await;
        let resp = test::call_service(&app, req.to_request()).await;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = test::read_body(resp).await;
        Reply {
            status,
            headers,
            body,
        }
    }

    /// GET `uri`.
    pub async fn get(&self, uri: &str) -> Reply {
        self.call(TestRequest::get().uri(uri)).await
    }

    /// GET `uri` with `Accept: accept`.
    pub async fn get_as(&self, uri: &str, accept: &str) -> Reply {
        self.call(
            TestRequest::get()
                .uri(uri)
                .insert_header((header::ACCEPT, accept.to_owned())),
        )
        .await
    }

    /// GET `uri` as JSON: the status and the body (`null` when it is not JSON).
    pub async fn get_json(&self, uri: &str) -> (StatusCode, Value) {
        let reply = self.get_as(uri, "application/json").await;
        (reply.status, reply.json())
    }

    /// GET `uri` as JSON with `Authorization: Bearer token`.
    pub async fn get_json_auth(&self, uri: &str, token: &str) -> (StatusCode, Value) {
        let reply = self
            .call(
                TestRequest::get()
                    .uri(uri)
                    .insert_header((header::ACCEPT, "application/json"))
                    .insert_header(bearer(token)),
            )
            .await;
        (reply.status, reply.json())
    }

    /// POST a JSON body, with `Authorization: Bearer token` when given.
    pub async fn post_json(
        &self,
        uri: &str,
        token: Option<&str>,
        body: &Value,
    ) -> (StatusCode, Value) {
        let req = authorized(TestRequest::post().uri(uri).set_json(body), token);
        let reply = self.call(req).await;
        (reply.status, reply.json())
    }

    /// POST without a body, with `Authorization: Bearer token` when given: the status and the
    /// JSON answer.
    pub async fn post_empty(&self, uri: &str, token: Option<&str>) -> (StatusCode, Value) {
        let reply = self
            .call(authorized(TestRequest::post().uri(uri), token))
            .await;
        (reply.status, reply.json())
    }

    /// POST an HTML form of `fields`.
    pub async fn post_form(&self, uri: &str, fields: &[(&str, &str)]) -> Reply {
        self.call(TestRequest::post().uri(uri).set_form(fields))
            .await
    }

    /// POST `body` as `content_type`, with `Authorization: Bearer token` when given.
    pub async fn post(
        &self,
        uri: &str,
        token: Option<&str>,
        content_type: &str,
        body: impl Into<Bytes>,
    ) -> Reply {
        self.call(authorized(
            TestRequest::post()
                .uri(uri)
                .insert_header((header::CONTENT_TYPE, content_type.to_owned()))
                .set_payload(body),
            token,
        ))
        .await
    }

    /// PUT `body` as `content_type`, with `Authorization: Bearer token` when given.
    pub async fn put(
        &self,
        uri: &str,
        token: Option<&str>,
        content_type: &str,
        body: impl Into<Bytes>,
    ) -> Reply {
        self.call(authorized(
            TestRequest::put()
                .uri(uri)
                .insert_header((header::CONTENT_TYPE, content_type.to_owned()))
                .set_payload(body),
            token,
        ))
        .await
    }

    /// DELETE `uri`, with `Authorization: Bearer token` when given.
    pub async fn delete(&self, uri: &str, token: Option<&str>) -> Reply {
        self.call(authorized(TestRequest::delete().uri(uri), token))
            .await
    }

    /// A SPARQL update posted to `/update`, with `Authorization: Bearer token` when given.
    pub async fn update(&self, token: Option<&str>, update: &str) -> Reply {
        self.post(
            "/update",
            token,
            "application/sparql-update",
            update.to_owned(),
        )
        .await
    }
}
