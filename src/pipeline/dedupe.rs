//! Content fingerprints: the same story under different URLs is found by a
//! SimHash over word SHINGLEs.
//!
//! Each 3-word SHINGLE of the folded text is hashed to 64 bits; the
//! fingerprint's bit *i* is set when more SHINGLEs have bit *i* set than
//! not. Near-identical texts (a syndicated copy with a different footer, a
//! feed that rewrites its GUIDs) land within a few bits of each other,
//! unrelated texts about 32 bits apart. The threshold below is checked by
//! the tests in this module against a corpus of real feed items.

use std::collections::HashSet;

use xxhash_rust::xxh3::xxh3_64;

use crate::text::fold::Folded;

/// Largest Hamming distance at which two fingerprints are the same story.
pub const MAX_DISTANCE: u32 = 9;

/// Texts with fewer words are too short to fingerprint reliably; they are
/// deduplicated by URL only.
pub const MIN_WORDS: usize = 12;

/// Words per SHINGLE.
const SHINGLE: usize = 2;

/// A SimHash and the number of words it was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    /// The 64-bit SimHash.
    pub hash: u64,
    /// Words in the text.
    pub words: usize,
}

impl Fingerprint {
    /// Fingerprints a folded text.
    pub fn of(folded: &Folded) -> Fingerprint {
        let words: Vec<&str> = folded.words().collect();
        let mut counts = [0i32; 64];
        let mut add = |hash: u64| {
            for (bit, count) in counts.iter_mut().enumerate() {
                *count += if hash >> bit & 1 == 1 { 1 } else { -1 };
            }
        };
        if words.len() < SHINGLE {
            words.iter().for_each(|w| add(xxh3_64(w.as_bytes())));
        } else {
            for shingle in words.windows(SHINGLE) {
                add(xxh3_64(shingle.join(" ").as_bytes()));
            }
        }
        let hash = counts
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .fold(0u64, |h, (bit, _)| h | 1 << bit);
        Fingerprint {
            hash,
            words: words.len(),
        }
    }

    /// Whether this fingerprint is reliable enough for near-duplicate search.
    pub fn is_usable(&self) -> bool {
        self.words >= MIN_WORDS
    }

    /// Number of differing bits.
    pub fn distance(&self, other: u64) -> u32 {
        (self.hash ^ other).count_ones()
    }
}

/// Whether two titles can belong to the same story: either is empty, or
/// they share at least half their words (Jaccard), so that "Update: Acme
/// recalls bulbs" agrees with "Acme recalls bulbs" and two stories with
/// the same footer but different headlines do not.
pub fn titles_agree(a: &str, b: &str) -> bool {
    let (a, b) = (Folded::new(a), Folded::new(b));
    let a: HashSet<&str> = a.words().collect();
    let b: HashSet<&str> = b.words().collect();
    if a.is_empty() || b.is_empty() {
        return true;
    }
    let shared = a.intersection(&b).count();
    2 * shared >= a.union(&b).count()
}

/// A short text's SimHash moves many bits for one changed line (a
/// syndicated copy's own footer), so a stored mention with the same title
/// (see [`title_key`]) is also weighed, whatever the distance. Two texts
/// are one when the shorter one's word pairs are all in the other but
/// this share of them, or this many (a footer naming the copy's site).
const OTHER_PAIRS: (f64, usize) = (0.1, 3);

/// The key of a title for finding copies of a story: its folded words,
/// without a leading label such as "Update:" or "Atualização:", hashed.
/// None for a title of fewer than four words, too common to tell stories
/// apart.
pub fn title_key(title: &str) -> Option<i64> {
    // Labels are one or two words before a colon ("Update: Review: …").
    let mut rest = title.trim();
    while let Some((label, after)) = rest.split_once(':') {
        if !(1..=2).contains(&label.split_whitespace().count()) {
            break;
        }
        rest = after.trim();
    }
    let folded = Folded::new(rest);
    let words: Vec<&str> = folded.words().collect();
    (words.len() >= 4).then(|| xxh3_64(words.join(" ").as_bytes()) as i64)
}

/// The word pairs of a text, hashed.
fn pairs(text: &str) -> HashSet<u64> {
    let folded = Folded::new(text);
    let words: Vec<&str> = folded.words().collect();
    words
        .windows(2)
        .map(|pair| xxh3_64(pair.join(" ").as_bytes()))
        .collect()
}

