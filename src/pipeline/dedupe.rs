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

mod figures;

use figures::{figures_agree, figures_in_place, numbers, numbers_agree};

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
    let (names_a, names_b) = (names(a), names(b));
    // "… centre in Lyon" and "… centre in Braga": each names what the
    // other does not, so they tell two stories however many words they
    // share.
    if !names_a.is_subset(&names_b) && !names_b.is_subset(&names_a) {
        return false;
    }
    let (a, b) = (Folded::new(a), Folded::new(b));
    let a: HashSet<&str> = a.words().collect();
    let b: HashSet<&str> = b.words().collect();
    if a.is_empty() || b.is_empty() {
        return true;
    }
    let shared = a.intersection(&b).count();
    2 * shared >= a.union(&b).count()
}

/// The names in a title: its capitalised words but the first (and but a
/// leading label such as "Update:"), folded; none in a title written in
/// title case, where capitals say nothing.
fn names(title: &str) -> HashSet<String> {
    let words: Vec<&str> = without_publisher(without_labels(title))
        .split_whitespace()
        .skip(1)
        .collect();
    let capitalised: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .collect();
    if 2 * capitalised.len() > words.len() {
        return HashSet::new();
    }
    capitalised
        .iter()
        .flat_map(|w| {
            Folded::new(w)
                .words()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A title without the publisher a news aggregator appends ("… - Reuters",
/// "… | The Verge"): one to four words after the last separator.
fn without_publisher(title: &str) -> &str {
    [" - ", " | ", " – ", " — "]
        .iter()
        .filter_map(|sep| title.rfind(sep).map(|at| (at, sep.len())))
        .max()
        .filter(|&(at, len)| (1..=4).contains(&title[at + len..].split_whitespace().count()))
        .map_or(title, |(at, _)| &title[..at])
}

/// A title without its leading labels: one or two words before a colon
/// ("Update: Review: …").
fn without_labels(title: &str) -> &str {
    let mut rest = title.trim();
    while let Some((label, after)) = rest.split_once(':') {
        if !(1..=2).contains(&label.split_whitespace().count()) {
            break;
        }
        rest = after.trim();
    }
    rest
}

/// A short text's SimHash moves many bits for one changed line (a
/// syndicated copy's own footer), so a stored mention with the same title
/// (see [`title_key`]) is also weighed, whatever the distance. Either way
/// two texts are one only when they share one run of words that leaves at
/// most this share of the shorter text, or this many words, before and
/// after it on each side (a label, a copy's own footer).
const OTHER_WORDS: (usize, usize) = (10, 4);

/// Words of a text compared for a copy: any story's opening, and a bound
/// on the comparison's cost (a copy of a long text is compared on its
/// lead, and both count as cut short there).
const LEAD_WORDS: usize = 400;

/// The key of a title for finding copies of a story: its folded words,
/// without a leading label such as "Update:" or "Atualização:", hashed.
/// None for a title of fewer than four words, too common to tell stories
/// apart.
pub fn title_key(title: &str) -> Option<i64> {
    let folded = Folded::new(without_labels(title));
    let words: Vec<&str> = folded.words().collect();
    (words.len() >= 4).then(|| xxh3_64(words.join(" ").as_bytes()) as i64)
}

/// The keys a mention is filed under besides its fingerprint, for copies
/// whose fingerprints moved apart: its title's ([`title_key`]) and its
/// opening's ([`lead_key`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CopyKeys {
    /// The title's key.
    pub title: Option<i64>,
    /// The opening's key.
    pub lead: Option<i64>,
}

impl CopyKeys {
    /// The keys of a mention with this title and text.
    pub fn of(title: &str, text: &str) -> CopyKeys {
        CopyKeys {
            title: title_key(title),
            lead: lead_key(text),
        }
    }
}

/// Words of a text's opening that [`lead_key`] keys it by: past a
/// template's lead sentence, within any copy's.
pub const LEAD_KEY_WORDS: usize = 24;

/// The key of a text's opening for finding copies of a story whose title
/// many stories share: its first [`LEAD_KEY_WORDS`] folded words, hashed.
/// None for a shorter text.
pub fn lead_key(text: &str) -> Option<i64> {
    let folded = Folded::new(head(text, 4_096));
    let words: Vec<&str> = folded.words().take(LEAD_KEY_WORDS).collect();
    (words.len() == LEAD_KEY_WORDS).then(|| xxh3_64(words.join(" ").as_bytes()) as i64)
}

/// The first [`LEAD_WORDS`] words of a text, folded and hashed.
fn words(text: &str) -> Vec<u64> {
    let folded = Folded::new(head(text, HEAD_BYTES));
    let words = folded.words().take(LEAD_WORDS);
    words.map(|w| xxh3_64(w.as_bytes())).collect()
}

/// Whether two texts are one story's: they share one run of words that
/// leaves on each side at most a short head (a label, a dateline) and a
/// short tail (a copy's own footer), or, where one text stops with the
/// run (a copy cut short), any tail on the other. Two stories told from
/// one template share their lead sentence and some of their filler, but
/// not in one run: the words between differ.
fn texts_agree(a: &[u64], b: &[u64]) -> bool {
    let shorter = a.len().min(b.len());
    let (run, end_a, end_b) = longest_run(a, b);
    let (share, least) = OTHER_WORDS;
    let allowed = (shorter / share).max(least);
    let (tail_a, tail_b) = (a.len() - end_a, b.len() - end_b);
    let cut_short = tail_a == 0 || tail_b == 0;
    // A text of a few words has too few to tell: never the same.
    run >= MIN_WORDS
        && end_a - run <= allowed
        && end_b - run <= allowed
        && (cut_short || (tail_a <= allowed && tail_b <= allowed))
}

/// The longest run of words `a` and `b` share: its length and where it
/// ends in each (dynamic programming, one row at a time).
fn longest_run(a: &[u64], b: &[u64]) -> (usize, usize, usize) {
    let mut previous = vec![0usize; b.len() + 1];
    let mut current = vec![0usize; b.len() + 1];
    let mut best = (0, 0, 0);
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            current[j + 1] = if x == y { previous[j] + 1 } else { 0 };
            if current[j + 1] > best.0 {
                best = (current[j + 1], i + 1, j + 1);
            }
        }
        std::mem::swap(&mut previous, &mut current);
    }
    best
}

/// Bytes of a long text that the comparison of two texts reads: its
/// opening, where [`LEAD_WORDS`] words and a story's figures are. A copy
/// of a 100 KB text is found by its opening, at a cost that does not grow
/// with the text's length.
const HEAD_BYTES: usize = 16_384;

/// The first `bytes` of `text` (less, to end on a character).
fn head(text: &str, bytes: usize) -> &str {
    let mut end = text.len().min(bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A text's lead, where a story's figures are: the first two thirds of
/// its opening (a copy's footer, with its own time or date, comes last).
fn lead(text: &str) -> &str {
    let text = head(text, HEAD_BYTES);
    head(text, text.len() * 2 / 3)
}

/// Bit widths of the bands a fingerprint is cut into for lookup: four
/// bands of 16 bits. Two fingerprints within [`FOUND_WITHIN`] bits share
/// at least one band whole (three differences cannot touch all four), so
/// looking up each band's value finds every such near duplicate among the
/// few mentions filed under it (a fraction 1/65,536 of the brand's
/// window), not among all of them. Five bands of 12 and 13 bits found
/// every one within 4 bits but read 16 times as many rows: at 1,000,000
/// mentions of a brand, reading them was half the cost of storing one.
pub const BAND_BITS: [u32; BANDS] = [16, 16, 16, 16];

/// How many bands a fingerprint is filed under.
pub const BANDS: usize = 4;

/// Distance within which the bands find every stored fingerprint.
/// Copies differ by 0 to 3 bits (a prefix, a footer, a changed word: see
/// the tests); those further apart, to [`MAX_DISTANCE`], are found when
/// they share a band, and copies whose footer moves a short text further
/// are found by their title or opening instead.
pub const FOUND_WITHIN: u32 = 3;

/// The value of each band of `hash`, lowest bits first.
pub fn bands(hash: u64) -> [u16; BANDS] {
    let mut out = [0u16; BANDS];
    let mut shift = 0;
    for (slot, bits) in out.iter_mut().zip(BAND_BITS) {
        *slot = ((hash >> shift) & ((1u64 << bits) - 1)) as u16;
        shift += bits;
    }
    out
}

/// The keys near duplicates of `hash` are filed and looked up under: each
/// band's value, tagged with its band (`band << 16 | value`).
pub fn buckets(hash: u64) -> [u32; BANDS] {
    let mut out = [0; BANDS];
    for (band, (slot, value)) in out.iter_mut().zip(bands(hash)).enumerate() {
        *slot = ((band as u32) << 16) | u32::from(value);
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
    /// Its title's and opening's keys, as filed.
    pub keys: CopyKeys,
}

/// The nearest recent mention by content (within [`MAX_DISTANCE`], or
/// under the same title with most of its text) whose title and figures do
/// not contradict the candidate's (`title`, `text`), in its lead or in the
/// same place anywhere in its text: two stories that
/// share a long footer are close by content alone, and two stories told
/// from one template (a recall of 12,000 bulbs, a recall of 40,000 lamps)
/// differ only in their figures. `keys` are the candidate's
/// ([`CopyKeys::of`] its title and text). None for a text too short to
/// fingerprint.
pub fn nearest(
    candidate: &Fingerprint,
    keys: CopyKeys,
    title: &str,
    text: &str,
    recent: impl IntoIterator<Item = Recent>,
) -> Option<i64> {
    let recent: Vec<Recent> = recent.into_iter().collect();
    // Most new mentions have no near duplicate to weigh: their text is
    // not read again.
    if !candidate.is_usable() || recent.is_empty() {
        return None;
    }
    let figures = numbers(&[title, lead(text)]);
    let mine = words(text);
    let places = figures_in_place(text);
    let mut best: Option<(u32, i64)> = None;
    for m in recent {
        let distance = candidate.distance(m.hash);
        // Cheapest test first: most of those weighed are none of these.
        let close = || distance <= MAX_DISTANCE && titles_agree(&m.title, title);
        let retitled = || keys.title.is_some() && m.keys.title == keys.title;
        let same_lead =
            || keys.lead.is_some() && titles_agree(&m.title, title) && m.keys.lead == keys.lead;
        if best.is_none_or(|(d, _)| distance < d)
            && (close() || retitled() || same_lead())
            && numbers_agree(&figures, &numbers(&[&m.title, lead(&m.text)]))
            && texts_agree(&mine, &words(&m.text))
            && figures_agree(&places, &figures_in_place(&m.text))
        {
            best = Some((distance, m.id));
        }
    }
    best.map(|(_, id)| id)
}

#[cfg(test)]
mod tests;
