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

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::sentiment::{Label, Language};

mod features;

pub use features::{Extractor, Feature};

/// Overlap a mention needs with a subject's core to join it.
pub const JOIN_WEIGHT: u32 = 3;
/// What a subject's mentions are about: how many mentions have each
/// feature, and how many were complaints and how many praise.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Mentions in the subject.
    pub members: u32,
    /// Feature key → (mentions having it, word to show).
    pub features: BTreeMap<String, (u32, String)>,
    /// Members scored negative.
    #[serde(default)]
    pub negative: u32,
    /// Members scored positive.
    #[serde(default)]
    pub positive: u32,
    /// The language of its first mention (`en`, `pt`), for its label.
    #[serde(default)]
    pub language: Option<String>,
}

/// How clearly a mention must lean to count as a complaint or as praise
/// for its subject: a lexicon's mild leanings ("prometeu", "venceu") must
/// not split one subject in two.
const CLEAR_TONE: f64 = 0.5;

/// A mention's tone for subjects: negative or positive only when its
/// compound is clearly so.
pub fn tone(compound: f64) -> Label {
    if compound <= -CLEAR_TONE {
        Label::Negative
    } else if compound >= CLEAR_TONE {
        Label::Positive
    } else {
        Label::Neutral
    }
}

/// The concept of praise (`data/concepts.tsv`).
const PRAISE: &str = "#praise";

/// Weight of a concept that makes a subject on its own: a problem (refund,
/// crash) or an event (a funding round).
const CORE_WEIGHT: u32 = 3;

impl Profile {
    /// A subject's profile with its first mention, in `language`.
    pub fn of(features: &[Feature], tone: Label, language: Language) -> Profile {
        let mut profile = Profile {
            language: Some(language.code().to_string()),
            ..Profile::default()
        };
        profile.add(features, tone);
        profile
    }

    /// Adds a mention's features and tone.
    pub fn add(&mut self, features: &[Feature], tone: Label) {
        self.members += 1;
        match tone {
            Label::Negative => self.negative += 1,
            Label::Positive => self.positive += 1,
            Label::Neutral => {}
        }
        for f in features {
            self.features
                .entry(f.key.clone())
                .or_insert_with(|| (0, f.word.clone()))
                .0 += 1;
        }
        // A large subject forgets the rarest plain words outside its core,
        // so that its profile (read for every new mention that might join
        // it) stays small. Concepts (a few dozen at most) and the words of
        // the mention just added stay, so a new problem can still grow
        // into the core.
        if self.features.len() > PROFILE_FEATURES {
            let members = self.members;
            let mut weak: Vec<(u32, String)> = self
                .features
                .iter()
                .filter(|(key, (count, _))| {
                    !key.starts_with('#')
                        && !is_core(key, *count, members)
                        && !features.iter().any(|f| f.key == **key)
                })
                .map(|(key, (count, _))| (*count, key.clone()))
                .collect();
            weak.sort_unstable();
            let excess = self.features.len().saturating_sub(PROFILE_FEATURES);
            for (_, key) in weak.into_iter().take(excess) {
                self.features.remove(&key);
            }
        }
    }

    /// Whether feature `key` is in the subject's core: a concept shared by
    /// at least a third of its mentions, a plain word by half (all of them
    /// while it is small), so that one long mention does not pull
    /// unrelated ones in.
    fn core(&self, key: &str) -> bool {
        self.features
            .get(key)
            .is_some_and(|(count, _)| is_core(key, *count, self.members))
    }

    /// How much `features` overlap the core of this subject.
    pub fn overlap(&self, features: &[Feature]) -> u32 {
        features
            .iter()
            .filter(|f| self.core(&f.key))
            .map(|f| f.weight)
            .sum()
    }

    /// Whether a mention with `features` and `tone` may join: it is about
    /// the same thing (a problem or event concept in common when either
    /// has one, else enough overlap), and it is not praise joining
    /// complaints or a complaint joining praise.
    pub fn admits(&self, features: &[Feature], tone: Label) -> bool {
        let shared = features
            .iter()
            .filter(|f| self.features.contains_key(&f.key))
            .map(|f| f.weight)
            .sum();
        if !may_admit(shared) {
            return false;
        }
        let opposed = match tone {
            Label::Positive => self.negative > self.positive,
            Label::Negative => self.positive > self.negative,
            Label::Neutral => false,
        };
        // Praise ("chegou antes do prazo, parabéns") is its own subject,
        // never one more mention of the complaint it sounds like.
        let praise = features.iter().any(|f| f.key == PRAISE) && tone != Label::Negative;
        if opposed || praise != self.core(PRAISE) {
            return false;
        }
        let strong = |f: &&Feature| f.weight >= CORE_WEIGHT;
        let mine: Vec<&Feature> = features.iter().filter(strong).collect();
        // A subject about a problem (most of its mentions, two at least,
        // name it) takes only mentions that name that problem too.
        let mut theirs = self.features.iter().filter(|(key, (count, _))| {
            key.starts_with('#')
                && *count >= 2
                && *count * 2 > self.members
                && self.weight_of(key) >= CORE_WEIGHT
        });
        let named = |key: &String| features.iter().any(|f| f.key == *key);
        let mut any = false;
        for (key, _) in theirs.by_ref() {
            any = true;
            if !named(key) {
                return false;
            }
        }
        // Praise of one thing is not praise of another (the delivery
        // beside the app): when both name things, the subject's usual
        // thing must be among the mention's.
        let things = |key: &String| {
            key.starts_with('#') && key != PRAISE && self.weight_of(key) < CORE_WEIGHT
        };
        let their_things: Vec<&String> = self
            .features
            .iter()
            .filter(|(key, (count, _))| things(key) && *count >= 2 && *count * 2 > self.members)
            .map(|(key, _)| key)
            .collect();
        let mine_name_things = features.iter().any(|f| things(&f.key));
        if praise
            && mine_name_things
            && !their_things.is_empty()
            && !their_things.iter().any(|k| named(k))
        {
            return false;
        }
        if !mine.is_empty() || any {
            return mine.iter().any(|f| self.core(&f.key));
        }
        self.overlap(features) >= JOIN_WEIGHT
    }

