//! Sentiment scoring: the VADER algorithm over its published English
//! lexicon (reproducing `vaderSentiment` 3.3.2 exactly), and the same
//! rules adapted to Portuguese over a repaired LeIA lexicon.
//!
//! The lexicons ship as data files beside this module (`data/en`: VADER,
//! MIT; `data/pt`: LeIA, MIT, plus Vigia's additions and removals) and are
//! compiled into the binary.

pub mod language;
pub mod portuguese;
pub mod rules;
pub mod vader;

use std::sync::OnceLock;

use serde::Serialize;

pub use language::Language;
pub use portuguese::Portuguese;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// Compound at or below the negative threshold.
    Negative,
    /// Between the thresholds.
    #[default]
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
    fn new(
        polarity: Polarity,
        language: Language,
        thresholds: &Thresholds,
        layers: Layers,
    ) -> Sentiment {
        Sentiment {
            polarity,
            label: thresholds.label(polarity.compound),
            language,
            lexicon: match layers {
                Layers::Reference => language.lexicon(),
                Layers::BrandRisk => language.lexicon_with_risk(),
            },
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
    portuguese: Portuguese,
    layers: Layers,
}

/// What lies over the reference lexicons (before the config's words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layers {
    /// VADER 3.3.2 and the repaired LeIA as they are: `vigia score
    /// --lexicon vader`, for comparing with the reference implementation.
    Reference,
    /// The brand-risk words on top (`data/*/brand_risk.tsv`): how mentions
    /// are scored.
    BrandRisk,
}

impl Scorers {
    /// The standard lexicons, changed by `overrides` (brand slang: "sick"
    /// may be good, "bug" bad). English without overrides is exactly VADER.
    ///
    /// An override also sets the word's inflected forms (`recall` sets
    /// `recalls`, `recalled`, `recalling`; `golpe` sets `golpes`) unless
    /// the lexicon or another override has an entry of its own for one.
    ///
    /// Under the config's words lies the brand-risk layer ([`Layers`]):
    /// words that are bad news for a brand ("recall", "outage", "fora do
    /// ar"), which the reference lexicons leave out or value mildly.
    pub fn new(overrides: &[Override]) -> Scorers {
        Scorers::with_layers(overrides, Layers::BrandRisk)
    }

    /// The lexicons with `layers` under the config's `overrides`.
    pub fn with_layers(overrides: &[Override], layers: Layers) -> Scorers {
        let risk = |language: Language| -> Vec<(String, f64)> {
            if layers == Layers::Reference {
                return Vec::new();
            }
            let data = match language {
                Language::En => include_str!("data/en/brand_risk.tsv"),
                Language::Pt => include_str!("data/pt/brand_risk.tsv"),
            };
            data.lines()
                .filter(|l| !l.starts_with('#'))
                .filter_map(|l| {
                    let mut f = l.split('\t');
                    Some((f.next()?.to_lowercase(), f.next()?.parse().ok()?))
                })
                .collect()
        };
        let pick = |language: Language, base: &Vader| -> Vec<(String, f64)> {
            let mut chosen: Vec<(String, f64)> = overrides
                .iter()
                .filter(|o| o.language == language)
                .map(|o| (o.word.to_lowercase(), o.valence))
                .collect();
            // The config's own entries win over the layer's.
            for (word, valence) in risk(language) {
                if !chosen.iter().any(|(c, _)| *c == word) {
                    chosen.push((word, valence));
                }
            }
            let named = |w: &str| chosen.iter().any(|(c, _)| c == w);
            let mut entries = chosen.clone();
            for (word, valence) in &chosen {
                for form in inflections(language, word) {
                    if !named(&form) && !base.knows(&form) {
                        entries.push((form, *valence));
                    }
                }
            }
            entries
        };
        // Built afresh rather than cloned from `english()` and
        // `portuguese()`: the daemon would hold both the tables it scores
        // with and the ones they were cloned from (3.9 MB more, measured).
        let (en, pt) = (build_english(), build_portuguese());
        let (en_words, pt_words) = (pick(Language::En, &en), pick(Language::Pt, pt.vader()));
        Scorers {
            english: en.with_overrides(&en_words),
            portuguese: pt.with_overrides(&pt_words),
            layers,
        }
    }

