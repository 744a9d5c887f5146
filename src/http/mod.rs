//! The HTTP service: the app factory used by `serve` and by the tests, shared state, caching.

mod compare;
mod concepts;
mod crosswalks;
mod curate;
mod dataset;
mod error;
mod esco_api;
mod extract;
mod extractors;
mod graph_store;
mod home;
mod html;
mod matching;
mod projects;
mod reconcile;
mod search;
mod sparql;

pub use error::{ApiError, Code, ErrorCode, ErrorType, Style};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::{middleware, web, App, HttpRequest, HttpResponse, HttpResponseBuilder};
use oxigraph::store::Store;

use crate::store::{StoreLayout, StoreVersion};

/// What the service needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    /// The URI space served: `http://HOST/esco/X` describes `{base_uri}X`.
    pub base_uri: String,
    /// Bearer token that allows writes; writes are off without it.
    pub admin_token: Option<String>,
    /// Time limit of a query.
    pub query_timeout: Duration,
    /// Most rows (or triples) a query may return.
    pub max_results: usize,
    /// Largest request body accepted, in bytes.
    pub max_body: usize,
    /// Queries without FROM / dataset parameters see the union of all graphs as their default
    /// graph (true), or the store's default graph alone (false, as the W3C test suites expect).
    pub union_default_graph: bool,
    /// The embedding model for matching.
    pub model: crate::matching::setup::ModelChoice,
    /// Where the indexes and the curators' file beside the store are; without it the label
    /// index is held in memory, the matcher's side-index in a temporary folder, and nobody
    /// can sign in.
    pub layout: Option<StoreLayout>,
}

/// The time limit of a query unless told.
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(30);
/// The most rows or triples a query may return unless told.
pub const DEFAULT_MAX_RESULTS: usize = 1_000_000;
/// The largest request body unless told, in bytes.
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

impl Default for Config {
    fn default() -> Self {
        Self {
            base_uri: crate::vocab::mint::ESCO.to_owned(),
            admin_token: None,
            query_timeout: DEFAULT_QUERY_TIMEOUT,
            max_results: DEFAULT_MAX_RESULTS,
            max_body: DEFAULT_MAX_BODY,
            union_default_graph: true,
            model: crate::matching::setup::ModelChoice::Default,
            layout: None,
        }
    }
}

/// What the home page and the VoID description report, computed once per store version.
#[derive(Debug)]
pub struct Summary {
    /// Classes and relations per graph.
    pub stats: crate::stats::StoreStats,
    /// Quads in the store.
    pub quads: u64,
}

type Cached<T> = Mutex<Option<(String, Arc<T>)>>;
type DumpCache = Mutex<HashMap<&'static str, (String, Arc<Vec<u8>>)>>;

/// Shared state of the service.
pub struct AppState {
    /// The store.
    pub store: Store,
    /// Settings.
    pub config: Config,
    /// Version for caching.
    pub version: StoreVersion,
    /// The matcher.
    pub matching: crate::matching::service::MatchService,
    /// The label search.
    pub search: crate::search::service::SearchService,
    /// The curators.
    pub users: crate::curation::users::Users,
    /// The serialised curation writer.
    pub curation: crate::curation::Curation,
    summary: Cached<Summary>,
    labels: Cached<crate::describe::Labels>,
    dumps: DumpCache,
    pages: Mutex<PageCache>,
}

/// Rendered concept pages of the current store version, up to a byte budget (when it is
/// exceeded the cache starts over: cheap, and a version change empties it anyway).
#[derive(Default)]
struct PageCache {
    etag: String,
    bytes: usize,
    pages: HashMap<String, web::Bytes>,
}

const PAGE_CACHE_BYTES: usize = 256 * 1024 * 1024;

impl AppState {
    /// State for a store.
    pub fn new(store: Store, config: Config, version: StoreVersion) -> Self {
        let layout = config.layout.as_ref();
        let index = layout.map_or_else(
            || std::env::temp_dir().join(format!("esco-ld-match-{}", std::process::id())),
            StoreLayout::matching,
        );
        let matching =
            crate::matching::service::MatchService::new(store.clone(), index, config.model.clone());
        let search = crate::search::service::SearchService::new(
            store.clone(),
            layout.map(StoreLayout::search),
        );
        Self {
            matching,
            search,
            users: crate::curation::users::Users::new(layout.map(StoreLayout::users)),
            curation: crate::curation::Curation::default(),
            store,
            config,
            version,
            summary: Mutex::new(None),
            labels: Mutex::new(None),
            dumps: Mutex::new(HashMap::new()),
            pages: Mutex::default(),
        }
    }

