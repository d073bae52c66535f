//! Config errors that say where: file, line, column, key, and what is wrong.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One problem in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// Dotted key path, e.g. `feed[2].url`; empty for whole-file errors.
    pub key: String,
    /// What is wrong, echoing the bad value and what was expected.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found, in file order. Printed one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// A config file's text, to turn byte spans into lines.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Its path.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

impl SourceFile {
    /// An error at `span` of this file.
    pub fn error(
        &self,
        span: Option<Range<usize>>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError {
            file: self.path.clone(),
            position: span.map(|s| line_col(&self.text, s.start)),
            key: key.into(),
            message: message.into(),
        }
    }

    /// An error about the file as a whole.
    pub fn file_error(path: &Path, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: path.to_path_buf(),
            position: None,
            key: String::new(),
            message: message.into(),
        }
    }
}

/// The known word nearest to `given`, when it is near enough to be a typo:
/// at most a third of its letters differ (Damerau-Levenshtein, so a
/// swapped pair counts once).
pub fn closest<'a>(given: &str, known: &[&'a str]) -> Option<&'a str> {
    let given = given.to_lowercase();
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&given, &k.to_lowercase()), *k))
        .filter(|(d, k)| *d > 0 && *d * 3 <= k.chars().count().max(given.chars().count()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_the_known_name() {
        let known = ["customer-service", "tech", "marketing"];
        assert_eq!(closest("custmer-service", &known), Some("customer-service"));
        assert_eq!(closest("tehc", &known), Some("tech"));
        assert_eq!(closest("legal", &known), None);
        assert_eq!(
            closest("recipents", &["recipients", "name"]),
            Some("recipients")
        );
    }

    #[test]
    fn positions_are_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("é\nx", 3), (2, 1));
    }
}