/// Whether two texts are one: most of the shorter one's word pairs are in
/// the other (a copy may add a footer, or be cut short).
fn texts_agree(a: &HashSet<u64>, b: &HashSet<u64>) -> bool {
    let shorter = a.len().min(b.len());
    let (share, least) = OTHER_PAIRS;
    let allowed = ((share * shorter as f64) as usize).max(least);
    shorter > 0 && a.intersection(b).count() + allowed >= shorter
}

/// The figures of a text: each run of digits, with the thousands and
/// decimal separators inside it dropped ("12,000" and "12.000" are one).
fn numbers(texts: &[&str]) -> HashSet<String> {
    let mut out = HashSet::new();
    for text in texts {
        let mut current = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_ascii_digit() {
                current.push(c);
            } else if matches!(c, ',' | '.')
                && !current.is_empty()
                && chars.peek().is_some_and(char::is_ascii_digit)
            {
                continue;
            } else if !current.is_empty() {
                out.insert(std::mem::take(&mut current));
            }
        }
        if !current.is_empty() {
            out.insert(current);
        }
    }
    out
}

/// Whether two texts' figures can be one story's: one text's figures are
/// all among the other's (a copy may add a date in its footer, or lose
/// the end of a long text), never two different figures each.
fn numbers_agree(a: &HashSet<String>, b: &HashSet<String>) -> bool {
    a.is_subset(b) || b.is_subset(a)
}

/// Bit widths of the bands a fingerprint is cut into for lookup: five
/// bands over the 64 bits. Two fingerprints within [`MAX_DISTANCE`] (9)
/// bits differ in at most one bit in some band (nine differences cannot
/// put two into each of five bands), so looking up each band's value and
/// its one-bit variants finds every near duplicate, among the few
/// mentions that share a 12- or 13-bit band, not among all of them.
pub const BAND_BITS: [u32; 5] = [13, 13, 13, 13, 12];

/// The value of each band of `hash`, lowest bits first.
pub fn bands(hash: u64) -> [u16; 5] {
    let mut out = [0u16; 5];
    let mut shift = 0;
    for (slot, bits) in out.iter_mut().zip(BAND_BITS) {
        *slot = ((hash >> shift) & ((1u64 << bits) - 1)) as u16;
        shift += bits;
    }
    out
}

/// Where near duplicates of `hash` may be filed: for each band, its value
/// and every value one bit away.
pub fn probes(hash: u64) -> Vec<(u8, u16)> {
    let mut out = Vec::new();
    for (band, (value, bits)) in bands(hash).into_iter().zip(BAND_BITS).enumerate() {
        out.push((band as u8, value));
        for bit in 0..bits {
            out.push((band as u8, value ^ (1 << bit)));
        }
    }
    out
}

/// A stored mention at the candidate's canonical URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtUrl {
    /// Its id.
    pub id: i64,
    /// Its fingerprint.
    pub fingerprint: Fingerprint,
    /// Whether the candidate's source has shown it before.
    pub same_source: bool,
}

/// Which stored mention at the same URL a candidate is, if any: the first
/// one, unless the candidate's own source already showed a clearly
/// different text there (status pages link every item to one page, and
/// those items are not one story) or says the candidate is an excerpt (a
/// new paragraph of a watched page).
pub fn same_url(candidate: &Fingerprint, excerpt: bool, stored: &[AtUrl]) -> Option<i64> {
    stored
        .iter()
        .find(|m| {
            let clearly_different = candidate.is_usable()
                && m.fingerprint.words >= MIN_WORDS
                && candidate.distance(m.fingerprint.hash) > 2 * MAX_DISTANCE;
            !(m.same_source && (clearly_different || excerpt))
        })
        .map(|m| m.id)
}

/// A stored mention of the same brand seen recently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recent {
    /// Its id.
    pub id: i64,
    /// Its fingerprint's hash.
    pub hash: u64,
    /// Its title.
    pub title: String,
    /// Its text (as stored: the first part of a long one).
    pub text: String,
}

