//! The model on the short list: while the model's own side-index is not built (a first build
//! of the full data takes long: docs/benchmarks.md), the fast stage's best candidates are re-scored
//! by the model. Only the input and the candidates' labels in the input's language (the form
//! each matched, its preferred label, the others) are embedded — a few hundred short texts at
//! most — and the candidates' vectors are kept in a cache file of their own, so a concept met
//! again costs nothing.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::dense::{cached_vectors, text_key};
use super::vectors::VectorCache;
use super::{Base, Calibration, Candidate, MatchError};
use crate::embed::{dot, Encoder, Kind};

/// Candidates re-scored by the model.
pub const SHORT_LIST: usize = 30;

/// Most labels of one candidate the model compares the input with, besides the form it matched
/// and its preferred label: in practice all of them (docs/matching.md#short-list).
pub const LABELS_PER_CANDIDATE: usize = 40;

/// Most adapted vectors kept in memory (~1.5 kB each); past it they are dropped and remade.
const ADAPTED_KEPT: usize = 200_000;

/// The model and its cache of candidate vectors.
pub struct ShortList {
    /// The model.
    pub encoder: Arc<Encoder>,
    cache: Mutex<VectorCache>,
    /// Candidate vectors through the adapter, by text key, so that a short list's labels are
    /// not mapped again on every search.
    adapted: Mutex<HashMap<u64, Arc<[f32]>>>,
}

impl std::fmt::Debug for ShortList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShortList")
            .field("encoder", &self.encoder)
            .finish_non_exhaustive()
    }
}

impl ShortList {
    /// The short-list scorer for `encoder`, its cache in `dir` (apart from the side-index's
    /// cache, which a build may be appending to at the same time).
    pub fn open(dir: &Path, encoder: Arc<Encoder>) -> Result<Self, MatchError> {
        std::fs::create_dir_all(dir).map_err(|source| MatchError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let path = dir.join(format!("{}.short-list.vectors", encoder.name()));
        let cache = VectorCache::open(&path, encoder.dims())
            .map_err(|source| MatchError::Io { path, source })?;
        Ok(Self {
            encoder,
            cache: Mutex::new(cache),
            adapted: Mutex::new(HashMap::new()),
        })
    }

    /// The cache of the candidates' vectors, for texts embedded on demand.
    pub(super) fn cache(&self) -> &Mutex<VectorCache> {
        &self.cache
    }

    /// The vectors `texts` are compared by: the model's (cached on disk), through the adapter
    /// when there is one (kept in memory).
    fn vectors(&self, texts: &[&str]) -> Result<Vec<Arc<[f32]>>, MatchError> {
        if self.encoder.adapter().is_none() {
            let raw = cached_vectors(&self.cache, &self.encoder, texts, Kind::Query)?;
            return Ok(raw.into_iter().map(Arc::from).collect());
        }
        let poisoned = || MatchError::Index("adapted vector lock poisoned".into());
        let keys: Vec<u64> = texts.iter().map(|t| text_key(Kind::Query, t)).collect();
        let missing: Vec<&str> = {
            let adapted = self.adapted.lock().map_err(|_| poisoned())?;
            texts
                .iter()
                .zip(&keys)
                .filter(|(_, k)| !adapted.contains_key(k))
                .map(|(t, _)| *t)
                .collect()
        };
        let raw = cached_vectors(&self.cache, &self.encoder, &missing, Kind::Query)?;
        let mut adapted = self.adapted.lock().map_err(|_| poisoned())?;
        if adapted.len() + missing.len() > ADAPTED_KEPT {
            adapted.clear();
        }
        for (t, v) in missing.iter().zip(raw) {
            adapted.insert(
                text_key(Kind::Query, t),
                Arc::from(self.encoder.adapt(Kind::Query, v)),
            );
        }
        keys.iter()
            .map(|k| {
                adapted
                    .get(k)
                    .cloned()
                    .ok_or_else(|| MatchError::Index("a short-list vector went missing".into()))
            })
            .collect()
    }

    /// Re-scores the first [`SHORT_LIST`] of `candidates` (sorted, best first) with the model:
    /// `dense` becomes the model's rescaled cosine between `text` and the nearest of the
    /// candidate's matched form, its preferred label and its labels in `lang`, `score` = the
    /// model's fused score. The
    /// candidates below keep their order under the re-scored ones. `vector` is the text's
    /// (adapted) vector when it was embedded ahead.
    pub(super) fn rescore(
        &self,
        base: &Base,
        text: &str,
        vector: Option<&[f32]>,
        lang: &str,
        calibration: Calibration,
        candidates: &mut [(u32, Candidate)],
    ) -> Result<(), MatchError> {
        let top = candidates.len().min(SHORT_LIST);
        let forms = &base.forms;
        let texts: Vec<Vec<String>> = candidates[..top]
            .iter()
            .map(|(c, cand)| {
                let label = forms.concepts[*c as usize]
                    .label(lang)
                    .unwrap_or(&cand.matched)
                    .to_owned();
                let mut t = vec![cand.matched.clone(), label];
                t.extend(
                    base.labels[*c as usize]
                        .iter()
                        .map(|f| &forms.forms[*f as usize])
                        .filter(|f| f.lang == lang)
                        .take(LABELS_PER_CANDIDATE)
                        .map(|f| f.text.clone()),
                );
                t
            })
            .collect();
        let mut all: Vec<&str> = texts.iter().flatten().map(String::as_str).collect();
        all.sort_unstable();
        all.dedup();
        let q = match vector {
            Some(v) => v.to_vec(),
            None => {
                let q = self.encoder.embed(&[text], Kind::Query)?.remove(0);
                self.encoder.adapt(Kind::Query, q)
            }
        };
        let vectors = self.vectors(&all)?;
        let cos = |t: &str| {
            all.binary_search(&t)
                .ok()
                .map_or(0.0, |i| dot(&q, &vectors[i]))
        };
        let mut lowest = f32::MAX;
        for ((_, cand), texts) in candidates[..top].iter_mut().zip(&texts) {
            let best = texts.iter().map(|t| cos(t)).fold(f32::MIN, f32::max);
            let d = calibration.rescale(best);
            cand.dense = Some(d);
            cand.score = calibration.fuse(d, cand.lexical);
            lowest = lowest.min(cand.score);
        }
        for (_, cand) in &mut candidates[top..] {
            cand.score = cand.score.min(lowest);
        }
        Ok(())
    }
}
