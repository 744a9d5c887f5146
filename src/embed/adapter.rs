//! A linear adapter tuned on ESCO's own labels: a `dims × dims` map applied to a model's title
//! and label vectors (`v ↦ unit(v·W)`), trained so that two labels of one concept land nearer
//! each other than labels of sibling concepts (`esco-ld model tune`). The model's vectors stay
//! as they are in the caches; the adapter is applied when they are compared, so tuning a new
//! adapter costs no re-embedding. Descriptions (E5 passages) are compared unadapted.
//!
//! On disk: a folder with `adapter.json` (what it adapts, the cosine its scores start from, how
//! it was trained) and `adapter.safetensors` (one f32 tensor `weight`, row-major, `x·W`).

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ModelError;

/// The manifest's format tag.
pub const FORMAT: &str = "esco-ld adapter 1";
const MANIFEST: &str = "adapter.json";
const WEIGHTS: &str = "adapter.safetensors";

/// What `adapter.json` says.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// The model it adapts (its folder name).
    pub base_model: String,
    /// Vector length.
    pub dims: usize,
    /// The adapted cosine taken as "unrelated" (score 0), tuned with the adapter.
    pub floor: f32,
    /// sha256 of `adapter.safetensors`.
    pub sha256: String,
    /// How it was trained (free form: languages, steps, figures).
    #[serde(default)]
    pub training: serde_json::Value,
    /// The crosswalks whose mappings it was trained on besides ESCO's labels (none: the labels
    /// only). `eval` refuses to measure it on any of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub crosswalks: Vec<TrainedOn>,
}

/// A crosswalk an adapter was trained on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TrainedOn {
    /// Its file name.
    pub file: String,
    /// Its fingerprint: sha256 of its sorted title → ESCO concept pairs (see
    /// `lab::eval::fingerprint`), so a re-encoded or re-ordered copy is recognised.
    pub sha256: String,
    /// The title → concept pairs taken from it.
    pub pairs: usize,
}

/// A loaded adapter.
#[derive(Debug, Clone)]
pub struct Adapter {
    /// Its manifest.
    pub manifest: Manifest,
    weight: Vec<f32>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ModelError + '_ {
    move |source| ModelError::Io {
        path: path.to_owned(),
        source,
    }
}

impl Adapter {
    /// An adapter from a row-major `dims × dims` matrix.
    pub fn new(manifest: Manifest, weight: Vec<f32>) -> Result<Self, ModelError> {
        if manifest.dims == 0 || weight.len() != manifest.dims * manifest.dims {
            return Err(ModelError::Format(format!(
                "adapter: {} weights for {} dimensions",
                weight.len(),
                manifest.dims
            )));
        }
        if !(manifest.floor > -1.0 && manifest.floor < 1.0) {
            return Err(ModelError::Format(format!(
                "adapter: floor {} is not a cosine below 1",
                manifest.floor
            )));
        }
        Ok(Self { manifest, weight })
    }

