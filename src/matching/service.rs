//! The matcher inside the service: built in the background at start (lexical within seconds,
//! then hybrid once the dense index is in step), and brought in step again whenever the store
//! changes, before any answer is given from it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use oxigraph::store::Store;
use serde::Serialize;
use usearch::ScalarKind;

use super::dense::Dense;
use super::setup::{ModelChoice, Scope};
use super::shortlist::ShortList;
use super::{Base, MatchError, Matcher, Semantic};
use crate::embed::Encoder;

/// What the matching side is doing, for `/api/match` and the home page.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// `hybrid`, `staged`, `fast`, `lexical` ([`super::Method`]), or `starting`.
    pub method: &'static str,
    /// The model folder, if a model is (being) loaded.
    pub model: Option<String>,
    /// Dense index progress while it is built: texts embedded and to embed.
    pub building: Option<(usize, usize)>,
    /// The last error, if building failed (matching then stays lexical).
    pub error: Option<String>,
}

/// The matcher of a running service.
pub struct MatchService {
    store: Store,
    index_dir: PathBuf,
    model: ModelChoice,
    encoder: Mutex<Option<Arc<Encoder>>>,
    /// The static model of the fast first phase, once loaded.
    fast: Mutex<Option<Arc<Encoder>>>,
    /// The model on the fast stage's short list, once opened: one for every matcher, as its
    /// cache file takes one writer.
    short_list: Mutex<Option<Arc<ShortList>>>,
    /// The matcher with the store version it was built for.
    current: RwLock<Option<(String, Arc<Matcher>)>>,
    /// One rebuild at a time.
    rebuilding: Mutex<()>,
    /// What the dense index of the current matcher covers (`None`: lexical).
    scope: Mutex<Option<Phase>>,
    done: AtomicUsize,
    total: AtomicUsize,
    error: Mutex<Option<String>>,
}

impl std::fmt::Debug for MatchService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchService").finish_non_exhaustive()
    }
}

impl MatchService {
    /// A service for `store`; nothing is built yet.
    pub fn new(store: Store, index_dir: PathBuf, model: ModelChoice) -> Self {
        Self {
            store,
            index_dir,
            model,
            encoder: Mutex::new(None),
            fast: Mutex::new(None),
            short_list: Mutex::new(None),
            current: RwLock::new(None),
            rebuilding: Mutex::new(()),
            scope: Mutex::new(None),
            done: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
            error: Mutex::new(None),
        }
    }

    /// The current status.
    pub fn status(&self) -> Status {
        let current = self.current.read().ok().and_then(|c| c.clone());
        let (done, total) = (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        );
        Status {
            method: current
                .as_ref()
                .map_or("starting", |(_, m)| m.method().as_str()),
            model: self
                .model
                .resolve()
                .ok()
                .flatten()
                .map(|p| p.display().to_string()),
            building: (total > 0 && done < total).then_some((done, total)),
            error: self.error.lock().ok().and_then(|e| e.clone()),
        }
    }

