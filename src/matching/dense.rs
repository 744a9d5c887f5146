//! The dense side-index: one usearch HNSW graph (cosine) over the vectors of the label surface
//! forms, keyed by a stable hash of each form (concept, kind, language, text), persisted beside
//! the store with the model's name. Opening it compares the saved keys with the store's forms:
//! forms that went away are removed, new ones are embedded (or taken from the vector cache) and
//! added, so it is never out of step with the store and a restart costs seconds.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use usearch::{Index, IndexOptions, MetricKind, ScalarKind};

use super::vectors::{key, VectorCache};
use super::MatchError;
use crate::embed::{Encoder, Kind};
use crate::store::forms::{Form, Forms};

/// Searches that may run at once, at least.
const SEARCH_THREADS: usize = 256;

/// Candidates the graph search keeps while it walks (usearch's `ef`): the matcher asks for 300
/// hits, so its searches are about this wide anyway (docs/matching.md#search-width).
const EXPANSION_SEARCH: usize = 512;

/// The least expected share of accepted forms for which a plain search, filtered after, is
/// tried before usearch's filtered search.
const PLAIN_SEARCH_SHARE: f64 = 0.25;

/// Texts embedded per forward pass.
const BATCH: usize = 64;

/// The stable key of a form.
pub fn form_key(forms: &Forms, f: &Form) -> u64 {
    let kind = format!("{:?}", f.kind);
    key(&[
        forms.concepts[f.concept as usize].iri.as_str(),
        &kind,
        &f.lang,
        &f.text,
    ])
}

/// The cache key of a text as the model sees it.
pub fn text_key(kind: Kind, text: &str) -> u64 {
    key(&[
        match kind {
            Kind::Query => "query",
            Kind::Passage => "passage",
        },
        text,
    ])
}

/// What building or opening the index did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct BuildReport {
    /// Forms in the index.
    pub forms: usize,
    /// Texts embedded now (not found in the cache).
    pub embedded: usize,
    /// Seconds spent embedding.
    pub embed_seconds: f64,
    /// Forms added to the graph.
    pub added: usize,
    /// Forms removed from the graph.
    pub removed: usize,
    /// Seconds for everything.
    pub seconds: f64,
}

/// The index with its key → form map.
pub struct Dense {
    index: Index,
    /// Form number by key.
    pub keys: HashMap<u64, u32>,
    /// The vector cache, for texts embedded on demand (descriptions).
    cache: std::sync::Mutex<VectorCache>,
}

impl std::fmt::Debug for Dense {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dense")
            .field("size", &self.index.size())
            .finish_non_exhaustive()
    }
}

fn options(dims: usize, quantization: ScalarKind) -> IndexOptions {
    IndexOptions {
        dimensions: dims,
        metric: MetricKind::Cos,
        quantization,
        connectivity: 16,
        expansion_add: 128,
        expansion_search: EXPANSION_SEARCH,
        multi: false,
    }
}

fn usearch(e: impl std::fmt::Display) -> MatchError {
    MatchError::Index(e.to_string())
}

/// Files of the index `tag` for an encoder in `dir`: graph and keys filed under its vector space
/// (model and adapter), the cache of the model's own vectors under the model alone, shared by all
/// tags and adapters.
pub fn paths(dir: &Path, encoder: &Encoder, tag: &str) -> (PathBuf, PathBuf, PathBuf) {
    let (space, model) = (encoder.space(), encoder.name());
    (
        dir.join(format!("{space}.{tag}.usearch")),
        dir.join(format!("{space}.{tag}.keys")),
        dir.join(format!("{model}.vectors")),
    )
}

impl Dense {
    /// The files of index `tag` for `encoder` in `dir`: graph, keys, vector cache.
    pub fn paths_for(dir: &Path, encoder: &Encoder, tag: &str) -> (PathBuf, PathBuf, PathBuf) {
        paths(dir, encoder, tag)
    }

