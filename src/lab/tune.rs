//! Tuning an adapter on the store's own labels (`esco-ld model tune`): the model's vectors of
//! every label of the target concepts in the chosen languages (cached beside the store, so a
//! second run embeds nothing), then a linear map trained with a contrastive loss: two labels of
//! one concept in one language are the positive pair, the labels of the other concepts in the
//! batch the negatives. Batches are drawn by ISCO group, so the negatives are the siblings a
//! matcher confuses. A share of the concepts is held out to measure what the adapter does on
//! labels it never saw (label → concept MRR, before and after).
//!
//! Crosswalks may be added (`--crosswalk`): each foreign title and a label of the ESCO concept
//! it is mapped to make one more positive pair, the task itself. An adapter trained on a
//! crosswalk records its fingerprint (the sha256 of its sorted title → concept pairs, see
//! [`super::eval::fingerprint`]), and `eval` will not measure it on that crosswalk.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Instant;

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use serde::Serialize;

use crate::concept::Target;
use crate::embed::adapter::{Adapter, Manifest, TrainedOn, FORMAT};
use crate::embed::{Encoder, Kind};
use crate::matching::dense::cached_vectors;
use crate::matching::vectors::VectorCache;
use crate::matching::MatchError;
use crate::store::forms::{FormKind, Forms};

/// What to tune on and how.
#[derive(Debug, Clone)]
pub struct TuneOptions {
    /// Label languages.
    pub languages: Vec<String>,
    /// The concepts whose labels are used.
    pub target: Target,
    /// Optimisation steps.
    pub steps: usize,
    /// Share of the concepts held out of training, to measure on.
    pub holdout: f64,
    /// Softmax temperature of the contrastive loss.
    pub temperature: f64,
    /// Learning rate (AdamW).
    pub learning_rate: f64,
    /// Seed of the batch draws.
    pub seed: u64,
    /// Crosswalk pairs to train on besides the labels.
    pub crosswalks: Vec<CrosswalkPairs>,
}

/// The title → concept pairs of one crosswalk.
#[derive(Debug, Clone)]
pub struct CrosswalkPairs {
    /// The file's name.
    pub file: String,
    /// Its fingerprint ([`super::eval::fingerprint`]).
    pub sha256: String,
    /// The language of its titles (the ESCO labels in it are the positives; English when the
    /// concept has none in it).
    pub language: String,
    /// A title (as matched: see [`crate::matching::query::focus`]) and a concept index in the forms.
    pub pairs: Vec<(String, u32)>,
}

impl Default for TuneOptions {
    /// The settings the shipped adapter was trained with (docs/matching.md#adapter-training).
    fn default() -> Self {
        Self {
            languages: ["en", "es", "it", "lv", "sv"].map(String::from).to_vec(),
            target: Target::Occupations,
            steps: 1500,
            holdout: 0.1,
            temperature: 0.1,
            learning_rate: 1e-3,
            seed: 0x9e37_79b9_7f4a_7c15,
            crosswalks: Vec::new(),
        }
    }
}

/// One language's figures.
#[derive(Debug, Clone, Serialize)]
pub struct LanguageReport {
    /// Labels used.
    pub labels: usize,
    /// Held-out labels (other than preferred) ranked against every preferred label.
    pub held_out_queries: usize,
    /// Their MRR with the model's own vectors.
    pub mrr_before: f64,
    /// With the adapter.
    pub mrr_after: f64,
}

/// What a tuning run did.
#[derive(Debug, Clone, Serialize)]
pub struct TuneReport {
    /// Concepts with labels in the languages.
    pub concepts: usize,
    /// Of which held out.
    pub held_out_concepts: usize,
    /// Label vectors used.
    pub labels: usize,
    /// Crosswalk title → concept pairs trained on (those of held-out concepts left out).
    pub crosswalk_pairs: usize,
    /// Texts the model embedded (the rest came from the cache).
    pub embedded: usize,
    /// Seconds spent embedding.
    pub embed_seconds: f64,
    /// Steps run.
    pub steps: usize,
    /// Mean loss over the first and the last 50 steps.
    pub loss_first: f64,
    /// See `loss_first`.
    pub loss_last: f64,
    /// Seconds spent training.
    pub train_seconds: f64,
    /// The floor chosen: the mean adapted cosine of labels of unrelated concepts.
    pub floor: f32,
    /// The same mean with the model's own vectors.
    pub floor_before: f32,
    /// Per language.
    pub languages: BTreeMap<String, LanguageReport>,
}

struct Row {
    concept: u32,
    lang: usize,
    preferred: bool,
}

