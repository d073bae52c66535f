//! Which lexicon scores a text: language detection (whatlang) restricted
//! to the languages there is a scorer for, or the languages a brand pins.

use std::sync::OnceLock;

use serde::Serialize;
use whatlang::{Detector, Lang};

/// A language with a scorer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English: VADER 3.3.2, exact.
    En,
    /// Portuguese: VADER's rules over repaired LeIA.
    Pt,
}

impl Language {
    /// Every language with a scorer.
    pub const ALL: [Language; 2] = [Language::En, Language::Pt];

    /// ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Pt => "pt",
        }
    }

    /// The language for an ISO 639-1 code, if there is a scorer for it.
    pub fn from_code(code: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.code() == code)
    }

    /// Name of the lexicon that scores it, recorded on each mention.
    pub fn lexicon(self) -> &'static str {
        match self {
            Language::En => "vader-en-3.3.2",
            Language::Pt => "leia-pt+vigia",
        }
    }

    fn whatlang(self) -> Lang {
        match self {
            Language::En => Lang::Eng,
            Language::Pt => Lang::Por,
        }
    }
}

/// The language of `text` among `allowed` (every language with a scorer
/// when empty). A single allowed language is taken as is; an undetectable
/// text falls back to the first allowed one, English by default.
pub fn detect(text: &str, allowed: &[Language]) -> Language {
    let allowed = if allowed.is_empty() {
        &Language::ALL[..]
    } else {
        allowed
    };
    if let [only] = allowed {
        return *only;
    }
    let found = if allowed == Language::ALL {
        static ALL: OnceLock<Detector> = OnceLock::new();
        ALL.get_or_init(|| detector(&Language::ALL))
            .detect_lang(text)
    } else {
        detector(allowed).detect_lang(text)
    };
    found
        .and_then(|lang| allowed.iter().copied().find(|l| l.whatlang() == lang))
        .unwrap_or(allowed[0])
}

fn detector(allowed: &[Language]) -> Detector {
    Detector::with_allowlist(allowed.iter().map(|l| l.whatlang()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_among_the_scored_languages() {
        assert_eq!(
            detect("Comprei duas lâmpadas e uma já queimou, quero a troca", &[]),
            Language::Pt
        );
        assert_eq!(
            detect("I bought two bulbs and one already burned out", &[]),
            Language::En
        );
        assert_eq!(
            detect("Comprei duas lâmpadas", &[Language::En]),
            Language::En,
            "pinned"
        );
        assert_eq!(detect("", &[]), Language::En, "nothing to go on: English");
        assert_eq!(Language::from_code("pt"), Some(Language::Pt));
        assert_eq!(Language::from_code("fr"), None);
    }
}
