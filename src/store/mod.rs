//! The persistent store and what every layer above reads of it: opening it, replacing its
//! content all-or-nothing, dumping it ([`mod@self`]); its version ([`version`]), the files beside
//! it ([`layout`]), typed reads ([`read`]) and the surface forms of its concepts ([`forms`]).

pub mod forms;
pub mod layout;
pub mod read;
pub mod version;

pub use layout::StoreLayout;
pub use version::StoreVersion;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::store::{StorageError, Store};

use crate::util;

/// Errors of the store layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No store at that path.
    #[error("{}: no store here (create one with `esco-ld load --store {}`)", .0.display(), .0.display())]
    Missing(PathBuf),
    /// A folder that is not a store.
    #[error("{}: the folder is not empty and holds no esco-ld store; refusing to write into it", .0.display())]
    NotAStore(PathBuf),
    /// Another process holds the store.
    #[error("{}: the store is in use by another process (a running server?)", path.display())]
    Locked {
        /// The store.
        path: PathBuf,
        /// RocksDB's message.
        #[source]
        source: StorageError,
    },
    /// The storage failed.
    #[error("{}", path.display())]
    Storage {
        /// The store.
        path: PathBuf,
        /// The cause.
        #[source]
        source: StorageError,
    },
    /// Another load into the same store is running.
    #[error("{}: another load into this store is running (process {})", .0.display(), .1)]
    Busy(PathBuf, String),
    /// A file operation failed.
    #[error("{}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A dump format that does not hold named graphs.
    #[error("{}: dumps are N-Quads (.nq) or TriG (.trig), optionally gzipped (.gz)", .0.display())]
    DumpFormat(PathBuf),
}

fn is_store(path: &Path) -> bool {
    path.join("CURRENT").is_file()
}

fn is_empty_dir(path: &Path) -> bool {
    fs::read_dir(path)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false)
}

fn storage(path: &Path) -> impl FnOnce(StorageError) -> StoreError + '_ {
    move |source| {
        let text = source.to_string();
        if text.contains("lock") || text.contains("Resource temporarily unavailable") {
            StoreError::Locked {
                path: path.to_path_buf(),
                source,
            }
        } else {
            StoreError::Storage {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

/// Opens an existing store for reading and writing.
pub fn open(path: &Path) -> Result<Store, StoreError> {
    if !is_store(path) {
        return Err(StoreError::Missing(path.to_path_buf()));
    }
    Store::open(path).map_err(storage(path))
}

/// Opens an existing store for reading: a snapshot as of now, which works while another process
/// holds the store.
pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
    if !is_store(path) {
        return Err(StoreError::Missing(path.to_path_buf()));
    }
    Store::open_read_only(path).map_err(storage(path))
}

/// Replaces the content of the store at `path`, all or nothing: the current content is copied
/// (hard links) to a staging store beside it, `fill` writes and checks there, and only then does
/// the staging store replace the current one. On any error the store is untouched.
pub fn replace<T, E: From<StoreError>>(
    path: &Path,
    fill: impl FnOnce(&Store) -> Result<T, E>,
) -> Result<T, E> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|source| StoreError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let _lock = LoadLock::take(path)?;
    let exists = path.exists();
    if exists && !is_store(path) && !is_empty_dir(path) {
        return Err(StoreError::NotAStore(path.to_path_buf()).into());
    }
    let layout = StoreLayout::new(path);
    let staging = layout.staging("staging");
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(|source| StoreError::Io {
            path: staging.clone(),
            source,
        })?;
    }
    // Holding the current store open keeps other writers out until the swap.
    let current = if exists && is_store(path) {
        let current = Store::open(path).map_err(storage(path))?;
        current.backup(&staging).map_err(storage(path))?;
        Some(current)
    } else {
        None
    };
    let result = (|| {
        let store = Store::open(&staging).map_err(storage(&staging))?;
        let report = fill(&store)?;
        settle(store, &staging)?;
        Ok::<T, E>(report)
    })();
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            drop(current);
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    drop(current);
    let old = layout.staging("old");
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| StoreError::Io { path: p, source }
    };
    if exists {
        fs::rename(path, &old).map_err(io(path))?;
    }
    if let Err(source) = fs::rename(&staging, path) {
        if exists {
            let _ = fs::rename(&old, path);
        }
        let _ = fs::remove_dir_all(&staging);
        return Err(StoreError::Io {
            path: path.to_path_buf(),
            source,
        }
        .into());
    }
    if exists {
        fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    Ok(report)
}