/// A small deterministic generator for the batch draws.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Concept groups per batch, and concepts per group.
const GROUPS_PER_BATCH: usize = 32;
const CONCEPTS_PER_GROUP: usize = 8;

/// Whether concept `iri` is held out (a stable hash, so runs agree).
fn held_out(iri: &str, share: f64) -> bool {
    let h = crate::matching::vectors::key(&[iri]);
    (h % 10_000) as f64 / 10_000.0 < share
}

fn unit(t: &Tensor) -> candle_core::Result<Tensor> {
    t.broadcast_div(&t.sqr()?.sum_keepdim(1)?.sqrt()?)
}

/// Trains the map `I + Δ` on `x` (one row per text): batches of anchor and positive pairs,
/// half of them title pairs when there are any, the rest label pairs drawn by bucket (siblings
/// as each other's negatives); symmetric InfoNCE. Returns the map and each step's loss.
fn train(
    x: &Tensor,
    title_pairs: &[(usize, Vec<usize>)],
    buckets: &[Vec<&Vec<usize>>],
    options: &TuneOptions,
) -> Result<(Tensor, Vec<f64>), MatchError> {
    let dims = x.dim(1)?;
    let dev = Device::Cpu;
    let eye = Tensor::eye(dims, DType::F32, &dev)?;
    let delta = Var::zeros((dims, dims), DType::F32, &dev)?;
    let mut optimizer = AdamW::new(
        vec![delta.clone()],
        ParamsAdamW {
            lr: options.learning_rate,
            weight_decay: 0.01,
            ..ParamsAdamW::default()
        },
    )?;
    let mut rng = XorShift(options.seed | 1);
    let mut losses = Vec::with_capacity(options.steps);
    // With crosswalks, half of each batch is label pairs, half title pairs.
    let label_groups = if title_pairs.is_empty() {
        GROUPS_PER_BATCH
    } else {
        GROUPS_PER_BATCH / 2
    };
    let title_draws = (GROUPS_PER_BATCH - label_groups) * CONCEPTS_PER_GROUP;
    for _ in 0..options.steps {
        let (mut anchors, mut positives) = (Vec::new(), Vec::new());
        for _ in 0..title_draws {
            let (title, labels) = &title_pairs[rng.below(title_pairs.len())];
            anchors.push(*title as u32);
            positives.push(labels[rng.below(labels.len())] as u32);
        }
        for _ in 0..label_groups {
            let bucket = &buckets[rng.below(buckets.len())];
            let start = rng.below(bucket.len());
            for j in 0..bucket.len().min(CONCEPTS_PER_GROUP) {
                let g = bucket[(start + j) % bucket.len()];
                let a = rng.below(g.len());
                let mut p = rng.below(g.len() - 1);
                if p >= a {
                    p += 1;
                }
                anchors.push(g[a] as u32);
                positives.push(g[p] as u32);
            }
        }
        let m = anchors.len();
        let w = (&eye + delta.as_tensor())?;
        let a = unit(
            &x.index_select(&Tensor::from_vec(anchors, m, &dev)?, 0)?
                .matmul(&w)?,
        )?;
        let p = unit(
            &x.index_select(&Tensor::from_vec(positives, m, &dev)?, 0)?
                .matmul(&w)?,
        )?;
        let logits = (a.matmul(&p.t()?)? / options.temperature)?;
        let target = Tensor::arange(0u32, m as u32, &dev)?;
        let loss = ((candle_nn::loss::cross_entropy(&logits, &target)?
            + candle_nn::loss::cross_entropy(&logits.t()?, &target)?)?
            / 2.0)?;
        optimizer.backward_step(&loss)?;
        losses.push(f64::from(loss.to_scalar::<f32>()?));
    }
    Ok(((&eye + delta.as_tensor())?, losses))
}