    /// The weight a concept key has (plain words weigh 1).
    fn weight_of(&self, key: &str) -> u32 {
        Extractor::standard().weight(key)
    }

    /// A short name, as a person would write it in the subject's language:
    /// its problem and what it is about ("app crash", "atraso na
    /// entrega", "lâmpada: defeito"), from the concepts and words most of
    /// its mentions share.
    pub fn label(&self) -> String {
        let portuguese = self.language.as_deref() == Some("pt");
        let extractor = Extractor::standard();
        let mut ranked: Vec<(&String, &(u32, String))> = self
            .features
            .iter()
            // Plain words only when most mentions share them (a word of one
            // mention of two names nothing shared).
            .filter(|(key, (count, _))| {
                key.starts_with('#')
                    || (count * 2 >= self.members && (*count >= 2 || self.members == 1))
            })
            .collect();
        ranked.sort_by(|a, b| {
            b.1 .0
                .cmp(&a.1 .0)
                .then_with(|| extractor.weight(b.0).cmp(&extractor.weight(a.0)))
                .then_with(|| a.0.cmp(b.0))
        });
        let name = |key: &str, word: &str| -> String {
            extractor
                .name(key, portuguese)
                .map_or_else(|| word.to_string(), str::to_string)
        };
        // Praise names itself first: "praise: delivery", "elogio: preço".
        let praise = self.core(PRAISE).then_some(PRAISE);
        // The problem most of its mentions name, not one a single mention
        // brought in.
        let problem = ranked
            .iter()
            .find(|(key, (count, _))| {
                extractor.weight(key) >= CORE_WEIGHT
                    && key.as_str() != PRAISE
                    && count * 2 >= self.members
            })
            .filter(|_| praise.is_none());
        let about = ranked.iter().find(|(key, _)| {
            Some(key) != problem.map(|p| &p.0)
                && key.as_str() != PRAISE
                && (praise.is_some() || extractor.weight(key) < CORE_WEIGHT)
        });
        if let Some(key) = praise {
            let first = name(key, "");
            return match about {
                Some((a, (_, aw))) => format!("{first}: {}", name(a, aw)),
                None => first,
            };
        }
        match (problem, about) {
            (Some((p, (_, pw))), Some((a, (_, aw)))) => {
                let (p, a) = (name(p, pw), name(a, aw));
                if portuguese {
                    format!("{p}: {a}")
                } else {
                    format!("{a} {p}")
                }
            }
            (Some((p, (_, pw))), None) => name(p, pw),
            (None, _) => {
                let words: Vec<String> = ranked
                    .iter()
                    .take(2)
                    .map(|(k, (_, w))| name(k, w))
                    .collect();
                if words.is_empty() {
                    "(no subject words)".to_string()
                } else {
                    words.join(", ")
                }
            }
        }
    }
}

/// Where a mention goes among its brand's recent subjects.
#[derive(Debug, Clone, PartialEq)]
pub enum Placement {
    /// Into subject `id`, whose profile becomes this.
    Join(i64, Profile),
    /// Into a new subject with this profile.
    New(Profile),
}

/// Places a mention (`features`, `tone`, `language`) among `subjects`:
/// the one [`best_subject`] picks, with the mention added to its profile,
/// or a new subject. The store loads the subjects and saves the result.
pub fn place(
    features: &[Feature],
    tone: Label,
    language: Language,
    subjects: Vec<(i64, Rc<Profile>)>,
) -> Placement {
    let best = best_subject(features, tone, subjects.iter().map(|(id, p)| (*id, &**p)));
    match best.and_then(|id| subjects.into_iter().find(|(s, _)| *s == id)) {
        Some((id, profile)) => {
            let mut profile = Rc::unwrap_or_clone(profile);
            profile.add(features, tone);
            Placement::Join(id, profile)
        }
        None => Placement::New(Profile::of(features, tone, language)),
    }
}

/// Whether feature `key`, had by `count` of a subject's `members`, is in
/// its core (see [`Profile::core`]).
fn is_core(key: &str, count: u32, members: u32) -> bool {
    let share = if key.starts_with('#') { 3 } else { 2 };
    count * share >= members
}

/// The most features a subject's profile keeps.
const PROFILE_FEATURES: usize = 64;

/// Whether a subject sharing features of this total weight with a mention
/// (whatever their counts) may take it at all: [`Profile::admits`] asks it
/// first, and the store reads no subject that fails it.
pub fn may_admit(shared_weight: u32) -> bool {
    shared_weight >= JOIN_WEIGHT
}

/// The best subject for a mention with `features` and `tone` among
/// `(id, profile)` candidates: of those that admit it
/// ([`Profile::admits`]), the largest overlap, the most recent on ties.
pub fn best_subject<'a>(
    features: &[Feature],
    tone: Label,
    candidates: impl IntoIterator<Item = (i64, &'a Profile)>,
) -> Option<i64> {
    candidates
        .into_iter()
        .filter(|(_, profile)| profile.admits(features, tone))
        .map(|(id, profile)| (profile.overlap(features), id))
        .max()
        .map(|(_, id)| id)
}

#[cfg(test)]
mod tests;
