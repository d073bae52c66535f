//! Which lexicon scores a text: language detection (whatlang) restricted
//! to the languages there is a scorer for, or the languages a brand pins.

use std::sync::OnceLock;

use serde::Serialize;
use whatlang::{Detector, Lang};

/// A language with a scorer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English: VADER 3.3.2, exact (the default).
    #[default]
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

    /// [`Language::lexicon`] with the brand-risk words on top.
    pub fn lexicon_with_risk(self) -> &'static str {
        match self {
            Language::En => "vader-en-3.3.2+risk",
            Language::Pt => "leia-pt+vigia+risk",
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
    let info = if allowed == Language::ALL {
        static ALL: OnceLock<Detector> = OnceLock::new();
        ALL.get_or_init(|| detector(&Language::ALL)).detect(text)
    } else {
        detector(allowed).detect(text)
    };
    let found = info.as_ref().and_then(|info| {
        allowed
            .iter()
            .copied()
            .find(|l| l.whatlang() == info.lang())
    });
    match (found, info) {
        (Some(language), Some(info)) if info.is_reliable() => language,
        // Short texts ("no problem", "Today SUX!") fool trigram statistics;
        // function words are better evidence there, and without any the
        // first allowed language stands.
        _ => by_function_words(text, allowed).unwrap_or(allowed[0]),
    }
}

/// Frequent function words that belong to one of the languages only
/// (words both use, such as "a", "no", "as", "do", are left out).
const FUNCTION_WORDS: [(Language, &[&str]); 2] = [
    (
        Language::En,
        &[
            "the", "an", "and", "is", "are", "was", "were", "be", "been", "it", "it's", "this",
            "that", "i", "i'm", "you", "he", "she", "we", "they", "my", "your", "of", "to", "in",
            "on", "for", "with", "not", "don't", "but", "have", "has", "had", "does", "did",
            "very", "just", "at", "what", "will", "can", "if", "or", "all", "so", "too", "from",
            "about", "would", "there", "their", "its", "am",
        ],
    ),
    (
        Language::Pt,
        &[
            "o", "os", "um", "uma", "de", "da", "dos", "das", "em", "na", "nas", "nos", "que", "é",
            "e", "não", "nao", "com", "para", "pra", "por", "se", "mas", "muito", "eu", "ele",
            "ela", "isso", "esse", "essa", "este", "esta", "foi", "tem", "meu", "minha", "você",
            "vc", "mais", "já", "também", "quando", "como", "ao", "à", "são", "está",
        ],
    ),
];

/// The allowed language with the most function words in `text`, if one
/// has strictly more than the others.
fn by_function_words(text: &str, allowed: &[Language]) -> Option<Language> {
    let mut counts = [0usize; FUNCTION_WORDS.len()];
    for word in text
        .split(|c: char| !c.is_alphabetic() && c != '\'' && c != '’')
        .filter(|w| !w.is_empty())
    {
        let word = word.to_lowercase().replace('’', "'");
        for (count, (_, words)) in counts.iter_mut().zip(&FUNCTION_WORDS) {
            *count += usize::from(words.contains(&word.as_str()));
        }
    }
    let mut ranked: Vec<(usize, Language)> = counts
        .iter()
        .zip(&FUNCTION_WORDS)
        .filter(|(_, (language, _))| allowed.contains(language))
        .map(|(count, (language, _))| (*count, *language))
        .collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.0));
    match ranked.as_slice() {
        [(best, language), rest @ ..] if *best > 0 && rest.iter().all(|(c, _)| c < best) => {
            Some(*language)
        }
        _ => None,
    }
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
        // Too short for trigrams (whatlang says Portuguese, unreliably):
        // function words decide, and without any English stands.
        assert_eq!(detect("Today SUX!", &[]), Language::En);
        assert_eq!(detect("no problem", &[]), Language::En);
        assert_eq!(detect("Que livro chato", &[]), Language::Pt);
        assert_eq!(
            detect("no problem", &[Language::Pt, Language::En]),
            Language::Pt,
            "a brand that lists Portuguese first falls back to it"
        );
        assert_eq!(Language::from_code("pt"), Some(Language::Pt));
        assert_eq!(Language::from_code("fr"), None);
    }
}
