//! A mention's features: the words of its title and quote, folded, with
//! function words, short words and the brand's own terms removed, stemmed,
//! and mapped to the concepts of `data/concepts.tsv` (phrases first).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};

use crate::sentiment::Language;
use crate::text::fold::fold;

/// Words shorter than this carry no subject.
const MIN_LETTERS: usize = 3;
/// Features kept per mention: a long quote should not match everything.
const MAX_FEATURES: usize = 24;

/// One thing a mention is about: `#concept` or a word stem, with a word
/// that shows it to a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feature {
    /// `#delay`, or a stem such as `batteri`.
    pub key: String,
    /// The concept's name, or the first word seen with that stem.
    pub word: String,
    /// How much sharing it counts: 3 for a problem (refund, crash), 2 for
    /// a thing or circumstance (delivery, delay), 1 for a plain word.
    pub weight: u32,
}

/// Finds features: stop words, concepts and stemmers, built once.
pub struct Extractor {
    stop: HashSet<String>,
    /// Words as listed → (concept, weight): looked up first, with the
    /// word as written.
    words: HashMap<String, (String, u32)>,
    /// Per language: a listed word's stem in that language → (concept,
    /// weight), for the word's other forms.
    concepts: [HashMap<String, (String, u32)>; 2],
    /// Phrases of two or three folded words, as written ("class action",
    /// "fora do ar") → (concept, weight); matched before single words.
    phrases: HashMap<String, (String, u32)>,
    /// Concept key (`#refund`) → weight.
    weights: HashMap<String, u32>,
    /// Concept key → its name in English and in Portuguese, for labels.
    names: HashMap<String, (&'static str, &'static str)>,
    stemmers: [Stemmer; 2],
}

impl std::fmt::Debug for Extractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extractor")
            .field("stop_words", &self.stop.len())
            .field("concept_words", &self.concepts[0].len())
            .finish()
    }
}

/// Index of a language in the per-language arrays.
fn slot(language: Language) -> usize {
    match language {
        Language::En => 0,
        Language::Pt => 1,
    }
}

impl Extractor {
    /// The shipped stop words and concept table.
    pub fn standard() -> &'static Extractor {
        static EXTRACTOR: OnceLock<Extractor> = OnceLock::new();
        EXTRACTOR.get_or_init(|| {
            Extractor::new(
                include_str!("../data/stopwords.txt"),
                include_str!("../data/concepts.tsv"),
            )
        })
    }

    fn new(stop_words: &'static str, concepts: &'static str) -> Extractor {
        let content = |text: &'static str| text.lines().filter(|l| !l.starts_with('#'));
        let stemmers = [
            Stemmer::create(Algorithm::English),
            Stemmer::create(Algorithm::Portuguese),
        ];
        let mut maps: [HashMap<String, (String, u32)>; 2] = Default::default();
        let mut weights = HashMap::new();
        let mut listed_words = HashMap::new();
        let mut phrases = HashMap::new();
        let mut names = HashMap::new();
        for line in content(concepts) {
            let mut fields = line.split('\t');
            let (Some(concept), Some(weight), Some(name), Some(words)) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let value = (format!("#{concept}"), weight.trim().parse().unwrap_or(2));
            weights.insert(value.0.clone(), value.1);
            let (en, pt) = name.split_once('|').unwrap_or((name, name));
            names.insert(value.0.clone(), (en, pt));
            let (phrase_words, words): (Vec<&str>, Vec<&str>) =
                words.split_whitespace().partition(|w| w.contains('+'));
            for phrase in phrase_words {
                let key = fold(&phrase.replace('+', " "));
                phrases.entry(key).or_insert_with(|| value.clone());
            }
            for listed in words {
                // "=word" names the concept only as written: "connection"
                // is #network, "connected lamps" are not.
                let (exact, word) = match listed.strip_prefix('=') {
                    Some(word) => (true, fold(word)),
                    None => (false, fold(listed)),
                };
                // Each language's map holds its own stems, so that English
                // "processing" and Portuguese "processo" stay apart; the
                // first concept to claim a word or a stem keeps it.
                if !exact {
                    for (map, stemmer) in maps.iter_mut().zip(&stemmers) {
                        let stem = stemmer.stem(&word).into_owned();
                        map.entry(stem).or_insert_with(|| value.clone());
                    }
                }
                listed_words.entry(word).or_insert_with(|| value.clone());
            }
        }
        Extractor {
            stop: content(stop_words)
                .flat_map(str::split_whitespace)
                .map(fold)
                .collect(),
            words: listed_words,
            concepts: maps,
            phrases,
            weights,
            names,
            stemmers,
        }
    }

    /// The longest phrase (three words, then two) starting the tokens,
    /// with its length.
    fn phrase_at(&self, tokens: &[(&str, String)]) -> Option<(usize, &(String, u32))> {
        (2..=3.min(tokens.len())).rev().find_map(|len| {
            let words: Vec<&str> = tokens[..len].iter().map(|(_, f)| f.as_str()).collect();
            self.phrases.get(&words.join(" ")).map(|value| (len, value))
        })
    }

    /// The name of concept `key` (`#refund`) in English or Portuguese.
    pub fn name(&self, key: &str, portuguese: bool) -> Option<&'static str> {
        self.names
            .get(key)
            .map(|&(en, pt)| if portuguese { pt } else { en })
    }

    /// The weight of concept `key` (`#refund`); plain words weigh 1.
    pub fn weight(&self, key: &str) -> u32 {
        self.weights.get(key).copied().unwrap_or(1)
    }

    /// The features of `text` in `language`, leaving out `exclude` (the
    /// brand's own terms, folded), first occurrence first.
    pub fn features(&self, text: &str, exclude: &[String], language: Language) -> Vec<Feature> {
        let excluded: HashSet<&str> = exclude.iter().flat_map(|t| t.split_whitespace()).collect();
        let (stemmer, concepts) = (
            &self.stemmers[slot(language)],
            &self.concepts[slot(language)],
        );
        let tokens: Vec<(&str, String)> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|raw| !raw.is_empty())
            .map(|raw| (raw, fold(raw)))
            .collect();
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut skip = 0;
        for (i, (raw, folded)) in tokens.iter().enumerate() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            if let Some((len, (concept, weight))) = self.phrase_at(&tokens[i..]) {
                skip = len - 1;
                let feature = Feature {
                    key: concept.clone(),
                    word: concept[1..].to_string(),
                    weight: *weight,
                };
                if seen.insert(feature.key.clone()) {
                    out.push(feature);
                    if out.len() == MAX_FEATURES {
                        break;
                    }
                }
                continue;
            }
            let word = folded.as_str();
            if word.chars().count() < MIN_LETTERS
                || word.chars().all(|c| c.is_ascii_digit())
                || self.stop.contains(word)
                || excluded.contains(word)
            {
                continue;
            }
            let stem = stemmer.stem(word);
            let feature = match self.words.get(word).or_else(|| concepts.get(stem.as_ref())) {
                Some((concept, weight)) => Feature {
                    key: concept.clone(),
                    word: concept[1..].to_string(),
                    weight: *weight,
                },
                // Shown as written (accents kept), in lower case.
                None => Feature {
                    key: stem.into_owned(),
                    word: raw.to_lowercase(),
                    weight: 1,
                },
            };
            if seen.insert(feature.key.clone()) {
                out.push(feature);
                if out.len() == MAX_FEATURES {
                    break;
                }
            }
        }
        out
    }
}
