//! Static (model2vec) embeddings: a table of one vector per token; a text's vector is the mean
//! of its tokens' rows (special tokens and the unknown token left out), L2-normalised. No
//! network runs, so hundreds of thousands of labels embed in seconds: the fast first stage.

use std::path::Path;

use tokenizers::Tokenizer;

use super::ModelError;

/// The token table.
#[derive(Debug)]
pub struct Table {
    rows: Vec<f32>,
    dims: usize,
    unk: Option<u32>,
}

impl Table {
    /// Reads the `embeddings` tensor (f32, f16 or int8) of a model2vec safetensors file.
    pub fn load(path: &Path, tokenizer: &Tokenizer) -> Result<Self, ModelError> {
        let bad = |m: &str| ModelError::Format(format!("{}: {m}", path.display()));
        let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
            path: path.to_owned(),
            source,
        })?;
        // safetensors: u64 header length, a JSON header, then the data.
        let header_len = bytes
            .get(..8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()) as usize)
            .ok_or_else(|| bad("too short"))?;
        let header: serde_json::Value = bytes
            .get(8..8 + header_len)
            .and_then(|h| serde_json::from_slice(h).ok())
            .ok_or_else(|| bad("unreadable header"))?;
        let data = &bytes[8 + header_len..];
        let entry = header
            .get("embeddings")
            .ok_or_else(|| bad("no `embeddings` tensor"))?;
        let shape = numbers(&entry["shape"]);
        let [count, dims] = shape[..] else {
            return Err(bad("`embeddings` is not a matrix"));
        };
        let offsets = numbers(&entry["data_offsets"]);
        let raw = match offsets[..] {
            [a, b] => data.get(a..b),
            _ => None,
        }
        .ok_or_else(|| bad("`embeddings` data out of bounds"))?;
        let rows: Vec<f32> = match entry["dtype"].as_str() {
            Some("I8") => raw
                .iter()
                .map(|b| f32::from(i8::from_le_bytes([*b])))
                .collect(),
            Some("F16") => raw
                .chunks_exact(2)
                .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect(),
            Some("F32") => raw
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
            other => return Err(bad(&format!("unsupported dtype {other:?}"))),
        };
        if count == 0 || dims == 0 || rows.len() != count * dims {
            return Err(bad("`embeddings` has the wrong size"));
        }
        let unk = ["<unk>", "[UNK]"]
            .iter()
            .find_map(|t| tokenizer.token_to_id(t));
        Ok(Self { rows, dims, unk })
    }

    /// Vector length.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// The unit vector of a token sequence (zero when no token has a row).
    pub fn embed(&self, ids: &[u32]) -> Vec<f32> {
        let mut sum = vec![0f32; self.dims];
        let mut n = 0usize;
        for &id in ids {
            if Some(id) == self.unk {
                continue;
            }
            let start = id as usize * self.dims;
            let Some(row) = self.rows.get(start..start + self.dims) else {
                continue;
            };
            for (s, x) in sum.iter_mut().zip(row) {
                *s += x;
            }
            n += 1;
        }
        let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
        if n > 0 && norm > 0.0 {
            for s in &mut sum {
                *s /= norm;
            }
        }
        sum
    }
}

/// The unsigned integers of a JSON array (none when it is not one).
fn numbers(v: &serde_json::Value) -> Vec<usize> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d.as_u64())
                .map(|d| d as usize)
                .collect()
        })
        .unwrap_or_default()
}