/// Trains an adapter for `encoder` on the labels in `forms`; `progress` is told (done, total)
/// while embedding.
pub fn tune(
    forms: &Forms,
    encoder: &Encoder,
    cache: &Mutex<VectorCache>,
    options: &TuneOptions,
    progress: &dyn Fn(usize, usize),
) -> Result<(Adapter, TuneReport), MatchError> {
    if options.steps == 0 || !(0.0..1.0).contains(&options.holdout) {
        return Err(MatchError::Input(
            "tuning needs at least one step and a held-out share in [0, 1)".into(),
        ));
    }
    let mut rows = Vec::new();
    let mut texts = Vec::new();
    for f in &forms.forms {
        let concept = &forms.concepts[f.concept as usize];
        let Some(lang) = options.languages.iter().position(|l| *l == f.lang) else {
            continue;
        };
        if f.kind.is_label() && concept.is_in(&options.target) {
            rows.push(Row {
                concept: f.concept,
                lang,
                preferred: f.kind == FormKind::Preferred,
            });
            texts.push(f.text.as_str());
        }
    }
    let held: Vec<bool> = forms
        .concepts
        .iter()
        .map(|c| held_out(c.iri.as_str(), options.holdout))
        .collect();
    // Crosswalk titles follow the labels (rows n..): each with the label rows of its concept in
    // the title's language (else English, else any).
    let n = rows.len();
    let mut by_concept: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_concept.entry(r.concept).or_default().push(i);
    }
    let mut title_pairs: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut trained_on = Vec::new();
    for source in &options.crosswalks {
        let lang = options.languages.iter().position(|l| *l == source.language);
        let en = options.languages.iter().position(|l| l == "en");
        let before = title_pairs.len();
        for (title, concept) in &source.pairs {
            let Some(labels) = by_concept.get(concept) else {
                continue;
            };
            if held[*concept as usize] {
                continue;
            }
            let in_lang = |l: Option<usize>| -> Vec<usize> {
                labels
                    .iter()
                    .copied()
                    .filter(|&i| Some(rows[i].lang) == l)
                    .collect()
            };
            let mut positives = in_lang(lang);
            if positives.is_empty() {
                positives = in_lang(en);
            }
            if positives.is_empty() {
                positives.clone_from(labels);
            }
            title_pairs.push((texts.len(), positives));
            texts.push(title.as_str());
        }
        trained_on.push(TrainedOn {
            file: source.file.clone(),
            sha256: source.sha256.clone(),
            pairs: title_pairs.len() - before,
        });
    }
    for (i, l) in options.languages.iter().enumerate() {
        if !rows.iter().any(|r| r.lang == i) {
            return Err(MatchError::Input(format!(
                "no labels in language {l:?} for the target concepts"
            )));
        }
    }

    // The model's vectors, in chunks so that progress can be told.
    let started = Instant::now();
    let missing = {
        let cache = cache
            .lock()
            .map_err(|_| MatchError::Index("vector cache lock poisoned".into()))?;
        let mut m: Vec<&str> = texts
            .iter()
            .copied()
            .filter(|t| !cache.contains(crate::matching::dense::text_key(Kind::Query, t)))
            .collect();
        m.sort_unstable();
        m.dedup();
        m
    };
    for (n, chunk) in missing.chunks(1024).enumerate() {
        cached_vectors(cache, encoder, chunk, Kind::Query)?;
        progress((n * 1024 + chunk.len()).min(missing.len()), missing.len());
    }
    let embed_seconds = started.elapsed().as_secs_f64();
    let vectors = cached_vectors(cache, encoder, &texts, Kind::Query)?;
    let dims = encoder.dims();
    let dev = Device::Cpu;
    let x = Tensor::from_vec(vectors.concat(), (texts.len(), dims), &dev)?;

    // Positive pairs come from (concept, language) groups of two labels or more, drawn by
    // (ISCO code, language) bucket.
    let mut groups: BTreeMap<(u32, usize), Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        groups.entry((r.concept, r.lang)).or_default().push(i);
    }
    let mut buckets: BTreeMap<(&str, usize), Vec<&Vec<usize>>> = BTreeMap::new();
    for ((c, lang), g) in &groups {
        if g.len() >= 2 && !held[*c as usize] {
            let isco = forms.concepts[*c as usize].isco.as_deref().unwrap_or("");
            buckets.entry((isco, *lang)).or_default().push(g);
        }
    }
    let buckets: Vec<Vec<&Vec<usize>>> = buckets.into_values().collect();
    if buckets.is_empty() {
        return Err(MatchError::Input(
            "no concept has two labels in one of the languages: nothing to tune on".into(),
        ));
    }

    let train_started = Instant::now();
    let (w, losses) = train(&x, &title_pairs, &buckets, options)?;
    let weight: Vec<f32> = w.flatten_all()?.to_vec1()?;
    let train_seconds = train_started.elapsed().as_secs_f64();

    // Figures: held-out label → concept MRR per language, and the unrelated-cosine floor.
    let adapted = unit(&x.matmul(&w)?)?;
    let mut languages = BTreeMap::new();
    for (li, lang) in options.languages.iter().enumerate() {
        let before = held_out_mrr(&x, &rows, &held, li)?;
        let after = held_out_mrr(&adapted, &rows, &held, li)?;
        languages.insert(
            lang.clone(),
            LanguageReport {
                labels: rows.iter().filter(|r| r.lang == li).count(),
                held_out_queries: before.1,
                mrr_before: before.0,
                mrr_after: after.0,
            },
        );
    }
    let floor = unrelated_cosine(&adapted, &rows, options.seed)?;
    let floor_before = unrelated_cosine(&x, &rows, options.seed)?;
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len().max(1) as f64;
    let k = losses.len().min(50);
    let concepts = groups
        .keys()
        .map(|(c, _)| *c)
        .collect::<std::collections::BTreeSet<_>>();
    let report = TuneReport {
        concepts: concepts.len(),
        held_out_concepts: concepts.iter().filter(|c| held[**c as usize]).count(),
        labels: n,
        crosswalk_pairs: title_pairs.len(),
        embedded: missing.len(),
        embed_seconds,
        steps: options.steps,
        loss_first: mean(&losses[..k]),
        loss_last: mean(&losses[losses.len() - k..]),
        train_seconds,
        floor,
        floor_before,
        languages,
    };
    let manifest = Manifest {
        format: FORMAT.into(),
        base_model: encoder.name().to_owned(),
        dims,
        floor,
        sha256: String::new(),
        crosswalks: trained_on,
        training: serde_json::json!({
            "method": if title_pairs.is_empty() {
                "linear map, symmetric InfoNCE, in-batch negatives drawn by ISCO group"
            } else {
                "linear map, symmetric InfoNCE, in-batch negatives drawn by ISCO group; half of each batch crosswalk title -> label pairs"
            },
            "target": format!("{:?}", options.target),
            "languages": options.languages,
            "steps": options.steps,
            "temperature": options.temperature,
            "learning_rate": options.learning_rate,
            "holdout": options.holdout,
            "store_fingerprint": format!("{:016x}", forms.fingerprint),
            "report": &report,
        }),
    };
    Ok((Adapter::new(manifest, weight)?, report))
}

