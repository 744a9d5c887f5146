//! Sentence embeddings in the process: an XLM-RoBERTa encoder (multilingual-e5-small by default)
//! run with candle from a model folder in the Hugging Face layout (`config.json`,
//! `tokenizer.json`, `model.safetensors`), with the E5 conventions: `query: ` / `passage: `
//! prefixes, mean pooling over the attention mask, L2 normalisation; or a static model2vec
//! model (`"model_type": "model2vec"`: one vector per token, averaged), the fast first stage.

pub mod adapter;
pub mod e5s1;
pub mod install;
pub mod statics;

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::xlm_roberta::{Config, XLMRobertaModel};
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

/// Errors of the model layer.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A model file is missing or unreadable.
    #[error("{}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A model file is not what it should be.
    #[error("model file: {0}")]
    Format(String),
    /// The tokenizer failed.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// Inference failed.
    #[error("inference")]
    Candle(#[from] candle_core::Error),
    /// Installation failed.
    #[error("{0}")]
    Install(String),
}

/// How a text is used, for the E5 prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A search input (`query: `); also both sides of symmetric title matching.
    Query,
    /// A document (`passage: `).
    Passage,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Self::Query => "query: ",
            Self::Passage => "passage: ",
        }
    }
}

/// The longest input in tokens (E5 was trained to 512).
const MAX_TOKENS: usize = 512;

/// What computes the vectors.
enum Network {
    /// A transformer encoder.
    Transformer(Box<XLMRobertaModel>),
    /// A static token table (model2vec).
    Static(statics::Table),
}

/// A loaded sentence encoder.
pub struct Encoder {
    network: Network,
    tokenizer: Tokenizer,
    dims: usize,
    name: String,
    adapter: Option<adapter::Adapter>,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("name", &self.name)
            .field("dims", &self.dims)
            .field("adapter", &self.adapter.as_ref().map(adapter::Adapter::id))
            .finish_non_exhaustive()
    }
}

fn read(path: &Path) -> Result<Vec<u8>, ModelError> {
    std::fs::read(path).map_err(|source| ModelError::Io {
        path: path.to_owned(),
        source,
    })
}

impl Encoder {
    /// Loads a model folder in the Hugging Face layout (a transformer or a model2vec model).
    pub fn load(dir: &Path) -> Result<Self, ModelError> {
        if is_static_model(dir) {
            return Self::load_static(dir);
        }
        let config: Config = serde_json::from_slice(&read(&dir.join("config.json"))?)
            .map_err(|e| ModelError::Format(format!("config.json: {e}")))?;
        let weights = dir.join("model.safetensors");
        if !weights.is_file() {
            return Err(ModelError::Io {
                path: weights,
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no weights (run `esco-ld model install`)",
                ),
            });
        }
        let mut tokenizer = Tokenizer::from_bytes(read(&dir.join("tokenizer.json"))?)
            .map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        let pad_id = config.pad_token_id;
        let pad_token = tokenizer
            .id_to_token(pad_id)
            .unwrap_or_else(|| "<pad>".into());
        tokenizer.with_padding(Some(PaddingParams {
            pad_id,
            pad_token,
            ..PaddingParams::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        let tensors = candle_core::safetensors::load(&weights, &Device::Cpu)?;
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu);
        let model = XLMRobertaModel::new(&config, vb)?;
        Ok(Self {
            network: Network::Transformer(Box::new(model)),
            tokenizer,
            dims: config.hidden_size,
            name: folder_name(dir),
            adapter: None,
        })
    }

    fn load_static(dir: &Path) -> Result<Self, ModelError> {
        let mut tokenizer = Tokenizer::from_bytes(read(&dir.join("tokenizer.json"))?)
            .map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        let table = statics::Table::load(&dir.join("model.safetensors"), &tokenizer)?;
        Ok(Self {
            dims: table.dims(),
            network: Network::Static(table),
            tokenizer,
            name: folder_name(dir),
            adapter: None,
        })
    }

    /// Whether this is a static (token table) model: fast, much weaker than a transformer.
    pub fn is_static(&self) -> bool {
        matches!(self.network, Network::Static(_))
    }

    /// Vector length.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// The model's name (its folder): what its cached vectors are filed under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Adds an adapter for the vectors of titles and labels; it must be made for this model.
    pub fn with_adapter(mut self, adapter: adapter::Adapter) -> Result<Self, ModelError> {
        if adapter.dims() != self.dims || adapter.manifest.base_model != self.name {
            return Err(ModelError::Format(format!(
                "the adapter is for {} ({} dimensions), the model is {} ({} dimensions)",
                adapter.manifest.base_model,
                adapter.dims(),
                self.name,
                self.dims
            )));
        }
        self.adapter = Some(adapter);
        Ok(self)
    }

    /// The adapter, if any.
    pub fn adapter(&self) -> Option<&adapter::Adapter> {
        self.adapter.as_ref()
    }

    /// The vector space its compared vectors live in: the model's name, and the adapter's id
    /// when there is one (what an index of adapted vectors is filed under).
    pub fn space(&self) -> String {
        match &self.adapter {
            Some(a) => format!("{}+{}", self.name, a.id()),
            None => self.name.clone(),
        }
    }

    /// A vector from [`Encoder::embed`] made ready for comparison: adapted when it is a title
    /// or label (`Kind::Query`) and there is an adapter, as it is otherwise.
    pub fn adapt(&self, kind: Kind, v: Vec<f32>) -> Vec<f32> {
        match (&self.adapter, kind) {
            (Some(a), Kind::Query) => a.apply(&v),
            (Some(_) | None, Kind::Query | Kind::Passage) => v,
        }
    }

    /// The vectors of many texts, in order, embedded in forward passes of up to `batch` texts
    /// of about the same length (sorted by length, so that little of each pass is padding).
    pub fn embed_batched(
        &self,
        texts: &[&str],
        kind: Kind,
        batch: usize,
    ) -> Result<Vec<Vec<f32>>, ModelError> {
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| texts[i].len());
        let mut out: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(batch.max(1)) {
            let some: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
            for (&i, v) in chunk.iter().zip(self.embed(&some, kind)?) {
                out[i] = v;
            }
        }
        Ok(out)
    }