    /// Loads an adapter folder, checking its checksum and shape.
    pub fn load(dir: &Path) -> Result<Self, ModelError> {
        let manifest_path = dir.join(MANIFEST);
        let bytes = std::fs::read(&manifest_path).map_err(io(&manifest_path))?;
        let manifest: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| ModelError::Format(format!("{}: {e}", manifest_path.display())))?;
        if manifest.format != FORMAT {
            return Err(ModelError::Format(format!(
                "{}: format {:?}, expected {FORMAT:?}",
                manifest_path.display(),
                manifest.format
            )));
        }
        let weights_path = dir.join(WEIGHTS);
        let bytes = std::fs::read(&weights_path).map_err(io(&weights_path))?;
        let sum = hex(&Sha256::digest(&bytes));
        if sum != manifest.sha256 {
            return Err(ModelError::Format(format!(
                "{}: sha256 {sum}, the manifest says {}",
                weights_path.display(),
                manifest.sha256
            )));
        }
        let tensors = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu)?;
        let w = tensors.get("weight").ok_or_else(|| {
            ModelError::Format(format!("{}: no `weight`", weights_path.display()))
        })?;
        if w.dims() != [manifest.dims, manifest.dims] {
            return Err(ModelError::Format(format!(
                "{}: weight of shape {:?} for {} dimensions",
                weights_path.display(),
                w.dims(),
                manifest.dims
            )));
        }
        let weight = w.to_dtype(DType::F32)?.flatten_all()?.to_vec1()?;
        Self::new(manifest, weight)
    }

    /// Writes the folder `dir` whole or not at all (into a sibling first, then renamed over any
    /// previous one), and notes the weights' checksum in the manifest.
    pub fn save(&mut self, dir: &Path) -> Result<(), ModelError> {
        let staging = crate::util::sibling(dir, "partial");
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging).map_err(io(&staging))?;
        let dims = self.manifest.dims;
        let tensor = Tensor::from_vec(self.weight.clone(), (dims, dims), &Device::Cpu)?;
        let weights_path = staging.join(WEIGHTS);
        candle_core::safetensors::save(
            &std::collections::HashMap::from([("weight".to_owned(), tensor)]),
            &weights_path,
        )?;
        let bytes = std::fs::read(&weights_path).map_err(io(&weights_path))?;
        self.manifest.sha256 = hex(&Sha256::digest(&bytes));
        let json = serde_json::to_vec_pretty(&self.manifest)
            .map_err(|e| ModelError::Format(format!("adapter manifest: {e}")))?;
        let manifest_path = staging.join(MANIFEST);
        std::fs::write(&manifest_path, json).map_err(io(&manifest_path))?;
        for f in [&weights_path, &manifest_path] {
            std::fs::File::open(f)
                .and_then(|f| f.sync_all())
                .map_err(io(f))?;
        }
        let old = crate::util::sibling(dir, "old");
        let _ = std::fs::remove_dir_all(&old);
        if dir.exists() {
            std::fs::rename(dir, &old).map_err(io(dir))?;
        }
        std::fs::rename(&staging, dir).map_err(io(dir))?;
        let _ = std::fs::remove_dir_all(&old);
        Ok(())
    }

    /// Vector length.
    pub fn dims(&self) -> usize {
        self.manifest.dims
    }

    /// The crosswalk with this fingerprint among those it was trained on.
    pub fn trained_on(&self, sha256: &str) -> Option<&TrainedOn> {
        self.manifest.crosswalks.iter().find(|c| c.sha256 == sha256)
    }

    /// A short name of its weights (for the files of an index built with it).
    pub fn id(&self) -> &str {
        &self.manifest.sha256[..self.manifest.sha256.len().min(12)]
    }

    /// The row-major weights.
    pub fn weight(&self) -> &[f32] {
        &self.weight
    }

    /// `unit(v·W)`; a vector of another length is returned as it is.
    pub fn apply(&self, v: &[f32]) -> Vec<f32> {
        let d = self.manifest.dims;
        if v.len() != d {
            return v.to_vec();
        }
        let mut out = vec![0f32; d];
        for (x, row) in v.iter().zip(self.weight.chunks_exact(d)) {
            for (o, w) in out.iter_mut().zip(row) {
                *o += x * w;
            }
        }
        let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            out.iter_mut().for_each(|x| *x /= norm);
        }
        out
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the adapter shipped for `model` (a model folder name) lives, if one does:
/// `DATA/models/esco-adapter-{model}` (see [`crate::config`]).
pub fn shipped_dir(model: &str) -> Option<PathBuf> {
    Some(crate::config::settings().shipped_adapter_dir(model))
        .filter(|d| d.join(MANIFEST).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(dims: usize) -> Manifest {
        Manifest {
            format: FORMAT.into(),
            base_model: "m".into(),
            dims,
            floor: 0.5,
            sha256: String::new(),
            training: serde_json::Value::Null,
            crosswalks: Vec::new(),
        }
    }

    #[test]
    fn applies_the_map_then_unit_length() {
        // Swaps the axes and doubles the first: (1, 0) ↦ (0, 2) ↦ (0, 1).
        let a = Adapter::new(manifest(2), vec![0.0, 2.0, 1.0, 0.0]).unwrap();
        assert_eq!(a.apply(&[1.0, 0.0]), vec![0.0, 1.0]);
        let v = a.apply(&[0.6, 0.8]);
        let expected = [0.8, 1.2];
        let n = (0.8f32 * 0.8 + 1.2 * 1.2).sqrt();
        assert!((v[0] - expected[0] / n).abs() < 1e-6 && (v[1] - expected[1] / n).abs() < 1e-6);
        // Another length passes through.
        assert_eq!(a.apply(&[1.0, 2.0, 3.0]), vec![1.0, 2.0, 3.0]);
        assert!(Adapter::new(manifest(2), vec![1.0; 3]).is_err());
    }

    #[test]
    fn saved_folders_load_back_and_damage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("adapter");
        let mut a = Adapter::new(manifest(2), vec![1.0, 0.5, -0.5, 1.0]).unwrap();
        a.save(&path).unwrap();
        // Saved again over itself: still one whole folder.
        a.save(&path).unwrap();
        let b = Adapter::load(&path).unwrap();
        assert_eq!(b.weight(), a.weight());
        assert_eq!(b.manifest.sha256, a.manifest.sha256);
        assert_eq!(b.manifest.sha256.len(), 64);
        assert_eq!(b.id().len(), 12);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1);
        // A changed weight no longer matches the checksum.
        let w = path.join(WEIGHTS);
        let mut bytes = std::fs::read(&w).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&w, bytes).unwrap();
        let err = Adapter::load(&path).unwrap_err().to_string();
        assert!(err.contains("sha256"), "{err}");
    }
}
