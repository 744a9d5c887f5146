//! Curators: names, roles and API tokens. Tokens are shown once when made and kept only as
//! SHA-256 hashes, in a JSON file beside the store (`STORE.users.json`) that an admin edits on
//! the command line while the server runs (the server rereads it when it changes).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::CurationError;
use crate::util;

/// What a curator may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Validates suggestions and settles disputes.
    Validator,
    /// Reviews validations.
    Reviewer,
    /// Creates projects, runs suggestions, withdraws mappings, and may do all the above.
    Admin,
}

impl Role {
    /// Reads a role name.
    pub fn parse(name: &str) -> Result<Self, CurationError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "validator" => Ok(Self::Validator),
            "reviewer" => Ok(Self::Reviewer),
            "admin" => Ok(Self::Admin),
            other => Err(CurationError::Input(format!(
                "unknown role {other:?}: validator, reviewer or admin"
            ))),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Validator => "validator",
            Self::Reviewer => "reviewer",
            Self::Admin => "admin",
        })
    }
}

/// A curator as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Login name: lower-case letters, digits, `.`, `_`, `-`.
    pub name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// SHA-256 of the token, hex.
    pub token_sha256: String,
    /// When the user (or the current token) was made.
    pub created: String,
}

impl User {
    /// Whether the user has the role (admins have every role).
    pub fn can(&self, role: Role) -> bool {
        self.roles.contains(&role) || self.roles.contains(&Role::Admin)
    }
}

fn hash(token: &str) -> String {
    Sha256::digest(token.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn check_name(name: &str) -> Result<(), CurationError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(CurationError::Input(format!(
            "user name {name:?}: use 1-64 lower-case letters, digits, '.', '_' or '-'"
        )))
    }
}

/// Reads the users file (no file: no users).
pub fn read(path: &Path) -> Result<Vec<User>, CurationError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            CurationError::Internal(format!("{}: not a users file: {e}", path.display()))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(CurationError::Io(path.to_path_buf(), e)),
    }
}

fn write(path: &Path, users: &[User]) -> Result<(), CurationError> {
    util::write_atomically(path, |out| {
        serde_json::to_writer_pretty(&mut *out, users).map_err(std::io::Error::other)
    })
    .map_err(|e| CurationError::Io(path.to_path_buf(), e))
}

fn new_token() -> Result<String, CurationError> {
    util::random_hex(32)
        .map(|h| format!("eld_{h}"))
        .map_err(|e| CurationError::Io(PathBuf::from("/dev/urandom"), e))
}

/// Adds a user; returns the token (shown once, kept only hashed).
pub fn add(path: &Path, name: &str, roles: &[Role]) -> Result<String, CurationError> {
    check_name(name)?;
    if roles.is_empty() {
        return Err(CurationError::Input(
            "give the user at least one role (--role validator|reviewer|admin)".into(),
        ));
    }
    let mut users = read(path)?;
    if users.iter().any(|u| u.name == name) {
        return Err(CurationError::Exists(format!(
            "user {name:?} exists (use `user token {name}` for a new token)"
        )));
    }
    let token = new_token()?;
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    users.push(User {
        name: name.to_owned(),
        roles,
        token_sha256: hash(&token),
        created: util::utc_datetime(SystemTime::now()),
    });
    write(path, &users)?;
    Ok(token)
}

/// Replaces a user's token; returns the new one.
pub fn rotate(path: &Path, name: &str) -> Result<String, CurationError> {
    let mut users = read(path)?;
    let user = users
        .iter_mut()
        .find(|u| u.name == name)
        .ok_or_else(|| CurationError::NotFound(format!("no user {name:?}")))?;
    let token = new_token()?;
    user.token_sha256 = hash(&token);
    user.created = util::utc_datetime(SystemTime::now());
    write(path, &users)?;
    Ok(token)
}

/// Removes a user (their decisions stay, with their name).
pub fn remove(path: &Path, name: &str) -> Result<(), CurationError> {
    let mut users = read(path)?;
    let before = users.len();
    users.retain(|u| u.name != name);
    if users.len() == before {
        return Err(CurationError::NotFound(format!("no user {name:?}")));
    }
    write(path, &users)
}

/// The users of a running service: the file, reread when its bytes change (it is small; a
/// timestamp alone could miss a change made within the same clock tick).
#[derive(Debug)]
pub struct Users {
    path: Option<PathBuf>,
    cache: Mutex<(Option<Vec<u8>>, Vec<User>)>,
}

impl Users {
    /// The users kept in `path` (`None`: nobody can sign in).
    pub fn new(path: Option<PathBuf>) -> Self {
        Self {
            path,
            cache: Mutex::new((None, Vec::new())),
        }
    }

    /// The user holding `token`, if any.
    pub fn authenticate(&self, token: &str) -> Result<Option<User>, CurationError> {
        let Some(path) = &self.path else {
            return Ok(None);
        };
        let bytes = match std::fs::read(path) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(CurationError::Io(path.clone(), e)),
        };
        let mut cache = self
            .cache
            .lock()
            .map_err(|_| CurationError::Internal("users lock poisoned".into()))?;
        if cache.0 != bytes {
            let users = match &bytes {
                Some(b) => serde_json::from_slice(b).map_err(|e| {
                    CurationError::Internal(format!("{}: not a users file: {e}", path.display()))
                })?,
                None => Vec::new(),
            };
            *cache = (bytes, users);
        }
        let wanted = hash(token);
        Ok(cache.1.iter().find(|u| u.token_sha256 == wanted).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_kept_hashed_and_authenticate() {
        let dir = tempfile::tempdir().unwrap();
        let path = crate::store::StoreLayout::new(dir.path().join("store")).users();
        let token = add(&path, "ana", &[Role::Validator]).unwrap();
        assert!(token.starts_with("eld_") && token.len() == 68);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&token), "the token itself is never written");
        let users = Users::new(Some(path.clone()));
        let ana = users.authenticate(&token).unwrap().unwrap();
        assert_eq!(ana.name, "ana");
        assert!(ana.can(Role::Validator) && !ana.can(Role::Reviewer));
        assert!(users.authenticate("eld_wrong").unwrap().is_none());
        // a new token replaces the old one
        let newer = rotate(&path, "ana").unwrap();
        assert!(users.authenticate(&token).unwrap().is_none());
        assert!(users.authenticate(&newer).unwrap().is_some());
        assert!(matches!(
            add(&path, "ana", &[Role::Admin]),
            Err(CurationError::Exists(_))
        ));
        assert!(matches!(
            add(&path, "Ana Smith", &[Role::Admin]),
            Err(CurationError::Input(_))
        ));
        assert!(matches!(
            add(&path, "bo", &[]),
            Err(CurationError::Input(_))
        ));
        remove(&path, "ana").unwrap();
        assert!(users.authenticate(&newer).unwrap().is_none());
        assert!(matches!(
            remove(&path, "ana"),
            Err(CurationError::NotFound(_))
        ));
    }

    #[test]
    fn admins_have_every_role() {
        let u = User {
            name: "x".into(),
            roles: vec![Role::Admin],
            token_sha256: String::new(),
            created: String::new(),
        };
        assert!(u.can(Role::Validator) && u.can(Role::Reviewer));
        assert!(Role::parse("Reviewer").is_ok() && Role::parse("boss").is_err());
    }
}
