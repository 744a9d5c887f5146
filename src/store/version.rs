//! The store's version: one fingerprint of its files taken when it is opened, and counters of
//! the writes made through the running service since. Every cache and index derived from the
//! store (entity tags, the label index, the forms snapshot, the vector indexes) is stamped with
//! a tag from here, so that the command line and the service agree on what "in step" means.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::SystemTime;

/// The version of a store as clients and indexes see it. Writes that cannot change a concept's
/// labels (curation decisions, mapping write-back) leave the content generation alone, so the
/// label and match indexes are not brought in step for them.
#[derive(Debug)]
pub struct StoreVersion {
    fingerprint: u64,
    generation: AtomicU64,
    content: AtomicU64,
    modified: RwLock<SystemTime>,
}

impl StoreVersion {
    /// For a store whose content is summed up by `fingerprint` and was last changed at
    /// `modified`.
    pub fn new(fingerprint: u64, modified: SystemTime) -> Self {
        Self {
            fingerprint,
            generation: AtomicU64::new(0),
            content: AtomicU64::new(0),
            modified: RwLock::new(modified),
        }
    }

    /// The version of the store in folder `dir` as its files are now. Take it once the store
    /// is open: an open puts what the write-ahead log held into table files, so an unchanged
    /// store keeps the version of its last run.
    pub fn of_dir(dir: &Path) -> Self {
        let (fingerprint, modified) = fingerprint_dir(dir);
        Self::new(fingerprint, modified)
    }

    /// Records a write that may change anything (SPARQL Update, Graph Store Protocol, imports).
    pub fn bump(&self) {
        self.content.fetch_add(1, Ordering::SeqCst);
        self.touch();
    }

    /// Records a write that changes no concept's labels, classes or schemes (curation records
    /// and mapping triples): pages and queries change, the search and match indexes do not.
    pub fn touch(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut m) = self.modified.write() {
            *m = SystemTime::now();
        }
    }

    /// The tag of what the label and match indexes are made from: every index (the label
    /// index, the forms snapshot, the vector indexes) is stamped with it, whichever command
    /// built it.
    pub fn index_tag(&self) -> String {
        format!(
            "\"{:016x}-c{}\"",
            self.fingerprint,
            self.content.load(Ordering::SeqCst)
        )
    }

    /// The entity tag of every representation derived from the store now.
    pub fn etag(&self) -> String {
        format!(
            "\"{:016x}-{}\"",
            self.fingerprint,
            self.generation.load(Ordering::SeqCst)
        )
    }

    /// When the store last changed.
    pub fn modified(&self) -> SystemTime {
        self.modified.read().map_or(SystemTime::UNIX_EPOCH, |m| *m)
    }
}

/// A fingerprint of a store folder's data files (names and sizes) and their latest change:
/// RocksDB writes new files for every change, so a changed store has a different fingerprint.
/// What every open rewrites without a change of content (a new manifest, options file and
/// empty write-ahead log, the info logs) is left out, so that a restart on an unchanged store
/// keeps its fingerprint (and the caches made for it).
fn fingerprint_dir(dir: &Path) -> (u64, SystemTime) {
    use std::hash::{Hash, Hasher};
    let mut entries: Vec<(String, u64, SystemTime)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some((
                e.file_name().to_string_lossy().into_owned(),
                meta.len(),
                meta.modified().ok()?,
            ))
        })
        .filter(|(name, len, _)| is_store_data(name, *len))
        .collect();
    entries.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for (name, len, _) in &entries {
        (name, len).hash(&mut hasher);
    }
    let modified = entries
        .iter()
        .map(|e| e.2)
        .max()
        .unwrap_or(SystemTime::UNIX_EPOCH);
    (hasher.finish(), modified)
}

/// Whether a file of a store folder holds content (table files, a write-ahead log with
/// writes in it) rather than what an open rewrites.
fn is_store_data(name: &str, len: u64) -> bool {
    const METADATA: [&str; 6] = [
        "LOG",
        "LOCK",
        "CURRENT",
        "IDENTITY",
        "MANIFEST-",
        "OPTIONS-",
    ];
    if METADATA.iter().any(|m| name.starts_with(m)) {
        return false;
    }
    !(name.ends_with(".log") && len == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_writes_change_the_index_tag_and_other_writes_only_the_etag() {
        let v = StoreVersion::new(7, SystemTime::UNIX_EPOCH);
        let (tag, etag) = (v.index_tag(), v.etag());
        v.touch();
        assert_eq!(v.index_tag(), tag);
        assert_ne!(v.etag(), etag);
        v.bump();
        assert_ne!(v.index_tag(), tag);
    }

    #[test]
    fn what_an_open_rewrites_leaves_the_fingerprint_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("000012.sst"), b"table").unwrap();
        let before = StoreVersion::of_dir(dir.path()).index_tag();
        std::fs::write(dir.path().join("MANIFEST-000013"), b"m").unwrap();
        std::fs::write(dir.path().join("000014.log"), b"").unwrap();
        assert_eq!(StoreVersion::of_dir(dir.path()).index_tag(), before);
        std::fs::write(dir.path().join("000015.sst"), b"table").unwrap();
        assert_ne!(StoreVersion::of_dir(dir.path()).index_tag(), before);
    }
}
