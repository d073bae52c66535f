//! Sentiment scoring: the VADER algorithm over its published English
//! lexicon (reproducing `vaderSentiment` 3.3.2 exactly).
//!
//! The lexicons ship as data files beside this module (`data/en`, MIT,
//! with their licence) and are compiled into the binary.

pub mod rules;
pub mod vader;

use std::sync::OnceLock;

use serde::Serialize;

pub use vader::Vader;

/// VADER's output: the shares of positive, neutral and negative words and
/// the normalised compound score in [-1, 1].
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Polarity {
    /// Negative share, rounded to 3 places as VADER does.
    pub neg: f64,
    /// Neutral share.
    pub neu: f64,
    /// Positive share.
    pub pos: f64,
    /// Compound score, rounded to 4 places.
    pub compound: f64,
}

/// The English VADER scorer over the published lexicon, built on first use.
pub fn english() -> &'static Vader {
    static ENGLISH: OnceLock<Vader> = OnceLock::new();
    ENGLISH.get_or_init(|| {
        Vader::new(
            include_str!("data/en/vader_lexicon.txt"),
            include_str!("data/en/emoji_utf8_lexicon.txt"),
            rules::Rules::english(),
        )
    })
}

#[cfg(test)]
mod tests;