/// Leaves a loaded store with nothing for an open to redo: the bulk-loaded tables compacted,
/// and the write-ahead log replayed by one open. A later open (by `serve`, or read-only by a
/// command) then finds the same files, so the store keeps its [`StoreVersion`] until written
/// to, and the indexes stamped with it stay in step.
fn settle(store: Store, path: &Path) -> Result<(), StoreError> {
    store.flush().map_err(storage(path))?;
    store.optimize().map_err(storage(path))?;
    drop(store);
    let reopened = Store::open(path).map_err(storage(path))?;
    reopened.flush().map_err(storage(path))?;
    Ok(())
}

/// One load at a time per store: a lock file beside the store naming the process that holds it
/// (a lock left by a process that no longer runs is taken over).
struct LoadLock(PathBuf);

impl LoadLock {
    fn take(path: &Path) -> Result<Self, StoreError> {
        let lock = StoreLayout::new(path).load_lock();
        let io = |source| StoreError::Io {
            path: lock.clone(),
            source,
        };
        for _ in 0..2 {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&lock)
            {
                Ok(mut file) => {
                    Write::write_all(&mut file, std::process::id().to_string().as_bytes())
                        .map_err(io)?;
                    return Ok(Self(lock));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let holder = fs::read_to_string(&lock).unwrap_or_default();
                    let alive = holder
                        .trim()
                        .parse::<u32>()
                        .is_ok_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
                    if alive {
                        return Err(StoreError::Busy(
                            path.to_path_buf(),
                            holder.trim().to_owned(),
                        ));
                    }
                    fs::remove_file(&lock).map_err(io)?;
                }
                Err(e) => return Err(io(e)),
            }
        }
        Err(StoreError::Busy(path.to_path_buf(), "unknown".into()))
    }
}

impl Drop for LoadLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// The dump format of a file name: N-Quads or TriG, gzipped or not.
pub fn dump_format(path: &Path) -> Option<(RdfFormat, bool)> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let (name, gz) = name
        .strip_suffix(".gz")
        .map_or((name.as_str(), false), |n| (n, true));
    match name.rsplit('.').next()? {
        "nq" => Some((RdfFormat::NQuads, gz)),
        "trig" => Some((RdfFormat::TriG, gz)),
        _ => None,
    }
}

/// Writes the whole dataset, every graph, to `file` (whole or not at all). Returns the quads.
pub fn dump(store: &Store, file: &Path) -> Result<u64, StoreError> {
    let (format, gz) =
        dump_format(file).ok_or_else(|| StoreError::DumpFormat(file.to_path_buf()))?;
    let mut count = 0;
    util::write_atomically(file, |out| {
        let mut sink: Box<dyn Write> = if gz {
            Box::new(flate2::write::GzEncoder::new(
                out,
                flate2::Compression::default(),
            ))
        } else {
            Box::new(out)
        };
        count = write_dataset(store, format, &mut sink)?;
        sink.flush()
    })
    .map_err(|source| StoreError::Io {
        path: file.to_path_buf(),
        source,
    })?;
    Ok(count)
}

/// Serialises every quad of the store, grouped by graph (TriG needs that to be compact).
pub fn write_dataset(store: &Store, format: RdfFormat, out: &mut dyn Write) -> io::Result<u64> {
    let mut serializer = RdfSerializer::from_format(format);
    for (prefix, ns) in [
        ("skos", "http://www.w3.org/2004/02/skos/core#"),
        ("esco", "http://data.europa.eu/esco/model#"),
        ("dcterms", "http://purl.org/dc/terms/"),
    ] {
        serializer = serializer
            .with_prefix(prefix, ns)
            .map_err(io::Error::other)?;
    }
    let mut writer = serializer.for_writer(out);
    let mut count = 0;
    for quad in store.iter() {
        let quad = quad.map_err(io::Error::other)?;
        writer.serialize_quad(&quad)?;
        count += 1;
    }
    writer.finish()?;
    Ok(count)
}
