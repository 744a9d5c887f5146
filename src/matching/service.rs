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
use super::forms::Forms;
use super::setup::ModelChoice;
use super::{MatchError, Matcher, Semantic};
use crate::embed::Encoder;

/// What the matching side is doing, for `/api/match` and the home page.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// `hybrid`, `lexical`, or `starting`.
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
    /// The matcher with the store version it was built for.
    current: RwLock<Option<(String, Arc<Matcher>)>>,
    /// One rebuild at a time.
    rebuilding: Mutex<()>,
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
            current: RwLock::new(None),
            rebuilding: Mutex::new(()),
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
            method: current.as_ref().map_or("starting", |(_, m)| m.method()),
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
    /// caller waits: answers never come from a matcher older than the store). `None` while the
    /// first build, started elsewhere, has not produced a matcher yet.
    pub fn matcher(&self, etag: &str) -> Result<Option<Arc<Matcher>>, MatchError> {
        let current = self.current.read().map_err(|_| poisoned())?.clone();
        if let Some((tag, m)) = &current {
            if tag == etag {
                return Ok(Some(Arc::clone(m)));
            }
        }
        let _one = if current.is_some() {
            self.rebuilding.lock().map_err(|_| poisoned())?
        } else {
            match self.rebuilding.try_lock() {
                Ok(guard) => guard,
                Err(std::sync::TryLockError::WouldBlock) => return Ok(None),
                Err(std::sync::TryLockError::Poisoned(_)) => return Err(poisoned()),
            }
        };
        if let Some((tag, m)) = self.current.read().map_err(|_| poisoned())?.as_ref() {
            if tag == etag {
                return Ok(Some(Arc::clone(m)));
            }
        }
        let m = self.build(true)?;
        self.set(etag, Arc::clone(&m))?;
        Ok(Some(m))
    }

    fn set(&self, etag: &str, m: Arc<Matcher>) -> Result<(), MatchError> {
        *self.current.write().map_err(|_| poisoned())? = Some((etag.to_owned(), m));
        Ok(())
    }

    /// The first build: lexical at once, then hybrid when the dense index is ready. Runs on
    /// the caller's thread (the server starts it on its own thread).
    pub fn start(&self, etag: &str) {
        let _one = self.rebuilding.lock();
        match self.build(false) {
            Ok(m) => {
                tracing::info!(forms = m.forms.forms.len(), "lexical matcher ready");
                let _ = self.set(etag, m);
            }
            Err(e) => {
                tracing::error!("cannot build the matcher: {e}");
                if let Ok(mut err) = self.error.lock() {
                    *err = Some(e.to_string());
                }
                return;
            }
        }
        if matches!(self.model.resolve(), Ok(None)) {
            tracing::warn!("no model installed: matching is lexical (run `esco-ld model install`)");
            return;
        }
        match self.build(true) {
            Ok(m) => {
                tracing::info!(forms = m.forms.forms.len(), "hybrid matcher ready");
                let _ = self.set(etag, m);
            }
            Err(e) => {
                tracing::error!("matching stays lexical: {e}");
                if let Ok(mut err) = self.error.lock() {
                    *err = Some(e.to_string());
                }
            }
        }
    }

    fn build(&self, dense: bool) -> Result<Arc<Matcher>, MatchError> {
        let forms = Forms::read(&self.store)?;
        let matcher = Matcher::lexical(forms);
        if !dense {
            return Ok(Arc::new(matcher));
        }
        let Some(encoder) = self.encoder()? else {
            return Ok(Arc::new(matcher));
        };
        let progress = |done: usize, total: usize| {
            self.done.store(done, Ordering::Relaxed);
            self.total.store(total, Ordering::Relaxed);
        };
        let (dense, report) = Dense::open(
            &self.index_dir,
            "all",
            &matcher.forms,
            &|_| true,
            &encoder,
            ScalarKind::F16,
            &progress,
        )?;
        tracing::info!(?report, "dense index in step with the store");
        Ok(Arc::new(matcher.with_semantic(Semantic {
            encoder: Arc::clone(&encoder),
            dense,
        })))
    }

    fn encoder(&self) -> Result<Option<Arc<Encoder>>, MatchError> {
        let mut slot = self.encoder.lock().map_err(|_| poisoned())?;
        if let Some(e) = slot.as_ref() {
            return Ok(Some(Arc::clone(e)));
        }
        let Some(dir) = self.model.resolve()? else {
            return Ok(None);
        };
        let encoder = Arc::new(Encoder::load(&dir)?);
        tracing::info!(model = %dir.display(), "model loaded");
        *slot = Some(Arc::clone(&encoder));
        Ok(Some(encoder))
    }
}

fn poisoned() -> MatchError {
    MatchError::Index("matcher lock poisoned".into())
}
