//! The files beside a store folder `STORE`: the label index (`STORE.search`), the matcher's
//! side-index (`STORE.match`), the curators (`STORE.users.json`), and the hidden staging
//! folders and lock of a load (`.STORE.TAG-PID`, `.STORE.load-lock`). Named here only.

use std::path::{Path, PathBuf};

/// Where a store and what lives beside it are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreLayout {
    root: PathBuf,
}

impl StoreLayout {
    /// The layout of the store in folder `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The store's own folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The label search index.
    pub fn search(&self) -> PathBuf {
        self.beside("search")
    }

    /// The matcher's side-index: forms snapshot, vector caches, HNSW graphs.
    pub fn matching(&self) -> PathBuf {
        self.beside("match")
    }

    /// The curators and their token hashes.
    pub fn users(&self) -> PathBuf {
        self.beside("users.json")
    }

    /// A hidden folder beside the store for staging work of this process (`tag`: what for).
    pub fn staging(&self, tag: &str) -> PathBuf {
        crate::util::sibling(&self.root, tag)
    }

    /// The lock file a load holds.
    pub fn load_lock(&self) -> PathBuf {
        self.root
            .with_file_name(format!(".{}.load-lock", self.name()))
    }

    fn name(&self) -> String {
        self.root
            .file_name()
            .map_or_else(|| "store".into(), |n| n.to_string_lossy().into_owned())
    }

    fn beside(&self, suffix: &str) -> PathBuf {
        self.root
            .with_file_name(format!("{}.{suffix}", self.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_lives_beside_the_store() {
        let layout = StoreLayout::new("/srv/esco-store");
        assert_eq!(layout.search(), Path::new("/srv/esco-store.search"));
        assert_eq!(layout.matching(), Path::new("/srv/esco-store.match"));
        assert_eq!(layout.users(), Path::new("/srv/esco-store.users.json"));
        assert_eq!(layout.load_lock(), Path::new("/srv/.esco-store.load-lock"));
        let staging = layout.staging("staging");
        assert_eq!(staging.parent(), Some(Path::new("/srv")));
        assert!(staging
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(".esco-store.staging-"));
    }
}
