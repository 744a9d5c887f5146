//! A persistent cache of text vectors for one model: an append-only file of records
//! `key (u64) | dims × f16`, keyed by a stable hash of the text as the model saw it (prefix
//! included). Embedding is the expensive step, so every vector computed once is kept; a restart
//! reads the file back in seconds. A torn last record (a crash mid-write) is cut off on open.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use half::f16;

/// A stable 64-bit hash (FNV-1a) of some strings, each followed by a separator.
pub fn key(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Vectors by key, backed by a file.
#[derive(Debug)]
pub struct VectorCache {
    path: PathBuf,
    dims: usize,
    vectors: HashMap<u64, Box<[f16]>>,
}

impl VectorCache {
    /// Opens (or creates) the cache file.
    pub fn open(path: &Path, dims: usize) -> std::io::Result<Self> {
        let mut vectors = HashMap::new();
        let record = 8 + dims * 2;
        if let Ok(mut file) = File::open(path) {
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)?;
            let whole = bytes.len() / record * record;
            for r in bytes[..whole].chunks_exact(record) {
                let mut k = [0u8; 8];
                k.copy_from_slice(&r[..8]);
                let v: Box<[f16]> = r[8..]
                    .chunks_exact(2)
                    .map(|c| f16::from_le_bytes([c[0], c[1]]))
                    .collect();
                vectors.insert(u64::from_le_bytes(k), v);
            }
            if whole != bytes.len() {
                tracing::warn!(
                    path = %path.display(),
                    "vector cache ends in a torn record: cut off"
                );
                let f = OpenOptions::new().write(true).open(path)?;
                f.set_len(whole as u64)?;
                f.sync_all()?;
            }
        }
        Ok(Self {
            path: path.to_owned(),
            dims,
            vectors,
        })
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Vectors held.
    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// Whether `key` has a vector.
    pub fn contains(&self, key: u64) -> bool {
        self.vectors.contains_key(&key)
    }

    /// The vector of `key`, as f32.
    pub fn get(&self, key: u64) -> Option<Vec<f32>> {
        self.vectors
            .get(&key)
            .map(|v| v.iter().map(|x| x.to_f32()).collect())
    }

    /// Keeps the vectors of `other` this cache lacks (same model, another file).
    pub fn take_from(&mut self, other: &VectorCache) -> std::io::Result<()> {
        let items: Vec<(u64, Vec<f32>)> = other
            .vectors
            .iter()
            .filter(|(k, _)| !self.vectors.contains_key(k))
            .map(|(k, v)| (*k, v.iter().map(|x| x.to_f32()).collect()))
            .collect();
        if items.is_empty() {
            return Ok(());
        }
        self.insert(items)
    }

    /// Keeps vectors, appending them to the file (flushed and synced before returning).
    pub fn insert(&mut self, items: Vec<(u64, Vec<f32>)>) -> std::io::Result<()> {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        file.seek(SeekFrom::End(0))?;
        let mut out = BufWriter::new(&file);
        for (k, v) in items {
            if v.len() != self.dims || self.vectors.contains_key(&k) {
                continue;
            }
            let half: Box<[f16]> = v.iter().map(|x| f16::from_f32(*x)).collect();
            out.write_all(&k.to_le_bytes())?;
            for x in half.iter() {
                out.write_all(&x.to_le_bytes())?;
            }
            self.vectors.insert(k, half);
        }
        out.flush()?;
        drop(out);
        file.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_survive_a_reopen_and_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.bin");
        let mut c = VectorCache::open(&path, 3).unwrap();
        c.insert(vec![(1, vec![0.5, -1.0, 0.25]), (2, vec![1.0, 0.0, 0.0])])
            .unwrap();
        // Wrong length: ignored.
        c.insert(vec![(3, vec![1.0])]).unwrap();
        drop(c);
        // A torn record after the two good ones.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&[9, 9, 9]).unwrap();
        drop(f);
        let c = VectorCache::open(&path, 3).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(1).unwrap(), vec![0.5, -1.0, 0.25]);
        assert!(c.get(3).is_none());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 2 * (8 + 6));
        assert_ne!(key(&["a", "bc"]), key(&["ab", "c"]));
    }
}
