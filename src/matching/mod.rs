//! Free text to ranked ESCO concepts: lexical trigram similarity over every label, fused with
//! dense (sentence-embedding) similarity from the usearch side-index when a model is loaded.
//!
//! Scores are in [0, 1]. `lexical` is the TF-IDF cosine of character trigrams between the
//! input and the best-matching label (1 = the same text up to case and accents; a match on an
//! alternative or hidden label counts 0.97 of one on the preferred label). What is matched is
//! the title without its exclusion clauses and fillers ("…, Except X", "…, All Other"; see
//! [`query`]). `dense` is the
//! embedding cosine of the input and the best label, rescaled so that E5's floor for unrelated
//! short texts (0.8) is 0 and identity is 1. `score` = 0.8·dense + 0.2·lexical with a model,
//! `lexical` without one. With the static first-stage model (method `fast`) the floor is 0.5 and
//! `score` = 0.3·dense + 0.7·lexical. A concept outside one first-stage short list (300 forms) gets that
//! list's lowest score for the missing part.

mod base;
pub mod dense;
pub mod language;
pub mod lexical;
mod matcher;
pub mod query;
mod score;
pub mod service;
pub mod setup;
pub mod shortlist;
pub mod vectors;

use std::path::PathBuf;

use serde::Serialize;

pub use base::Base;
pub use matcher::Matcher;
use score::Calibration;

use crate::concept::Target;
use crate::embed::{Encoder, ModelError};
use crate::store::forms::FormKind;
use dense::Dense;

/// Errors of the matching layer.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    /// Bad input.
    #[error("{0}")]
    Input(String),
    /// A target that names no class, scheme or union of them.
    #[error(transparent)]
    Target(#[from] crate::concept::ParseError),
    /// The store could not be read.
    #[error("reading the store")]
    Storage(#[from] oxigraph::store::StorageError),
    /// The model failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The vector index failed.
    #[error("vector index: {0}")]
    Index(String),
    /// A file of the index could not be written or read.
    #[error("{}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl From<candle_core::Error> for MatchError {
    fn from(e: candle_core::Error) -> Self {
        Self::Model(ModelError::Candle(e))
    }
}

/// One input to match.
#[derive(Debug, Clone)]
pub struct Input {
    /// A title or short text.
    pub text: String,
    /// Optional longer description.
    pub description: Option<String>,
    /// The input's language; detected when `None`.
    pub language: Option<String>,
    /// What to match against.
    pub target: Target,
    /// How many candidates.
    pub k: usize,
    /// Match against labels in this language only (all languages when `None`).
    pub label_language: Option<String>,
}

/// One proposed concept.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// Its IRI.
    pub uri: String,
    /// Its preferred label in the requested language (else English).
    pub label: String,
    /// The surface form that matched best.
    pub matched: String,
    /// That form's language.
    pub matched_language: String,
    /// That form's kind.
    pub matched_kind: FormKind,
    /// Fused score in [0, 1].
    pub score: f32,
    /// Lexical similarity in [0, 1].
    pub lexical: f32,
    /// Rescaled dense similarity in [0, 1] (absent without a model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dense: Option<f32>,
    /// Rescaled similarity of the input's description to the concept's (only with a
    /// description and a model, for the best candidates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<f32>,
    /// ISCO code, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isco: Option<String>,
    /// For an ISCO group reached through one of its occupations (the target names both): that
    /// occupation's IRI; `matched`, `lexical` and `dense` are its.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// The result for one input.
#[derive(Debug, Clone, Serialize)]
pub struct Matches {
    /// The input text.
    pub text: String,
    /// The language used (given or detected), if any.
    pub language: Option<String>,
    /// How it was ranked.
    pub method: Method,
    /// Candidates, best first.
    pub candidates: Vec<Candidate>,
}

/// Most candidates per input.
pub const MAX_K: usize = 100;

/// How a matcher ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Lexical and the model's own side-index.
    Hybrid,
    /// Lexical and the static first-stage model, the model re-scoring its short list.
    Staged,
    /// Lexical and the static first-stage model.
    Fast,
    /// Lexical only (no model).
    Lexical,
}

impl Method {
    /// Its name: `hybrid`, `staged`, `fast`, `lexical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hybrid => "hybrid",
            Self::Staged => "staged",
            Self::Fast => "fast",
            Self::Lexical => "lexical",
        }
    }
}

impl PartialEq<&str> for Method {
    fn eq(&self, name: &&str) -> bool {
        self.as_str() == *name
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The model side, when a model is loaded.
pub struct Semantic {
    /// The encoder.
    pub encoder: std::sync::Arc<Encoder>,
    /// The side-index.
    pub dense: Dense,
}

impl Semantic {
    fn calibration(&self) -> Calibration {
        Calibration::of(&self.encoder)
    }
}