/// MRR of the held-out concepts' other labels in language `lang`, each ranked against every
/// concept's preferred label in that language; and how many were ranked.
fn held_out_mrr(
    vectors: &Tensor,
    rows: &[Row],
    held: &[bool],
    lang: usize,
) -> Result<(f64, usize), MatchError> {
    let preferred: Vec<u32> = (0..rows.len())
        .filter(|&i| rows[i].lang == lang && rows[i].preferred)
        .map(|i| i as u32)
        .collect();
    let own: HashMap<u32, usize> = preferred
        .iter()
        .enumerate()
        .map(|(j, &i)| (rows[i as usize].concept, j))
        .collect();
    let queries: Vec<u32> = (0..rows.len())
        .filter(|&i| {
            let r = &rows[i];
            r.lang == lang
                && !r.preferred
                && held[r.concept as usize]
                && own.contains_key(&r.concept)
        })
        .map(|i| i as u32)
        .collect();
    if queries.is_empty() || preferred.is_empty() {
        return Ok((0.0, 0));
    }
    let dev = vectors.device();
    let p = vectors.index_select(&Tensor::new(preferred.as_slice(), dev)?, 0)?;
    let q = vectors.index_select(&Tensor::new(queries.as_slice(), dev)?, 0)?;
    let sims = q.matmul(&p.t()?)?.to_vec2::<f32>()?;
    let mut sum = 0.0;
    for (row, &qi) in sims.iter().zip(&queries) {
        let mine = row[own[&rows[qi as usize].concept]];
        let better = row.iter().filter(|&&s| s > mine).count();
        sum += 1.0 / (better + 1) as f64;
    }
    Ok((sum / queries.len() as f64, queries.len()))
}

/// The mean cosine of labels of two different concepts in one language (2,000 draws): what
/// "unrelated" looks like in this vector space.
fn unrelated_cosine(vectors: &Tensor, rows: &[Row], seed: u64) -> Result<f32, MatchError> {
    let mut rng = XorShift(seed.rotate_left(17) | 1);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut tries = 0;
    while a.len() < 2000 && tries < 100_000 {
        tries += 1;
        let (i, j) = (rng.below(rows.len()), rng.below(rows.len()));
        if rows[i].lang == rows[j].lang && rows[i].concept != rows[j].concept {
            a.push(i as u32);
            b.push(j as u32);
        }
    }
    if a.is_empty() {
        return Ok(0.0);
    }
    let dev = vectors.device();
    let va = vectors.index_select(&Tensor::new(a.as_slice(), dev)?, 0)?;
    let vb = vectors.index_select(&Tensor::new(b.as_slice(), dev)?, 0)?;
    let cos = (va * vb)?.sum(1)?.mean_all()?.to_scalar::<f32>()?;
    Ok(cos)
}
