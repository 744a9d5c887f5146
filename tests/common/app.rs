//! [`TestApp`]: the service's real app factory over a fresh copy of the fixture store, and the
//! requests tests make of it.

use std::path::PathBuf;

use actix_web::http::header::{self, HeaderMap};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::web::{self, Bytes};
use esco_ld::http::{build_app, AppState, Config};
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
    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
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
        let store = esco_ld::store::open(&dir).unwrap();
        let state = web::Data::new(AppState::new(
            store,
            config,
            StoreVersion::new(42, std::time::SystemTime::UNIX_EPOCH),
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

    /// Lexical matching, admin `token`, and the files beside the store where `serve` keeps
    /// them (the curators' file among them: see [`Self::users_file`]).
    pub fn with_layout(token: &str) -> Self {
        let (tmp, dir) = super::fixture_store();
        let config = Config {
            layout: Some(StoreLayout::new(&dir)),
            ..super::lexical_config(Some(token))
        };
        Self::serving((tmp, dir), config)
    }

    /// The curators' file of an app made by [`Self::with_layout`].
    pub fn users_file(&self) -> PathBuf {
        StoreLayout::new(&self.dir).users()
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.state.store
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

    /// GET `uri` as JSON: the status and the body (`null` when it is not JSON).
    pub async fn get_json(&self, uri: &str) -> (StatusCode, Value) {
        let reply = self
            .call(
                TestRequest::get()
                    .uri(uri)
                    .insert_header((header::ACCEPT, "application/json")),
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
        let mut req = TestRequest::post().uri(uri).set_json(body);
        if let Some(t) = token {
            req = req.insert_header((header::AUTHORIZATION, format!("Bearer {t}")));
        }
        let reply = self.call(req).await;
        (reply.status, reply.json())
    }
}
