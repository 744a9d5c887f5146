//! Crosswalk curation: mapping projects, machine suggestions, the review workflow (validate,
//! review, settle a dispute, withdraw), and the write-back of final mappings with their
//! provenance.
//!
//! Everything lives in the store. A project's graph `project/{id}` holds the project, one item
//! per source concept (its state and current decisions), the candidates and every decision.
//! Final mappings go into the crosswalk graph `crosswalk/{id}` together with their mapping
//! record (SSSOM in RDF, with PROV-O links to the decision and the candidate), in the same
//! transaction as the decision that made them final. Curation writes are serialised by
//! [`Curation`]; each is one store transaction, committed before the caller answers.

pub mod item;
pub mod project;
pub mod queue;
pub mod suggest;
pub mod transition;
pub mod users;
pub mod workflow;
mod write;

use std::path::PathBuf;

use oxigraph::model::{GraphNameRef, NamedNodeRef, NamedOrBlankNodeRef, Term};
use oxigraph::store::{StorageError, Store};

pub use project::{Project, Source};
pub use users::{Role, User};
pub use workflow::{Action, Choice};

/// What can go wrong in curation; mapped to HTTP statuses in `http::error`.
#[derive(Debug, thiserror::Error)]
pub enum CurationError {
    /// Bad input.
    #[error("{0}")]
    Input(String),
    /// No such project.
    #[error("{0}")]
    UnknownProject(String),
    /// No such item in a project.
    #[error("{0}")]
    UnknownItem(String),
    /// No such user or action.
    #[error("{0}")]
    NotFound(String),
    /// What would be made exists already (a project, a crosswalk, a user).
    #[error("{0}")]
    Exists(String),
    /// The action does not fit the item's state.
    #[error("{0}")]
    WrongState(String),
    /// No valid token.
    #[error("{0}")]
    Unauthenticated(String),
    /// The user may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A file failed.
    #[error("{}", .0.display())]
    Io(PathBuf, #[source] std::io::Error),
    /// Matching failed.
    #[error(transparent)]
    Match(#[from] crate::matching::MatchError),
    /// Anything else.
    #[error("{0}")]
    Internal(String),
}

/// Where a source concept stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// No candidates (not suggested yet, or nothing found).
    Unmapped,
    /// Candidates wait for a validator.
    Suggested,
    /// Validated; waits for a reviewer.
    Validated,
    /// The reviewer disagreed; waits for a third curator.
    Disputed,
    /// Settled with no ESCO match (agreed or decided); nothing is published.
    Reviewed,
    /// Settled with a mapping, written into the crosswalk.
    Final,
}

impl State {
    /// Every state, in workflow order.
    pub const ALL: [Self; 6] = [
        Self::Unmapped,
        Self::Suggested,
        Self::Validated,
        Self::Disputed,
        Self::Reviewed,
        Self::Final,
    ];

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unmapped => "unmapped",
            Self::Suggested => "suggested",
            Self::Validated => "validated",
            Self::Disputed => "disputed",
            Self::Reviewed => "reviewed",
            Self::Final => "final",
        }
    }

    /// Reads a state name.
    pub fn parse(name: &str) -> Result<Self, CurationError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| {
                CurationError::Input(format!(
                    "unknown state {name:?}: unmapped, suggested, validated, disputed, reviewed or final"
                ))
            })
    }
}

/// The serialised curation writer of a store: one decision at a time, each its own
/// transaction.
#[derive(Debug, Default)]
pub struct Curation {
    writing: std::sync::Mutex<()>,
}

impl Curation {
    /// Runs `write` alone among curation writes.
    pub fn exclusive<T>(
        &self,
        write: impl FnOnce() -> Result<T, CurationError>,
    ) -> Result<T, CurationError> {
        let _one = self
            .writing
            .lock()
            .map_err(|_| CurationError::Internal("curation lock poisoned".into()))?;
        write()
    }
}

/// The first object of `s p` in graph `g`.
pub(crate) fn object(
    store: &Store,
    s: NamedNodeRef<'_>,
    p: NamedNodeRef<'_>,
    g: NamedNodeRef<'_>,
) -> Result<Option<Term>, StorageError> {
    store
        .quads_for_pattern(
            Some(NamedOrBlankNodeRef::NamedNode(s)),
            Some(p),
            None,
            Some(GraphNameRef::NamedNode(g)),
        )
        .next()
        .transpose()
        .map(|q| q.map(|q| q.object))
}

/// The first object of `s p` in graph `g` as text (a literal's value or an IRI).
pub(crate) fn text(
    store: &Store,
    s: NamedNodeRef<'_>,
    p: NamedNodeRef<'_>,
    g: NamedNodeRef<'_>,
) -> Result<String, StorageError> {
    crate::store::read::text(store, s, p, Some(g))
}

/// Every object of `s p` in graph `g`.
pub(crate) fn objects(
    store: &Store,
    s: NamedNodeRef<'_>,
    p: NamedNodeRef<'_>,
    g: NamedNodeRef<'_>,
) -> Result<Vec<Term>, StorageError> {
    store
        .quads_for_pattern(
            Some(NamedOrBlankNodeRef::NamedNode(s)),
            Some(p),
            None,
            Some(GraphNameRef::NamedNode(g)),
        )
        .map(|q| q.map(|q| q.object))
        .collect()
}

/// A key usable as one URL path segment: ASCII letters, digits, `.`, `_`, `-`.
pub(crate) fn key_of(id: &str) -> String {
    let key: String = id
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if key.is_empty() || key.chars().all(|c| c == '_' || c == '.') {
        format!("x{:016x}", crate::matching::vectors::key(&[id]))
    } else {
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_keys_are_path_safe() {
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()).unwrap(), s);
        }
        assert!(State::parse("done").is_err());
        assert_eq!(key_of("2631.1"), "2631.1");
        assert_eq!(key_of("11-1011.00"), "11-1011.00");
        assert_eq!(key_of("a/b c"), "a_b_c");
        assert!(key_of("..").starts_with('x'));
        assert!(key_of("").starts_with('x'));
    }
}