    /// Opens the index `tag` in `dir` for the label forms `include` accepts, embedding what is
    /// missing. `progress` is told (done, total) while embedding.
    pub fn open(
        dir: &Path,
        tag: &str,
        forms: &Forms,
        include: &dyn Fn(&Form) -> bool,
        encoder: &Encoder,
        quantization: ScalarKind,
        progress: &dyn Fn(usize, usize),
    ) -> Result<(Self, BuildReport), MatchError> {
        let started = Instant::now();
        std::fs::create_dir_all(dir).map_err(|e| MatchError::Io {
            path: dir.to_owned(),
            source: e,
        })?;
        let (index_path, keys_path, vectors_path) = paths(dir, encoder, tag);
        let mut cache =
            VectorCache::open(&vectors_path, encoder.dims()).map_err(|e| MatchError::Io {
                path: vectors_path.clone(),
                source: e,
            })?;
        let mut report = BuildReport::default();

        // Embed what the cache lacks: labels only, shortest first (less padding per batch).
        let wanted: Vec<(u64, u32)> = forms
            .forms
            .iter()
            .enumerate()
            .filter(|(_, f)| f.kind.is_label() && include(f))
            .map(|(i, f)| (form_key(forms, f), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        let mut missing: Vec<&str> = wanted
            .iter()
            .map(|(_, i)| forms.forms[*i as usize].text.as_str())
            .filter(|t| !cache.contains(text_key(Kind::Query, t)))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        missing.sort_by_key(|t| (t.len(), *t));
        let embed_started = Instant::now();
        let total = missing.len();
        for (n, chunk) in missing.chunks(BATCH).enumerate() {
            let vectors = encoder.embed(chunk, Kind::Query)?;
            cache
                .insert(
                    chunk
                        .iter()
                        .zip(vectors)
                        .map(|(t, v)| (text_key(Kind::Query, t), v))
                        .collect(),
                )
                .map_err(|e| MatchError::Io {
                    path: vectors_path.clone(),
                    source: e,
                })?;
            progress((n * BATCH + chunk.len()).min(total), total);
        }
        report.embedded = total;
        report.embed_seconds = embed_started.elapsed().as_secs_f64();

        // The graph: the saved one if its keys file is there, then brought in step.
        let dims = encoder.dims();
        let index = Index::new(&options(dims, quantization)).map_err(usearch)?;
        let saved: HashSet<u64> = match (std::fs::read(&keys_path), index_path.is_file()) {
            (Ok(bytes), true) if index.load(&index_path.to_string_lossy()).is_ok() => bytes
                .chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
                .collect(),
            _ => {
                index.reset().map_err(usearch)?;
                HashSet::new()
            }
        };
        // A loaded graph keeps the search width it was saved with.
        index.change_expansion_search(EXPANSION_SEARCH);
        let keys: HashMap<u64, u32> = wanted.iter().copied().collect();
        for k in saved.iter().filter(|k| !keys.contains_key(k)) {
            index.remove(*k).map_err(usearch)?;
            report.removed += 1;
        }
        let add: Vec<(u64, u32)> = wanted
            .iter()
            .copied()
            .filter(|(k, _)| !saved.contains(k))
            .collect();
        // Every search takes one of the threads reserved: as many as can search at once (the
        // service's blocking pool, a batch's workers each matching an ad's pieces on every core).
        index
            .reserve_capacity_and_threads(
                keys.len().max(index.size() + add.len()),
                SEARCH_THREADS
                    .max(16 * std::thread::available_parallelism().map_or(1, |n| n.get())),
            )
            .map_err(usearch)?;
        // Graph insertion is the slow part of a build from cached vectors: one thread per core.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let per_thread = add.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let workers: Vec<_> = add
                .chunks(per_thread)
                .map(|part| {
                    let (index, cache) = (&index, &cache);
                    scope.spawn(move || -> Result<(), MatchError> {
                        for (k, i) in part {
                            let text = &forms.forms[*i as usize].text;
                            let v = cache.get(text_key(Kind::Query, text)).ok_or_else(|| {
                                MatchError::Index(format!("no vector for {text:?}"))
                            })?;
                            index
                                .add(*k, &encoder.adapt(Kind::Query, v))
                                .map_err(usearch)?;
                        }
                        Ok(())
                    })
                })
                .collect();
            workers.into_iter().try_for_each(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(MatchError::Index("graph insertion panicked".into())))
            })
        })?;
        report.added = add.len();
        if report.added > 0 || report.removed > 0 || saved.is_empty() {
            // Index first, then keys: a crash between them leaves keys that do not match, and
            // the next open rebuilds.
            let _ = std::fs::remove_file(&keys_path);
            index.save(&index_path.to_string_lossy()).map_err(usearch)?;
            let bytes: Vec<u8> = keys.keys().flat_map(|k| k.to_le_bytes()).collect();
            crate::util::write_atomically(&keys_path, |out| out.write_all(&bytes)).map_err(
                |e| MatchError::Io {
                    path: keys_path.clone(),
                    source: e,
                },
            )?;
        }
        report.forms = index.size();
        report.seconds = started.elapsed().as_secs_f64();
        Ok((
            Self {
                index,
                keys,
                cache: std::sync::Mutex::new(cache),
            },
            report,
        ))
    }

    /// The `k` nearest label forms of `query` among those `keep` accepts: (form, cosine), nearest
    /// first. `share` is the expected share of forms `keep` accepts.
    ///
    /// When most forms are accepted, a plain graph search for a few more than `k / share`
    /// forms, then the filter: usearch's filtered search calls back for every node it visits
    /// and wanders far when the nearest forms are filtered out (docs/matching.md#search-width).
    /// What it keeps are the
    /// nearest accepted forms, possibly fewer than `k` (the others are farther than all the
    /// forms searched); only when that leaves fewer than `k / 4`, or when few forms are
    /// accepted, the filtered search.
    pub fn search(
        &self,
        query: &[f32],
        k: usize,
        keep: impl Fn(u32) -> bool,
        share: f64,
    ) -> Result<Vec<(u32, f32)>, MatchError> {
        if share >= PLAIN_SEARCH_SHARE {
            let wanted = ((k as f64 / share) * 1.3).ceil() as usize;
            let matches = self.index.search(query, wanted).map_err(usearch)?;
            let mut hits = self.hits(&matches);
            hits.retain(|(form, _)| keep(*form));
            if hits.len() >= k.div_ceil(4) || matches.keys.len() < wanted {
                hits.truncate(k);
                return Ok(hits);
            }
        }
        let matches = self
            .index
            .filtered_search(query, k, |key| {
                self.keys.get(&key).is_some_and(|i| keep(*i))
            })
            .map_err(usearch)?;
        Ok(self.hits(&matches))
    }

    /// Forms and cosines of usearch matches.
    fn hits(&self, matches: &usearch::ffi::Matches) -> Vec<(u32, f32)> {
        matches
            .keys
            .iter()
            .zip(&matches.distances)
            .filter_map(|(key, d)| self.keys.get(key).map(|i| (*i, 1.0 - d)))
            .collect()
    }

    /// Exact search (brute force) over the same vectors: the recall baseline.
    pub fn exact_search(&self, query: &[f32], k: usize) -> Result<Vec<(u32, f32)>, MatchError> {
        let matches = self.index.exact_search(query, k).map_err(usearch)?;
        Ok(self.hits(&matches))
    }

    /// The stored vector of a form.
    pub fn vector(&self, key: u64, dims: usize) -> Option<Vec<f32>> {
        let mut v = vec![0.0f32; dims];
        match self.index.get(key, &mut v) {
            Ok(n) if n > 0 => Some(v),
            _ => None,
        }
    }

    /// The vector cache, for texts embedded on demand ([`cached_vectors`]).
    pub fn cache(&self) -> &std::sync::Mutex<VectorCache> {
        &self.cache
    }

    /// Forms in the graph.
    pub fn len(&self) -> usize {
        self.index.size()
    }

    /// Whether the graph is empty.
    pub fn is_empty(&self) -> bool {
        self.index.size() == 0
    }
}

/// Vectors of `texts` as `kind` from `cache`, those it lacks embedded now in batches (and kept).
pub fn cached_vectors(
    cache: &std::sync::Mutex<VectorCache>,
    encoder: &Encoder,
    texts: &[&str],
    kind: Kind,
) -> Result<Vec<Vec<f32>>, MatchError> {
    let mut cache = cache
        .lock()
        .map_err(|_| MatchError::Index("vector cache lock poisoned".into()))?;
    let missing: Vec<&str> = texts
        .iter()
        .copied()
        .filter(|t| !cache.contains(text_key(kind, t)))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    for chunk in missing.chunks(BATCH) {
        let vectors = encoder.embed(chunk, kind)?;
        let path = cache.path().to_owned();
        cache
            .insert(
                chunk
                    .iter()
                    .zip(vectors)
                    .map(|(t, v)| (text_key(kind, t), v))
                    .collect(),
            )
            .map_err(|source| MatchError::Io { path, source })?;
    }
    texts
        .iter()
        .map(|t| {
            cache
                .get(text_key(kind, t))
                .ok_or_else(|| MatchError::Index(format!("no vector for {t:?}")))
        })
        .collect()
}