    /// The model's unit vectors for `texts` (no adapter: see [`Encoder::adapt`]), in order, one
    /// forward pass per call (callers batch). A static model takes no prefix; a text without any
    /// known token gets the zero vector.
    pub fn embed(&self, texts: &[&str], kind: Kind) -> Result<Vec<Vec<f32>>, ModelError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let model = match &self.network {
            Network::Transformer(model) => model,
            Network::Static(table) => {
                let encodings = self
                    .tokenizer
                    .encode_batch(texts.to_vec(), false)
                    .map_err(|e| ModelError::Tokenizer(e.to_string()))?;
                return Ok(encodings.iter().map(|e| table.embed(e.get_ids())).collect());
            }
        };
        let inputs: Vec<String> = texts
            .iter()
            .map(|t| format!("{}{t}", kind.prefix()))
            .collect();
        let encodings = self
            .tokenizer
            .encode_batch(inputs, true)
            .map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        let len = encodings.first().map_or(0, |e| e.get_ids().len());
        let mut ids = Vec::with_capacity(texts.len() * len);
        let mut mask = Vec::with_capacity(texts.len() * len);
        for e in &encodings {
            ids.extend_from_slice(e.get_ids());
            mask.extend_from_slice(e.get_attention_mask());
        }
        let shape = (texts.len(), len);
        let ids = Tensor::from_vec(ids, shape, &Device::Cpu)?;
        let mask = Tensor::from_vec(mask, shape, &Device::Cpu)?;
        let types = ids.zeros_like()?;
        let hidden = model.forward(&ids, &mask, &types, None, None, None)?;
        // Mean over the real tokens, then unit length.
        let m = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&m)?.sum(1)?;
        let counts = m.sum(1)?;
        let mean = summed.broadcast_div(&counts)?;
        let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
        let unit = mean.broadcast_div(&norm)?;
        Ok(unit.to_vec2()?)
    }
}

/// Fixes the tensor library's thread count for the process; call it first thing in `main`,
/// while the process has one thread (changing the environment races with threads reading it).
///
/// Unless `RAYON_NUM_THREADS` is set, candle looks up the number of physical cores for every
/// matrix product, and on Linux that reads and parses `/proc/cpuinfo`, many times per text
/// (docs/matching.md#thread-count). Setting the variable (to the CPUs the process may use, as
/// rayon's own default) makes it a lookup. A value already set is kept.
pub fn fix_thread_count() {
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        std::env::set_var("RAYON_NUM_THREADS", cpus.to_string());
    }
}

/// Whether the model folder holds a static (model2vec) model.
pub fn is_static_model(dir: &Path) -> bool {
    std::fs::read(dir.join("config.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|c| c.get("model_type").and_then(|t| t.as_str()) == Some("model2vec"))
}

fn folder_name(dir: &Path) -> String {
    dir.file_name()
        .map_or_else(|| "model".into(), |n| n.to_string_lossy().into_owned())
}

/// Cosine of two unit vectors (their dot product).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The static model of the fast first stage (model2vec, distilled from multilingual-e5-small),
/// shipped with the data.
pub const FAST_MODEL_DIR: &str = "data/models/m2v-me5-tiny";

/// Where `model install` puts the default model and `serve` looks for it.
pub const DEFAULT_MODEL_DIR: &str = "models/multilingual-e5-small";