/// The nearest recent mention by content (within [`MAX_DISTANCE`], or
/// under the same title with most of its text) whose title and figures do
/// not contradict the candidate's (`title`, `text`): two stories that
/// share a long footer are close by content alone, and two stories told
/// from one template (a recall of 12,000 bulbs, a recall of 40,000 lamps)
/// differ only in their figures. None for a text too short to fingerprint.
pub fn nearest(
    candidate: &Fingerprint,
    title: &str,
    text: &str,
    recent: impl IntoIterator<Item = Recent>,
) -> Option<i64> {
    if !candidate.is_usable() {
        return None;
    }
    let figures = numbers(&[title, text]);
    let key = title_key(title);
    let mine = pairs(&format!("{title}\n{text}"));
    let mut best: Option<(u32, i64)> = None;
    for m in recent {
        let distance = candidate.distance(m.hash);
        let close = distance <= MAX_DISTANCE && titles_agree(&m.title, title);
        let retitled = key.is_some() && title_key(&m.title) == key;
        if (close || retitled)
            && best.is_none_or(|(d, _)| distance < d)
            && numbers_agree(&figures, &numbers(&[&m.title, &m.text]))
            && texts_agree(&mine, &pairs(&format!("{}\n{}", m.title, m.text)))
        {
            best = Some((distance, m.id));
        }
    }
    best.map(|(_, id)| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(text: &str) -> Fingerprint {
        Fingerprint::of(&Folded::new(text))
    }

    const STORY: &str = "Acme Corp recalled forty thousand toasters on Tuesday after \
        customers in three states reported that the heating element could stay on \
        after the timer ended, the company said in a statement posted to its website. \
        Owners are asked to stop using the devices and contact support for a refund.";

    #[test]
    fn syndicated_copies_are_within_the_threshold() {
        let base = fp(STORY);
        let variants = [
            STORY.to_uppercase(),
            format!("{STORY} Read more."),
            format!("Reuters - {STORY}"),
            STORY.replace("Tuesday", "Wednesday"),
            STORY.replace("the company said", "the firm said"),
            STORY.replace(",", "").replace('.', " "),
        ];
        for v in &variants {
            let d = base.distance(fp(v).hash);
            assert!(d <= MAX_DISTANCE, "distance {d} for {v:?}");
        }
    }

    #[test]
    fn distinct_real_items_are_far_apart() {
        // Titles and summaries of real feed items (feed-rs and feedparser
        // fixtures), long enough to fingerprint.
        let corpus = include_str!("../../tests/fixtures/corpus/items.txt");
        let prints: Vec<Fingerprint> = corpus
            .lines()
            .map(fp)
            .filter(Fingerprint::is_usable)
            .collect();
        assert!(prints.len() >= 50, "corpus too small: {}", prints.len());
        // The corpus holds one syndicated pair, the same story with its
        // summary cut short: it must match, and nothing else may.
        let truncated: Vec<&str> = corpus
            .lines()
            .filter(|l| l.starts_with("Digitalministerium"))
            .collect();
        assert_eq!(truncated.len(), 2);
        assert!(fp(truncated[0]).distance(fp(truncated[1]).hash) <= MAX_DISTANCE);
        let distinct: Vec<Fingerprint> = corpus
            .lines()
            .filter(|l| !l.starts_with("Digitalministerium"))
            .map(fp)
            .filter(Fingerprint::is_usable)
            .collect();
        let mut closest = 64;
        for (i, a) in distinct.iter().enumerate() {
            for b in &distinct[i + 1..] {
                closest = closest.min(a.distance(b.hash));
            }
        }
        assert!(
            closest >= 2 * MAX_DISTANCE,
            "closest distinct pair at {closest} bits"
        );
    }

    #[test]
    fn every_near_duplicate_shares_a_probed_band() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..20_000 {
            let a = rng.u64(..);
            let mut b = a;
            for _ in 0..rng.u32(0..=MAX_DISTANCE) {
                b ^= 1 << rng.u32(0..64);
            }
            let filed: Vec<(u8, u16)> = bands(b)
                .into_iter()
                .enumerate()
                .map(|(band, value)| (band as u8, value))
                .collect();
            assert!(
                probes(a).iter().any(|p| filed.contains(p)),
                "{a:064b} / {b:064b}"
            );
        }
        // The bands cover all 64 bits, once each.
        assert_eq!(BAND_BITS.iter().sum::<u32>(), 64);
        assert_eq!(bands(u64::MAX), [8191, 8191, 8191, 8191, 4095]);
    }

    #[test]
    fn the_dedupe_decision_needs_no_database() {
        let story = fp(STORY);
        let other = fp(
            "A completely different text about a garden party with music, \
            lemonade, a bouncy castle and forty children running around the lawn all day.",
        );
        let at = |id, fingerprint, same_source| AtUrl {
            id,
            fingerprint,
            same_source,
        };
        // Another source at the same URL: the same mention.
        assert_eq!(same_url(&story, false, &[at(1, other, false)]), Some(1));
        // The same source showing a clearly different text there: not it.
        assert_eq!(same_url(&story, false, &[at(1, other, true)]), None);
        assert_eq!(same_url(&story, false, &[at(1, story, true)]), Some(1));
        // An excerpt of a watched page is its own mention.
        assert_eq!(same_url(&story, true, &[at(1, story, true)]), None);

        let recent = |id, f: Fingerprint, title: &str| Recent {
            id,
            hash: f.hash,
            title: title.into(),
            text: STORY.into(),
        };
        let copy = fp(&format!("Reuters - {STORY}"));
        let title = "Acme recalls 40,000 toasters";
        assert_eq!(
            nearest(
                &copy,
                title,
                STORY,
                [
                    recent(1, other, "Garden party"),
                    recent(2, story, "Update: Acme recalls 40,000 toasters")
                ]
            ),
            Some(2)
        );
        // Close by content, but the titles tell two stories apart.
        assert_eq!(
            nearest(
                &copy,
                title,
                STORY,
                [recent(2, story, "Quarterly earnings beat forecasts")]
            ),
            None
        );
        // Too short to fingerprint: only the URL can match.
        assert_eq!(
            nearest(&fp("Acme news"), title, STORY, [recent(2, story, title)]),
            None
        );
    }

    #[test]
    fn figures_tell_stories_of_one_template_apart() {
        let story = |n: &str, footer: &str| {
            format!(
                "Lumora recalls {n} smart bulbs after customers in several cities reported \
                 that the bulbs overheat when dimmed for long periods of time. The company \
                 said that owners should stop using the affected lamps at once, keep the \
                 receipt, and ask the store where they bought them for a full refund or a \
                 replacement lamp of the newer series, which is not affected. {footer}"
            )
        };
        let first = story("12,000", "");
        let recent = |text: &str| Recent {
            id: 1,
            hash: fp(text).hash,
            title: "Lumora recalls bulbs".into(),
            text: text.into(),
        };
        // A copy with a dated footer is the same story.
        let copy = story("12.000", "Wire, 30 Nov 2026.");
        assert_eq!(
            nearest(&fp(&copy), "Lumora recalls bulbs", &copy, [recent(&first)]),
            Some(1)
        );
        // The same words with another figure are another recall.
        let other = story("40,000", "");
        assert!(fp(&other).distance(fp(&first).hash) <= MAX_DISTANCE);
        assert_eq!(
            nearest(
                &fp(&other),
                "Lumora recalls bulbs",
                &other,
                [recent(&first)]
            ),
            None
        );
    }

    #[test]
    fn copies_under_one_title_are_found_whatever_their_footers() {
        let title = "Customers complain about slow Lumora support";
        assert_eq!(title_key(&format!("Update: {title}")), title_key(title));
        assert_eq!(
            title_key("Update: Review: Lumora Halo Mini is bright"),
            title_key("Review: Lumora Halo Mini is bright")
        );
        assert_eq!(
            title_key("Lumora news"),
            None,
            "too short to tell stories apart"
        );
        let text = |middle: &str, footer: &str| {
            format!(
                "Dozens of customers told us they waited more than four days for an answer \
                 from Lumora. {middle} Source: {footer}."
            )
        };
        let first = text(
            "The city council approved higher fees on Tuesday.",
            "Metro-Wire",
        );
        let stored = |text: &str| Recent {
            id: 1,
            // Far by SimHash: only the title can bring them together.
            hash: !fp(text).hash,
            title: title.into(),
            text: text.into(),
        };
        let copy = text(
            "The city council approved higher fees on Tuesday.",
            "Daily-Ledger",
        );
        assert_eq!(
            nearest(
                &fp(&copy),
                &format!("Update: {title}"),
                &copy,
                [stored(&first)]
            ),
            Some(1)
        );
        // Another story under the same headline: its own sentence.
        let other = text(
            "A regional bank rejected a pilot programme for buses.",
            "Metro-Wire",
        );
        assert_eq!(nearest(&fp(&other), title, &other, [stored(&first)]), None);
    }

    #[test]
    fn titles_agree_on_rewrites_not_on_other_stories() {
        assert!(titles_agree(
            "Acme recalls 12,000 bulbs",
            "UPDATE: Acme recalls 12,000 bulbs"
        ));
        assert!(titles_agree("", "anything"));
        assert!(!titles_agree(
            "Acme recalls bulbs",
            "Acme opens factory in Manaus"
        ));
    }

    #[test]
    fn short_texts_are_not_usable() {
        assert!(!fp("Acme outage today").is_usable());
        assert!(fp(STORY).is_usable());
    }
}