    /// Scores `text` in its language among `allowed` (all when empty).
    pub fn score(&self, text: &str, allowed: &[Language], thresholds: &Thresholds) -> Sentiment {
        let language = language::detect(text, allowed);
        let polarity = match language {
            Language::En => self.english.polarity_scores(text),
            Language::Pt => self.portuguese.polarity_scores(text),
        };
        Sentiment::new(polarity, language, thresholds, self.layers)
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
        let explanation = match language {
            Language::En => self.english.explain(text),
            Language::Pt => self.portuguese.explain(text),
        };
        let sentiment = Sentiment::new(explanation.polarity, language, thresholds, self.layers);
        (sentiment, explanation)
    }
}

/// The English VADER scorer over the published lexicon, built on first use.
pub fn english() -> &'static Vader {
    static ENGLISH: OnceLock<Vader> = OnceLock::new();
    ENGLISH.get_or_init(build_english)
}

/// The Portuguese scorer: VADER's rules with Portuguese rule words, over
/// LeIA's lexicon repaired (see [`portuguese_lexicon`]), on text prepared
/// by [`Portuguese::prepare`].
pub fn portuguese() -> &'static Portuguese {
    static PORTUGUESE: OnceLock<Portuguese> = OnceLock::new();
    PORTUGUESE.get_or_init(build_portuguese)
}

fn build_english() -> Vader {
    Vader::new(
        include_str!("data/en/vader_lexicon.txt"),
        include_str!("data/en/emoji_utf8_lexicon.txt"),
        rules::Rules::english(),
    )
}

fn build_portuguese() -> Portuguese {
    let rules = rules::Rules::portuguese(include_str!("data/pt/booster.txt"));
    let (lexicon, phrases) = portuguese_lexicon(&rules);
    let vader = Vader::new(
        &lexicon,
        include_str!("data/pt/emoji_utf8_lexicon_ptbr.txt"),
        rules,
    );
    Portuguese::new(vader, &phrases)
}

/// LeIA's lexicon with its known defects repaired, and the expressions of
/// several words that [`Portuguese::prepare`] joins into one word:
/// - negation words are taken out (LeIA scores `nao` -1.2, which adds
///   negativity instead of negating), and so are the clause rules'
///   counterfactual markers (LeIA scores `esperava` 1.6, from "hoped";
///   the rule makes it neutral and negates what follows);
/// - entries listed in `data/pt/vigia_removals.tsv` are taken out: words
///   LeIA gives a valence they lack in Portuguese (`para`, "for", from
///   "stop"; `autor`; `romance`, "novel") and words whose common readings
///   disagree (`caro`, "dear" and "expensive");
/// - entries it lacks or mistranslates are added from
///   `data/pt/vigia_additions.tsv` (later lines win), valued as the
///   English VADER word they translate (its third column); an addition of
///   several words ("vale a pena", "deixa a desejar") is an expression,
///   keyed by its words joined with `_`. LeIA's own multi-word entries
///   are kept but never match: many are mistranslated;
/// - verbs get their regular conjugated forms with the same valence: from
///   an infinitive, present (six letters or more: shorter ones are often
///   nouns), preterite, imperfect, gerund and participle (`decepcionar` →
///   `decepcionou`, `decepcionei`); from a gerund, a third-person
///   preterite or an -ado participle, the past forms of its infinitive
///   (`adorando` → `adorei`);
/// - adjectives get their absolute superlative, one booster increment
///   stronger (`chato` → `chatissimo`);
/// - adjectives and participles get their missing gender and number forms
///   (`chato` → `chata`, `chatos`, `chatas`), and other words their
///   plural (`excelentes`, `agradaveis`, `piores`, `emocoes`), with the
///   same valence.
///
/// A form generated from two stems keeps the first; a real entry always
/// keeps its own value. Keys are folded (lower case, no accents), as
/// lookups are.
pub fn portuguese_lexicon(rules: &rules::Rules) -> (String, Vec<String>) {
    use crate::text::fold::fold;
    use portuguese::{gender_number_forms, phrase_key, superlative_forms, verb_forms};
    let mut entries: Vec<(String, String)> = Vec::new();
    let leia = include_str!("data/pt/vader_lexicon_ptbr.txt");
    let additions = include_str!("data/pt/vigia_additions.tsv");
    let removed: std::collections::HashSet<String> = include_str!("data/pt/vigia_removals.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').next())
        .map(|w| fold(w.trim()))
        .collect();
    let mut phrases = Vec::new();
    // LeIA's own multi-word entries stay as they are (never matched):
    // many are mistranslated. Vigia's are joined into one word.
    for (line, ours) in leia.lines().map(|l| (l, false)).chain(
        additions
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| (l, true)),
    ) {
        let mut fields = line.split('\t');
        if let (Some(word), Some(value)) = (fields.next(), fields.next()) {
            let mut word = fold(word.trim());
            let marker = rules
                .clause
                .as_ref()
                .is_some_and(|c| c.hypothetical.contains(&word));
            if !word.is_empty()
                && !rules.negations.contains(&word)
                && !marker
                && !removed.contains(&word)
            {
                if ours && word.contains(' ') {
                    phrases.push(word.clone());
                    word = phrase_key(&word);
                }
                entries.push((word, value.trim().to_string()));
            }
        }
    }
    // Each word once, with its last value (as the scorer reads it), for
    // the forms made from it.
    let mut last: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut words: Vec<(String, String)> = Vec::new();
    for (word, value) in &entries {
        match last.get(word.as_str()) {
            Some(&i) => words[i].1 = value.clone(),
            None => {
                last.insert(word, words.len());
                words.push((word.clone(), value.clone()));
            }
        }
    }
    let mut generated: std::collections::HashSet<String> =
        words.iter().map(|(w, _)| w.clone()).collect();
    let mut inflections: Vec<(String, String)> = Vec::new();
    let mut add = |form: String, value: String, inflections: &mut Vec<(String, String)>| {
        if !removed.contains(&form) && generated.insert(form.clone()) {
            inflections.push((form, value));
        }
    };
    for (word, value) in &words {
        for form in verb_forms(word) {
            add(form, value.clone(), &mut inflections);
        }
    }
    for (word, value) in &words {
        let Ok(valence) = value.parse::<f64>() else {
            continue;
        };
        // A booster's increment, away from zero ("chatissimo").
        let boosted = valence + rules::B_INCR.copysign(valence);
        for form in superlative_forms(word) {
            add(form, format!("{boosted:.3}"), &mut inflections);
        }
    }
    let stems: Vec<(String, String)> = words.iter().chain(&inflections).cloned().collect();
    for (word, value) in &stems {
        for form in gender_number_forms(word) {
            add(form, value.clone(), &mut inflections);
        }
    }
    // Inflected forms first, so that a real entry (later lines win) keeps
    // its own value when two stems produce the same form.
    let lexicon = inflections
        .iter()
        .chain(&entries)
        .map(|(w, v)| format!("{w}\t{v}\n"))
        .collect();
    (lexicon, phrases)
}

