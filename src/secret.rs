//! Passwords: read from the environment or a file when needed, never
//! from the config file, and never said in an error or a log.

use std::path::PathBuf;

/// Where a password comes from. Never the config file itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// This environment variable.
    Env(String),
    /// This file (e.g. `$CREDENTIALS_DIRECTORY/imap`), trailing newline dropped.
    File(PathBuf),
}

/// Why a password could not be read: where it was looked for, never what
/// it is.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The environment variable is not set.
    #[error("environment variable {0} is not set")]
    NotSet(String),
    /// The file could not be read.
    #[error("cannot read password file {}: {error}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
}

impl PasswordSource {
    /// The password, with a trailing newline dropped.
    pub fn read(&self) -> Result<String, SecretError> {
        match self {
            PasswordSource::Env(var) => {
                std::env::var(var).map_err(|_| SecretError::NotSet(var.clone()))
            }
            PasswordSource::File(path) => std::fs::read_to_string(path)
                .map(|p| p.trim_end_matches(['\r', '\n']).to_string())
                .map_err(|error| SecretError::Unreadable {
                    path: path.clone(),
                    error,
                }),
        }
    }
}