    /// A page made for the current store version.
    pub fn page(&self, key: &str) -> Option<web::Bytes> {
        let etag = self.version.etag();
        let cache = self.pages.lock().ok()?;
        (cache.etag == etag)
            .then(|| cache.pages.get(key).cloned())
            .flatten()
    }

    /// Keeps a page made for the current store version; returns it shared.
    pub fn keep_page(&self, key: String, body: Vec<u8>) -> web::Bytes {
        let body = web::Bytes::from(body);
        let etag = self.version.etag();
        if let Ok(mut cache) = self.pages.lock() {
            if cache.etag != etag || cache.bytes + body.len() > PAGE_CACHE_BYTES {
                *cache = PageCache {
                    etag,
                    ..PageCache::default()
                };
            }
            cache.bytes += body.len();
            cache.pages.insert(key, body.clone());
        }
        body
    }

    /// The summary of the store as it is now (computed at most once per version).
    pub fn summary(&self) -> Result<Arc<Summary>, ApiError> {
        self.per_version(&self.summary, "summary", self.version.etag(), || {
            let stats = crate::stats::collect(&self.store, false)?;
            let quads = self.store.len()? as u64;
            Ok(Summary { stats, quads })
        })
    }

    /// The preferred labels of the store as it is now (read at most once per content version:
    /// curation writes change no label).
    pub fn labels(&self) -> Result<Arc<crate::describe::Labels>, ApiError> {
        self.per_version(&self.labels, "label", self.version.index_tag(), || {
            Ok(crate::describe::Labels::read(&self.store)?)
        })
    }

    /// What `make` makes, kept for version `etag`.
    fn per_version<T>(
        &self,
        slot: &Cached<T>,
        what: &str,
        etag: String,
        make: impl FnOnce() -> Result<T, ApiError>,
    ) -> Result<Arc<T>, ApiError> {
        let mut cached = slot
            .lock()
            .map_err(|_| ApiError::new(Code::Internal, format!("{what} cache poisoned")))?;
        if let Some((tag, value)) = cached.as_ref() {
            if *tag == etag {
                return Ok(Arc::clone(value));
            }
        }
        let value = Arc::new(make()?);
        *cached = Some((etag, Arc::clone(&value)));
        Ok(value)
    }

    /// A gzipped dump of the store as it is now (made at most once per version and file).
    pub fn dump(&self, file: &'static str, media: &str) -> Result<Arc<Vec<u8>>, ApiError> {
        let etag = self.version.etag();
        let mut dumps = self
            .dumps
            .lock()
            .map_err(|_| ApiError::new(Code::Internal, "dump cache poisoned"))?;
        if let Some((tag, bytes)) = dumps.get(file) {
            if *tag == etag {
                return Ok(Arc::clone(bytes));
            }
        }
        let bytes = dataset::make_dump(self, media)?;
        dumps.insert(file, (etag, Arc::clone(&bytes)));
        Ok(bytes)
    }

    /// Answers a conditional GET with 304 when the client's copy is current.
    pub fn not_modified(&self, req: &HttpRequest) -> Option<HttpResponse> {
        let etag = self.version.etag();
        let headers = req.headers();
        if let Some(tags) = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
        {
            let matches = tags
                .split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*");
            return matches.then(|| self.cached(HttpResponse::NotModified()).finish());
        }
        let since = headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())?;
        let modified = self.version.modified();
        let modified_secs = modified
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let since_secs = since
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        (modified_secs <= since_secs).then(|| self.cached(HttpResponse::NotModified()).finish())
    }

    /// Adds the caching headers of a public read.
    pub fn cached(&self, mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
        builder
            .insert_header((header::ETAG, self.version.etag()))
            .insert_header((
                header::LAST_MODIFIED,
                httpdate::fmt_http_date(self.version.modified()),
            ))
            .insert_header((header::CACHE_CONTROL, "public, max-age=300"));
        builder
    }
}

/// Runs store work off the async workers; a panicked or cancelled job is the service's fault.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    web::block(work)
        .await
        .map_err(|e| ApiError::new(Code::Internal, format!("a blocking task failed: {e}")))?
}

/// 400 for a query parameter or field that cannot be used.
pub(crate) fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(Code::InvalidParameter, message)
}

