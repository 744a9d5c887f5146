//! The label index inside the service: opened (or built) in the background at start, and
//! brought in step with the store, concept by concept, before any answer after a change.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Mutex, RwLock};

use oxigraph::store::Store;

use super::{Request, Results, SearchError, SearchIndex, SyncReport};
use crate::store::forms::Forms;

/// The label search of a running service.
pub struct SearchService {
    store: Store,
    /// Where the index lives (in memory when `None`).
    dir: Option<PathBuf>,
    index: RwLock<Option<SearchIndex>>,
    /// Languages of the store's labels, as last read.
    languages: RwLock<BTreeSet<String>>,
    /// The store version the index is in step with.
    version: Mutex<String>,
    /// One sync at a time.
    syncing: Mutex<()>,
    error: Mutex<Option<String>>,
}

impl std::fmt::Debug for SearchService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchService")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn poisoned() -> SearchError {
    SearchError::Internal("search index lock poisoned")
}

impl SearchService {
    /// A service for `store` with its index in `dir` (in memory when `None`); nothing is
    /// opened yet.
    pub fn new(store: Store, dir: Option<PathBuf>) -> Self {
        Self {
            store,
            dir,
            index: RwLock::new(None),
            languages: RwLock::new(BTreeSet::new()),
            version: Mutex::new(String::new()),
            syncing: Mutex::new(()),
            error: Mutex::new(None),
        }
    }

    /// Whether the index is in step with store version `etag`.
    pub fn ready(&self, etag: &str) -> bool {
        self.version.lock().is_ok_and(|v| *v == etag)
    }

    /// The last error of a sync, if any.
    pub fn error(&self) -> Option<String> {
        self.error.lock().ok().and_then(|e| e.clone())
    }

    /// The languages of the store's labels (empty until the first sync).
    pub fn languages(&self) -> BTreeSet<String> {
        self.languages.read().map(|l| l.clone()).unwrap_or_default()
    }

    /// Brings the index in step with store version `etag` if the store changed (the caller
    /// waits for that). `false` while another caller is doing so.
    pub fn ensure(&self, etag: &str) -> Result<bool, SearchError> {
        if self.ready(etag) {
            return Ok(true);
        }
        let _one = match self.syncing.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::WouldBlock) => return Ok(false),
            Err(std::sync::TryLockError::Poisoned(_)) => return Err(poisoned()),
        };
        if !self.ready(etag) {
            self.sync(etag)?;
        }
        Ok(true)
    }

    /// Searches the index as of store version `etag` (see [`Self::ensure`]); `None` while it
    /// is being brought in step by another caller.
    pub fn search(&self, etag: &str, req: &Request) -> Result<Option<Results>, SearchError> {
        if !self.ensure(etag)? {
            return Ok(None);
        }
        let index = self.index.read().map_err(|_| poisoned())?;
        match index.as_ref() {
            Some(index) => index.search(req).map(Some),
            None => Ok(None),
        }
    }

    /// Brings the index in step with store version `etag`, waiting for a sync another caller
    /// may be running (what `serve` does at start, in the background).
    pub fn start(&self, etag: &str) -> Result<SyncReport, SearchError> {
        let _one = self.syncing.lock().map_err(|_| poisoned())?;
        if self.ready(etag) {
            return Ok(SyncReport::default());
        }
        self.sync(etag)
    }

    /// Brings the index in step with the store as it is now, recorded as version `etag`; the
    /// caller holds `syncing`.
    fn sync(&self, etag: &str) -> Result<SyncReport, SearchError> {
        let result = self.sync_inner(etag);
        if let Ok(mut e) = self.error.lock() {
            *e = result.as_ref().err().map(ToString::to_string);
        }
        result
    }

    fn sync_inner(&self, etag: &str) -> Result<SyncReport, SearchError> {
        let started = std::time::Instant::now();
        let opened = self.index.read().map_err(|_| poisoned())?.is_some();
        if !opened {
            let index = match &self.dir {
                Some(dir) => SearchIndex::open(dir)?,
                None => SearchIndex::in_memory()?,
            };
            // Made from this very store version (a restart with no change since): in step.
            let in_step = index.stamp().as_deref() == Some(etag);
            let languages = if in_step {
                Some(index.languages()?)
            } else {
                None
            };
            let concepts = index.concepts();
            *self.index.write().map_err(|_| poisoned())? = Some(index);
            if let Some(languages) = languages {
                if let Ok(mut l) = self.languages.write() {
                    *l = languages;
                }
                if let Ok(mut v) = self.version.lock() {
                    *v = etag.to_owned();
                }
                tracing::info!(concepts, "label search index in step");
                return Ok(SyncReport {
                    unchanged: concepts,
                    ..SyncReport::default()
                });
            }
        }
        // Read the labels before taking the index.
        let forms = Forms::read_labels(&self.store)?;
        let mut guard = self.index.write().map_err(|_| poisoned())?;
        let Some(index) = guard.as_mut() else {
            return Err(poisoned());
        };
        let report = index.sync(&forms, etag)?;
        if let Ok(mut l) = self.languages.write() {
            *l = forms.languages().into_iter().map(str::to_owned).collect();
        }
        if let Ok(mut v) = self.version.lock() {
            *v = etag.to_owned();
        }
        tracing::info!(
            concepts = index.concepts(),
            indexed = report.indexed,
            removed = report.removed,
            unchanged = report.unchanged,
            documents = report.documents,
            seconds = started.elapsed().as_secs_f64(),
            "label search index in step"
        );
        Ok(report)
    }
}