/// The inflected forms of a word set by the config: English plural,
/// past and gerund (with the consonant doubled too: `scam` → `scammed`);
/// Portuguese gender, number and verb forms, as the lexicon's own words
/// get them.
fn inflections(language: Language, word: &str) -> Vec<String> {
    if word.contains(' ') {
        return Vec::new();
    }
    match language {
        Language::Pt => {
            let folded = crate::text::fold::fold(word);
            let mut forms = portuguese::gender_number_forms(&folded);
            forms.extend(portuguese::verb_forms(&folded));
            forms
        }
        Language::En => {
            let mut forms = Vec::new();
            let stem = word.strip_suffix('e').unwrap_or(word);
            if word.ends_with(['s', 'x', 'z']) || word.ends_with("ch") || word.ends_with("sh") {
                forms.push(format!("{word}es"));
            } else if let Some(y) = word.strip_suffix('y') {
                forms.extend([format!("{y}ies"), format!("{y}ied"), format!("{word}s")]);
            } else {
                forms.push(format!("{word}s"));
            }
            forms.extend([format!("{stem}ed"), format!("{stem}ing")]);
            if let Some(last) = word.chars().last().filter(|c| !"aeiouwxy".contains(*c)) {
                forms.extend([format!("{word}{last}ed"), format!("{word}{last}ing")]);
            }
            forms.retain(|f| f != word);
            forms
        }
    }
}

/// What stands in for a brand's name in a text to score: a word neither
/// lexicon knows, that no rule (negation, booster, contrast) reads.
const NAME_STANDIN: &str = "Brand";

/// `text` with the `spans` that name a brand replaced by a word no lexicon
/// scores: a brand called Pay, Smart, Happy or Sol must not score itself,
/// while the words around it keep their places (negation and booster
/// windows count words).
pub fn without_names(text: &str, spans: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for &(start, end) in spans {
        if start < at || end > text.len() {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(NAME_STANDIN);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod clause_tests;
#[cfg(test)]
mod tests;