/// A JSON body of type `T`: 400 (`invalid_body`) with serde's message when it is missing or
/// does not fit.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.is_empty() {
        return Err(ApiError::new(
            Code::InvalidBody,
            "the request needs a JSON body",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new(Code::InvalidBody, format!("unreadable JSON body: {e}")))
}

/// RDF media types offered for graph documents, in order of preference.
pub(crate) const RDF_TYPES: &[&str] = &[
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
];

/// The request's media type (`Content-Type` without parameters, lower-cased; empty if none).
pub(crate) fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The request's `Accept` header, if readable.
pub(crate) fn accept_header(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
}

/// Negotiates `accept` among `offered`: 400 for a malformed header, 406 when nothing fits.
pub(crate) fn negotiate(
    accept: Option<&str>,
    offered: &[&'static str],
) -> Result<&'static str, ApiError> {
    crate::conneg::negotiate(accept, offered)?.ok_or_else(|| {
        ApiError::new(
            Code::NotAcceptable,
            format!(
                "no representation fits the Accept header; offered: {}",
                offered.join(", ")
            ),
        )
    })
}

/// Serialises triples as the body of a response in `media` (an RDF media type).
pub(crate) fn rdf_body(
    triples: &[oxigraph::model::Triple],
    media: &str,
) -> Result<Vec<u8>, ApiError> {
    let format =
        oxigraph::io::RdfFormat::from_media_type(media).unwrap_or(oxigraph::io::RdfFormat::Turtle);
    let mut out = Vec::new();
    crate::rdf::write_triples(triples, format, &mut out)
        .map_err(|e| ApiError::new(Code::Internal, e.to_string()))?;
    Ok(out)
}

/// A cacheable public read of an RDF document negotiated on `Accept`.
pub(crate) fn rdf_response(state: &AppState, media: &str, body: Vec<u8>) -> HttpResponse {
    state
        .cached(HttpResponse::Ok())
        .insert_header((header::VARY, "Accept"))
        .insert_header((header::CONTENT_TYPE, format!("{media}; charset=utf-8")))
        .body(body)
}

/// The URL of this service's root as the client addressed it (`http://host:port`).
pub(crate) fn origin(req: &HttpRequest) -> String {
    let conn = req.connection_info();
    format!("{}://{}", conn.scheme(), conn.host())
}

/// The application: routes, body limits, error formats, CORS for reads, request logging.
pub fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let max_body = state.config.max_body;
    App::new()
        .app_data(state)
        .app_data(web::PayloadConfig::new(max_body))
        .app_data(
            web::FormConfig::default()
                .limit(max_body)
                .error_handler(|e, _| {
                    ApiError::new(Code::InvalidParameter, format!("unreadable form: {e}"))
                        .plain()
                        .into()
                }),
        )
        .app_data(
            web::JsonConfig::default()
                .limit(max_body)
                .content_type_required(false)
                .error_handler(|e, _| {
                    ApiError::new(Code::InvalidBody, format!("unreadable JSON body: {e}")).into()
                }),
        )
        .app_data(web::QueryConfig::default().error_handler(|e, _| {
            ApiError::new(
                Code::InvalidParameter,
                format!("unreadable query string: {e}"),
            )
            .into()
        }))
        .app_data(web::PathConfig::default().error_handler(|e, _| {
            ApiError::new(Code::InvalidParameter, format!("bad path: {e}")).into()
        }))
        .configure(sparql::configure)
        // Before the concept pages: crosswalk dumps live under the crosswalk's IRI.
        .configure(crosswalks::configure)
        .configure(concepts::configure)
        .configure(graph_store::configure)
        .configure(home::configure)
        .configure(dataset::configure)
        .configure(matching::configure)
        .configure(extract::configure)
        .configure(compare::configure)
        .configure(search::configure)
        .configure(esco_api::configure)
        .configure(reconcile::configure)
        .configure(projects::configure)
        .configure(curate::configure)
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(ApiError::new(Code::NotFound, "no such resource"))
        }))
        .wrap(middleware::DefaultHeaders::new().add((
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        )))
        .wrap(middleware::from_fn(log_request))
}

async fn log_request(
    req: ServiceRequest,
    next: middleware::Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let (method, path) = (req.method().to_string(), req.path().to_owned());
    let response = next.call(req).await?;
    tracing::info!(
        method,
        path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    Ok(response)
}