    /// The matcher for store version `etag`, brought in step first if the store changed (the
    /// caller waits for that: answers never come from a matcher older than the store). `None`
    /// while no matcher for this version can be had yet: the first build, or a rebuild started
    /// by another caller, is still running.
    pub fn matcher(&self, etag: &str) -> Result<Option<Arc<Matcher>>, MatchError> {
        if let Some(m) = self.current_for(etag)? {
            return Ok(Some(m));
        }
        let _one = match self.rebuilding.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::WouldBlock) => return Ok(None),
            Err(std::sync::TryLockError::Poisoned(_)) => return Err(poisoned()),
        };
        if let Some(m) = self.current_for(etag)? {
            return Ok(Some(m));
        }
        // The same coverage as the matcher it replaces (only new forms get embedded).
        let scope = self.scope.lock().map_err(|_| poisoned())?.clone();
        let m = self.build(self.base(etag)?, scope.as_ref())?;
        self.set(etag, Arc::clone(&m))?;
        Ok(Some(m))
    }

    fn current_for(&self, etag: &str) -> Result<Option<Arc<Matcher>>, MatchError> {
        Ok(self
            .current
            .read()
            .map_err(|_| poisoned())?
            .as_ref()
            .filter(|(tag, _)| tag == etag)
            .map(|(_, m)| Arc::clone(m)))
    }

    fn set(&self, etag: &str, m: Arc<Matcher>) -> Result<(), MatchError> {
        *self.current.write().map_err(|_| poisoned())? = Some((etag.to_owned(), m));
        Ok(())
    }

    /// The first build, in phases: lexical at once; then, with a model installed, the staged
    /// matcher (the static model over every label, quick to build, with the model re-scoring
    /// its short list); the model's own index over the preferred
    /// labels of every concept in every language; the model over every label. Each phase
    /// replaces the matcher when it is ready. Runs on the caller's thread (the server gives it
    /// one).
    pub fn start(&self, etag: &str) {
        // A static model as the model itself is quick to build over everything: one phase.
        let main_static =
            matches!(self.model.resolve(), Ok(Some(dir)) if crate::embed::is_static_model(&dir));
        let fast = (!main_static && super::setup::fast_model_dir().is_some()).then(|| Phase {
            scope: Scope::all(),
            fast: true,
        });
        let preferred = (!main_static).then(|| Phase {
            scope: Scope::preferred(),
            fast: false,
        });
        let phases = [
            None,
            fast,
            preferred,
            Some(Phase {
                scope: Scope::all(),
                fast: false,
            }),
        ];
        // The forms and the lexical index: read once, shared by every phase.
        let base = {
            let Ok(_one) = self.rebuilding.lock() else {
                return;
            };
            match self.base(etag) {
                Ok(base) => base,
                Err(e) => {
                    tracing::error!("cannot read the surface forms: {e}");
                    if let Ok(mut err) = self.error.lock() {
                        *err = Some(e.to_string());
                    }
                    return;
                }
            }
        };
        for (n, scope) in phases.into_iter().enumerate() {
            if n > 0 && scope.is_none() {
                continue;
            }
            if n > 0 && matches!(self.model.resolve(), Ok(None)) {
                tracing::warn!(
                    "no model installed: matching is lexical (run `esco-ld model install`)"
                );
                return;
            }
            let Ok(_one) = self.rebuilding.lock() else {
                return;
            };
            match self.build(Arc::clone(&base), scope.as_ref()) {
                Ok(m) => {
                    tracing::info!(
                        method = m.method().as_str(),
                        dense = m.semantic.as_ref().map_or(0, |s| s.dense.len()),
                        "matcher ready"
                    );
                    let _ = self.set(etag, m);
                    if let Ok(mut s) = self.scope.lock() {
                        *s = scope;
                    }
                }
                Err(e) => {
                    tracing::error!("matcher build failed: {e}");
                    if let Ok(mut err) = self.error.lock() {
                        *err = Some(e.to_string());
                    }
                    return;
                }
            }
        }
    }

    /// The forms of store version `etag` with their lexical index (from the snapshot beside
    /// the index when it was taken at that version).
    fn base(&self, etag: &str) -> Result<Arc<Base>, MatchError> {
        super::setup::base(&self.store, &self.index_dir, Some(etag))
    }

    fn build(&self, base: Arc<Base>, phase: Option<&Phase>) -> Result<Arc<Matcher>, MatchError> {
        let matcher = Matcher::on(base);
        let Some(Phase { scope, fast }) = phase else {
            return Ok(Arc::new(matcher));
        };
        let encoder = if *fast {
            self.fast_encoder()?
        } else {
            self.encoder()?
        };
        let Some(encoder) = encoder else {
            return Ok(Arc::new(matcher));
        };
        let progress = |done: usize, total: usize| {
            self.done.store(done, Ordering::Relaxed);
            self.total.store(total, Ordering::Relaxed);
        };
        let concepts = &matcher.forms().concepts;
        let (dense, report) = Dense::open(
            &self.index_dir,
            &scope.tag(),
            matcher.forms(),
            &|f| scope.includes(concepts, f),
            &encoder,
            ScalarKind::F16,
            &progress,
        )?;
        tracing::info!(
            ?report,
            scope = scope.tag(),
            "dense index in step with the store"
        );
        let matcher = matcher.with_semantic(Semantic {
            encoder: Arc::clone(&encoder),
            dense,
        });
        // The fast stage with the model on its short list, when there is a model.
        if !*fast {
            return Ok(Arc::new(matcher));
        }
        match self.encoder()? {
            Some(model) if !model.is_static() => {
                let mut slot = self.short_list.lock().map_err(|_| poisoned())?;
                let short = match slot.as_ref() {
                    Some(s) => Arc::clone(s),
                    None => {
                        Arc::clone(slot.insert(Arc::new(ShortList::open(&self.index_dir, model)?)))
                    }
                };
                Ok(Arc::new(matcher.with_short_list(short)))
            }
            _ => Ok(Arc::new(matcher)),
        }
    }

    fn fast_encoder(&self) -> Result<Option<Arc<Encoder>>, MatchError> {
        load_once(
            &self.fast,
            super::setup::fast_model_dir(),
            "fast first-stage model",
        )
    }

    fn encoder(&self) -> Result<Option<Arc<Encoder>>, MatchError> {
        load_once(&self.encoder, self.model.resolve()?, "model")
    }
}

/// The encoder kept in `slot`, loaded from `dir` the first time (`None` without a folder).
fn load_once(
    slot: &Mutex<Option<Arc<Encoder>>>,
    dir: Option<PathBuf>,
    what: &str,
) -> Result<Option<Arc<Encoder>>, MatchError> {
    let mut slot = slot.lock().map_err(|_| poisoned())?;
    if let Some(e) = slot.as_ref() {
        return Ok(Some(Arc::clone(e)));
    }
    let Some(dir) = dir else {
        return Ok(None);
    };
    let encoder = Arc::new(super::setup::load_encoder(&dir)?);
    tracing::info!(model = %dir.display(), "{what} loaded");
    *slot = Some(Arc::clone(&encoder));
    Ok(Some(encoder))
}

/// A phase of the build: what the dense index covers, and with which model.
#[derive(Debug, Clone)]
struct Phase {
    scope: Scope,
    /// The static model of the fast first stage rather than the installed model.
    fast: bool,
}

fn poisoned() -> MatchError {
    MatchError::Index("matcher lock poisoned".into())
}
