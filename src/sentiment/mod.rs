//! Sentiment scoring: the VADER algorithm over its published English
//! lexicon (reproducing `vaderSentiment` 3.3.2 exactly), and the same
//! rules adapted to Portuguese over a repaired LeIA lexicon.
//!
//! The lexicons ship as data files beside this module (`data/en`: VADER,
//! MIT; `data/pt`: LeIA, MIT, plus Vigia's additions) and are compiled
//! into the binary.

pub mod language;
pub mod rules;
pub mod vader;

use std::sync::OnceLock;

use serde::Serialize;

pub use language::Language;
pub use vader::{Explanation, Rule, Step, Vader, WordScore};

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

/// Negative, neutral or positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// Compound at or below the negative threshold.
    Negative,
    /// Between the thresholds.
    Neutral,
    /// Compound at or above the positive threshold.
    Positive,
}

/// Where the labels start: VADER's ±0.05 by default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Compound at or above this is positive.
    pub positive: f64,
    /// Compound at or below this is negative.
    pub negative: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            positive: 0.05,
            negative: -0.05,
        }
    }
}

impl Thresholds {
    /// The label for a compound score.
    pub fn label(&self, compound: f64) -> Label {
        if compound >= self.positive {
            Label::Positive
        } else if compound <= self.negative {
            Label::Negative
        } else {
            Label::Neutral
        }
    }
}

/// A text's sentiment and what scored it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sentiment {
    /// The scores.
    #[serde(flatten)]
    pub polarity: Polarity,
    /// The label from the compound.
    pub label: Label,
    /// The language it was scored in.
    pub language: Language,
    /// The lexicon that scored it.
    pub lexicon: &'static str,
}

impl Sentiment {
    fn new(polarity: Polarity, language: Language, thresholds: &Thresholds) -> Sentiment {
        Sentiment {
            polarity,
            label: thresholds.label(polarity.compound),
            language,
            lexicon: language.lexicon(),
        }
    }
}

/// A word's valence set by the config, for one language's lexicon.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The lexicon it changes.
    pub language: Language,
    /// The word, as written (folded for Portuguese lookups).
    pub word: String,
    /// Its valence, -4 to 4 like VADER's.
    pub valence: f64,
}

/// The scorers for every language, with the config's overrides applied.
#[derive(Debug, Clone)]
pub struct Scorers {
    english: Vader,
    portuguese: Vader,
}

impl Scorers {
    /// The standard lexicons, changed by `overrides` (brand slang: "sick"
    /// may be good, "bug" bad). English without overrides is exactly VADER.
    pub fn new(overrides: &[Override]) -> Scorers {
        let pick = |language: Language| -> Vec<(String, f64)> {
            overrides
                .iter()
                .filter(|o| o.language == language)
                .map(|o| (o.word.clone(), o.valence))
                .collect()
        };
        Scorers {
            english: english().with_overrides(&pick(Language::En)),
            portuguese: portuguese().with_overrides(&pick(Language::Pt)),
        }
    }

    /// Scores `text` in its language among `allowed` (all when empty).
    pub fn score(&self, text: &str, allowed: &[Language], thresholds: &Thresholds) -> Sentiment {
        let language = language::detect(text, allowed);
        let polarity = self.scorer(language).polarity_scores(text);
        Sentiment::new(polarity, language, thresholds)
    }

    /// Scores `text` as [`Scorers::score`] does, and says why: each word's
    /// valence and the rules that changed it.
    pub fn explain(
        &self,
        text: &str,
        allowed: &[Language],
        thresholds: &Thresholds,
    ) -> (Sentiment, Explanation) {
        let language = language::detect(text, allowed);
        let explanation = self.scorer(language).explain(text);
        let sentiment = Sentiment::new(explanation.polarity, language, thresholds);
        (sentiment, explanation)
    }

    fn scorer(&self, language: Language) -> &Vader {
        match language {
            Language::En => &self.english,
            Language::Pt => &self.portuguese,
        }
    }
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

/// The Portuguese scorer: VADER's rules with Portuguese rule words, over
/// LeIA's lexicon repaired (see [`portuguese_lexicon`]).
pub fn portuguese() -> &'static Vader {
    static PORTUGUESE: OnceLock<Vader> = OnceLock::new();
    PORTUGUESE.get_or_init(|| {
        let rules = rules::Rules::portuguese(include_str!("data/pt/booster.txt"));
        let lexicon = portuguese_lexicon(&rules);
        Vader::new(
            &lexicon,
            include_str!("data/pt/emoji_utf8_lexicon_ptbr.txt"),
            rules,
        )
    })
}

/// LeIA's lexicon with its known defects repaired:
/// - negation words are taken out (LeIA scores `nao` -1.2, which adds
///   negativity instead of negating);
/// - entries it lacks or mistranslates are added from
///   `data/pt/vigia_additions.tsv`, valued as the English VADER word they
///   translate;
/// - adjectives and participles get their missing gender and number forms
///   (`chato` → `chata`, `chatos`, `chatas`), with the same valence.
///
/// Keys are folded (lower case, no accents), as lookups are.
pub fn portuguese_lexicon(rules: &rules::Rules) -> String {
    use crate::pipeline::fold::fold;
    let mut entries: Vec<(String, String)> = Vec::new();
    let leia = include_str!("data/pt/vader_lexicon_ptbr.txt");
    let additions = include_str!("data/pt/vigia_additions.tsv");
    for line in leia
        .lines()
        .chain(additions.lines().filter(|l| !l.starts_with('#')))
    {
        let mut fields = line.split('\t');
        if let (Some(word), Some(value)) = (fields.next(), fields.next()) {
            let word = fold(word.trim());
            if !word.is_empty() && !rules.negations.contains(&word) {
                entries.push((word, value.trim().to_string()));
            }
        }
    }
    let known: std::collections::HashSet<String> = entries.iter().map(|(w, _)| w.clone()).collect();
    let mut inflections = Vec::new();
    for (word, value) in &entries {
        for form in gender_number_forms(word) {
            if !known.contains(&form) {
                inflections.push((form, value.clone()));
            }
        }
    }
    // Inflected forms first, so that a real entry (later lines win) keeps
    // its own value when two stems produce the same form.
    inflections
        .iter()
        .chain(&entries)
        .map(|(w, v)| format!("{w}\t{v}\n"))
        .collect()
}

/// The other gender and number forms of a Portuguese adjective or
/// participle ending in -o, -a, -os or -as. Words under five letters are
/// left alone: they are mostly nouns (`caro` would make `cara`, "face").
fn gender_number_forms(word: &str) -> Vec<String> {
    if word.contains(' ') || word.chars().count() < 5 {
        return Vec::new();
    }
    let stem = ["os", "as", "o", "a"]
        .iter()
        .find_map(|end| word.strip_suffix(end).map(|stem| stem.to_string()));
    match stem {
        Some(stem) => ["o", "a", "os", "as"]
            .iter()
            .map(|end| format!("{stem}{end}"))
            .filter(|f| f != word)
            .collect(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
