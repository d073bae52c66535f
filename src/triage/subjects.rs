//! Recurring subjects: what a mention is about, as features (concepts and
//! word stems), and the profile of a subject its mentions build up.
//!
//! A mention's features are the words of its title and quote, folded, with
//! function words, short words and the brand's own terms removed, stemmed
//! (Snowball, in the mention's language), and mapped to a concept when the
//! concept table (`data/concepts.tsv`) names them: "late", "delayed",
//! "atrasada" are all `#delay`, so "late delivery" said five ways shares
//! `#delivery` and `#delay`. A mention joins the subject whose core it
//! overlaps most, when the overlap weighs at least [`JOIN_WEIGHT`]: one
//! problem concept (refund, crash: 3), or a circumstance (delivery, delay:
//! 2) and something else, or three plain words.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};

use crate::pipeline::fold::fold;
use crate::sentiment::Language;

/// Overlap a mention needs with a subject's core to join it.
pub const JOIN_WEIGHT: u32 = 3;
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
    /// Per language: a word or its stem in that language → (concept, weight).
    concepts: [HashMap<String, (String, u32)>; 2],
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
                include_str!("data/stopwords.txt"),
                include_str!("data/concepts.tsv"),
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
        for line in content(concepts) {
            let mut fields = line.split('\t');
            let (Some(concept), Some(weight), Some(words)) =
                (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let value = (format!("#{concept}"), weight.trim().parse().unwrap_or(2));
            for word in words.split_whitespace().map(fold) {
                // Each language's map holds its own stems, so that English
                // "processing" and Portuguese "processo" stay apart; the
                // first concept to claim a word keeps it.
                for (map, stemmer) in maps.iter_mut().zip(&stemmers) {
                    let stem = stemmer.stem(&word).into_owned();
                    map.entry(stem).or_insert_with(|| value.clone());
                    map.entry(word.clone()).or_insert_with(|| value.clone());
                }
            }
        }
        Extractor {
            stop: content(stop_words)
                .flat_map(str::split_whitespace)
                .map(fold)
                .collect(),
            concepts: maps,
            stemmers,
        }
    }

    /// The features of `text` in `language`, leaving out `exclude` (the
    /// brand's own terms, folded), first occurrence first.
    pub fn features(&self, text: &str, exclude: &[String], language: Language) -> Vec<Feature> {
        let excluded: HashSet<&str> = exclude.iter().flat_map(|t| t.split_whitespace()).collect();
        let (stemmer, concepts) = (
            &self.stemmers[slot(language)],
            &self.concepts[slot(language)],
        );
        let folded = fold(text);
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for word in folded.split(|c: char| !c.is_alphanumeric()) {
            if word.chars().count() < MIN_LETTERS
                || word.chars().all(|c| c.is_ascii_digit())
                || self.stop.contains(word)
                || excluded.contains(word)
            {
                continue;
            }
            let stem = stemmer.stem(word);
            let feature = match concepts.get(word).or_else(|| concepts.get(stem.as_ref())) {
                Some((concept, weight)) => Feature {
                    key: concept.clone(),
                    word: concept[1..].to_string(),
                    weight: *weight,
                },
                None => Feature {
                    key: stem.into_owned(),
                    word: word.to_string(),
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

/// What a subject's mentions are about: how many mentions have each
/// feature.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Mentions in the subject.
    pub members: u32,
    /// Feature key → (mentions having it, word to show).
    pub features: BTreeMap<String, (u32, String)>,
}

impl Profile {
    /// A subject's profile with its first mention.
    pub fn of(features: &[Feature]) -> Profile {
        let mut profile = Profile::default();
        profile.add(features);
        profile
    }

    /// Adds a mention's features.
    pub fn add(&mut self, features: &[Feature]) {
        self.members += 1;
        for f in features {
            self.features
                .entry(f.key.clone())
                .or_insert_with(|| (0, f.word.clone()))
                .0 += 1;
        }
    }

    /// How much `features` overlap the core of this subject: the features
    /// at least a third of its mentions share (all of them while it is
    /// small), so that one long mention does not pull unrelated ones in.
    pub fn overlap(&self, features: &[Feature]) -> u32 {
        features
            .iter()
            .filter(|f| {
                self.features
                    .get(&f.key)
                    .is_some_and(|(count, _)| count * 3 >= self.members)
            })
            .map(|f| f.weight)
            .sum()
    }

    /// A short name: the three most shared features, concepts first on ties.
    pub fn label(&self) -> String {
        let mut ranked: Vec<(&String, &(u32, String))> = self.features.iter().collect();
        ranked.sort_by(|a, b| {
            b.1 .0
                .cmp(&a.1 .0)
                .then_with(|| b.0.starts_with('#').cmp(&a.0.starts_with('#')))
                .then_with(|| a.0.cmp(b.0))
        });
        let words: Vec<&str> = ranked
            .iter()
            .take(3)
            .map(|(_, (_, w))| w.as_str())
            .collect();
        if words.is_empty() {
            "(no subject words)".to_string()
        } else {
            words.join(" · ")
        }
    }
}

/// The best subject for `features` among `(id, profile)` candidates: the
/// largest overlap of at least [`JOIN_WEIGHT`], the most recent on ties.
pub fn best_subject<'a>(
    features: &[Feature],
    candidates: impl IntoIterator<Item = (i64, &'a Profile)>,
) -> Option<i64> {
    candidates
        .into_iter()
        .map(|(id, profile)| (profile.overlap(features), id))
        .filter(|(overlap, _)| *overlap >= JOIN_WEIGHT)
        .max()
        .map(|(_, id)| id)
}

#[cfg(test)]
mod tests;
