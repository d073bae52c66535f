//! The VADER algorithm (Hutto & Gilbert, ICWSM 2014), reproducing
//! `vaderSentiment` 3.3.2 exactly, quirks included: users compare our
//! scores with the Python reference.
//!
//! The quirks kept on purpose, each marked where it happens: Python's
//! notions of white space, punctuation and upper case; emoji replaced one
//! code point at a time (multi-code-point emoji never match); the "but"
//! rule's `list.index` lookup, which rescales the first equal score rather
//! than the current one; the sentiment-laden idioms list, which the
//! reference never consults.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use super::rules::{Rules, C_INCR, N_SCALAR};
use super::Polarity;
use crate::pipeline::fold::fold;

/// A VADER scorer over one lexicon. Build once; scoring takes `&self`.
#[derive(Debug, Clone)]
pub struct Vader {
    /// Every word the rules know: lexicon valence, booster value and
    /// whether it starts an idiom, so that scoring looks a word up once.
    words: FxHashMap<String, Info>,
    emojis: FxHashMap<char, String>,
    rules: Rules,
}

impl Vader {
    /// A scorer over a lexicon file (`token<TAB>mean<TAB>…`, later lines
    /// win), an emoji file (`emoji<TAB>description`) and a language's rules.
    pub fn new(lexicon: &str, emojis: &str, rules: Rules) -> Vader {
        let mut lex = FxHashMap::default();
        for line in lexicon.trim_end_matches('\n').split('\n') {
            let mut fields = line.trim().split('\t');
            if let (Some(word), Some(measure)) = (fields.next(), fields.next()) {
                if let Ok(value) = measure.parse::<f64>() {
                    let key = if rules.fold {
                        fold(word)
                    } else {
                        word.to_string()
                    };
                    lex.insert(key, value);
                }
            }
        }
        let mut emoji = FxHashMap::default();
        for line in emojis.trim_end_matches('\n').split('\n') {
            let mut fields = line.trim().split('\t');
            if let (Some(key), Some(description)) = (fields.next(), fields.next()) {
                // Python looks emoji up one code point at a time: only
                // single-code-point keys can ever match.
                let mut chars = key.chars();
                if let (Some(c), None) = (chars.next(), chars.next()) {
                    emoji.insert(c, description.to_string());
                }
            }
        }
        let mut words: FxHashMap<String, Info> = FxHashMap::default();
        for (word, valence) in lex {
            words.entry(word).or_default().lex = Some(valence);
        }
        for (word, boost) in &rules.boosters {
            words.entry(word.clone()).or_default().boost = Some(*boost);
        }
        for word in &rules.idiom_starts {
            words.entry(word.clone()).or_default().idiom_start = true;
        }
        Vader {
            words,
            emojis: emoji,
            rules,
        }
    }

    /// This scorer with some lexicon entries set (added or replaced).
    pub fn with_overrides(&self, entries: &[(String, f64)]) -> Vader {
        let mut changed = self.clone();
        for (word, valence) in entries {
            let key = if self.rules.fold {
                fold(word)
            } else {
                word.to_lowercase()
            };
            changed.words.entry(key).or_default().lex = Some(*valence);
        }
        changed
    }

    /// Scores one text as `SentimentIntensityAnalyzer().polarity_scores`.
    pub fn polarity_scores(&self, text: &str) -> Polarity {
        let text = self.replace_emoji(text);
        let text = text.trim_matches(is_py_space);
        let words: Vec<&str> = text
            .split(is_py_space)
            .filter(|w| !w.is_empty())
            .map(strip_punc_if_word)
            .collect();
        let lower: Vec<Cow<'_, str>> = if self.rules.fold {
            words.iter().map(|w| folded(w)).collect()
        } else {
            words.iter().map(|w| lowercase(w)).collect()
        };
        // Each word is looked up once; the rules ask about neighbours often.
        let info: Vec<Info> = lower.iter().map(|w| self.info(w)).collect();
        let is_cap_diff = allcap_differential(&words);
        let mut sentiments = Vec::with_capacity(words.len());
        for i in 0..words.len() {
            let booster = info[i].boost.is_some();
            let (kind, of) = &self.rules.kind_of;
            let kind_of = i + 1 < words.len() && lower[i] == *kind && lower[i + 1] == *of;
            let valence = if booster || kind_of {
                0.0
            } else {
                self.valence(&words, &lower, &info, i, is_cap_diff)
            };
            sentiments.push(valence);
        }
        but_check(&lower, &self.rules.but, &mut sentiments);
        score_valence(&sentiments, text)
    }

    /// What the rules need to know about one lower-cased word.
    fn info(&self, lower: &str) -> Info {
        self.words.get(lower).copied().unwrap_or_default()
    }

    fn replace_emoji<'t>(&self, text: &'t str) -> Cow<'t, str> {
        // Every emoji key is outside ASCII.
        if text.is_ascii() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut prev_space = true;
        for c in text.chars() {
            match self.emojis.get(&c) {
                Some(description) => {
                    if !prev_space {
                        out.push(' ');
                    }
                    out.push_str(description);
                    prev_space = false;
                }
                None => {
                    out.push(c);
                    prev_space = c == ' ';
                }
            }
        }
        Cow::Owned(out)
    }

    fn valence(
        &self,
        words: &[&str],
        lower: &[Cow<'_, str>],
        info: &[Info],
        i: usize,
        is_cap_diff: bool,
    ) -> f64 {
        let Some(base) = info[i].lex else {
            return 0.0;
        };
        let mut valence = base;
        let r = &self.rules;
        if lower[i] == r.no && i != words.len() - 1 && info[i + 1].lex.is_some() {
            valence = 0.0;
        }
        if (i > 0 && lower[i - 1] == r.no)
            || (i > 1 && lower[i - 2] == r.no)
            || (i > 2 && lower[i - 3] == r.no && r.or_nor.iter().any(|w| lower[i - 1] == *w))
        {
            valence = base * N_SCALAR;
        }
        if is_py_upper(words[i]) && is_cap_diff {
            valence += if valence > 0.0 { C_INCR } else { -C_INCR };
        }
        for start_i in 0..3 {
            let k = i.wrapping_sub(start_i + 1);
            if i > start_i && info[k].lex.is_none() {
                let mut s = scalar_inc_dec(words[k], info[k].boost, valence, is_cap_diff);
                if start_i == 1 && s != 0.0 {
                    s *= 0.95;
                }
                if start_i == 2 && s != 0.0 {
                    s *= 0.9;
                }
                valence += s;
                valence = negation_check(valence, lower, r, start_i, i);
                if start_i == 2 {
                    valence = self.special_idioms_check(valence, lower, info, i);
                }
            }
        }
        if r.booster_after && i + 1 < words.len() {
            valence += scalar_inc_dec(words[i + 1], info[i + 1].boost, valence, is_cap_diff);
        }
        least_check(valence, lower, info, r, i)
    }

    /// Special cases around position `i`, and multi-word boosters before
    /// it, compared word by word (the reference joins them into strings).
    fn special_idioms_check(
        &self,
        mut valence: f64,
        l: &[Cow<'_, str>],
        info: &[Info],
        i: usize,
    ) -> f64 {
        // Every sequence checked below starts at i-3, i-2, i-1 or i: most
        // words are ruled out by those four first words alone.
        if !(i - 3..=i).any(|k| info[k].idiom_start) {
            return valence;
        }
        let w = |k: usize| l[k].as_ref();
        let sequences: [&[&str]; 5] = [
            &[w(i - 1), w(i)],
            &[w(i - 2), w(i - 1), w(i)],
            &[w(i - 2), w(i - 1)],
            &[w(i - 3), w(i - 2), w(i - 1)],
            &[w(i - 3), w(i - 2)],
        ];
        let same = |key: &[String], seq: &[&str]| {
            key.len() == seq.len() && key.iter().zip(seq).all(|(k, w)| k == w)
        };
        let special = |seq: &[&str]| {
            self.rules
                .special
                .iter()
                .find(|(k, _)| same(k, seq))
                .map(|(_, v)| *v)
        };
        if let Some(v) = sequences.iter().find_map(|seq| special(seq)) {
            valence = v;
        }
        if l.len() - 1 > i {
            if let Some(v) = special(&[w(i), w(i + 1)]) {
                valence = v;
            }
        }
        if l.len() - 1 > i + 1 {
            if let Some(v) = special(&[w(i), w(i + 1), w(i + 2)]) {
                valence = v;
            }
        }
        for n_gram in [sequences[3], sequences[4], sequences[2]] {
            if let Some((_, b)) = self
                .rules
                .multiword_boosters
                .iter()
                .find(|(k, _)| same(k, n_gram))
            {
                valence += b;
            }
        }
        valence
    }
}

fn scalar_inc_dec(word: &str, boost: Option<f64>, valence: f64, is_cap_diff: bool) -> f64 {
    let Some(b) = boost else {
        return 0.0;
    };
    let mut scalar = if valence < 0.0 { -b } else { b };
    if is_py_upper(word) && is_cap_diff {
        scalar += if valence > 0.0 { C_INCR } else { -C_INCR };
    }
    scalar
}

fn negation_check(valence: f64, l: &[Cow<'_, str>], r: &Rules, start_i: usize, i: usize) -> f64 {
    let negated = |w: &str| {
        r.negations.contains(w) || r.negation_infix.as_deref().is_some_and(|x| w.contains(x))
    };
    let so_this = |w: &str| r.so_this.iter().any(|s| s == w);
    let (without, doubt) = (&r.without_doubt.0, &r.without_doubt.1);
    match start_i {
        0 if negated(&l[i - 1]) => valence * N_SCALAR,
        1 if l[i - 2] == r.never && so_this(&l[i - 1]) => valence * 1.25,
        1 if l[i - 2] == *without && l[i - 1] == *doubt => valence,
        1 if negated(&l[i - 2]) => valence * N_SCALAR,
        // Python: `a and (b or c) or (d or e)`, precedence as written.
        2 if (l[i - 3] == r.never && so_this(&l[i - 2])) || so_this(&l[i - 1]) => valence * 1.25,
        2 if l[i - 3] == *without && (l[i - 2] == *doubt || l[i - 1] == *doubt) => valence,
        2 if negated(&l[i - 3]) => valence * N_SCALAR,
        _ => valence,
    }
}

fn least_check(valence: f64, l: &[Cow<'_, str>], info: &[Info], r: &Rules, i: usize) -> f64 {
    let at_very = |w: &str| r.at_very.iter().any(|a| a == w);
    if i > 1 && info[i - 1].lex.is_none() && l[i - 1] == r.least {
        if !at_very(&l[i - 2]) {
            return valence * N_SCALAR;
        }
    } else if i > 0 && info[i - 1].lex.is_none() && l[i - 1] == r.least {
        return valence * N_SCALAR;
    }
    valence
}

/// One word's lexicon valence, booster value and whether it can start a
/// special case, looked up once.
#[derive(Debug, Clone, Copy, Default)]
struct Info {
    lex: Option<f64>,
    boost: Option<f64>,
    idiom_start: bool,
}

/// Lower case without accents, borrowing when there is nothing to change.
fn folded(word: &str) -> Cow<'_, str> {
    if word
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(fold(word))
    }
}

/// Python's `str.lower`, borrowing when there is nothing to lower.
fn lowercase(word: &str) -> Cow<'_, str> {
    if word
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(word.to_lowercase())
    }
}

/// Python's `str.isspace` for one character (what `split()` and `strip()`
/// use), which counts the information separators U+001C–U+001F that Rust's
/// `char::is_whitespace` does not.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.isupper`: at least one cased character, none lower case.
fn is_py_upper(word: &str) -> bool {
    let mut cased = false;
    for c in word.chars() {
        if c.is_lowercase() {
            return false;
        }
        cased |= c.is_uppercase();
    }
    cased
}

/// `token.strip(string.punctuation)`, unless that leaves two characters
/// or fewer (an emoticon such as `:)`), in which case the token stays.
fn strip_punc_if_word(token: &str) -> &str {
    let stripped = token.trim_matches(|c: char| c.is_ascii_punctuation());
    // A character is at most 4 bytes: only short strings need counting.
    if stripped.len() <= 2 || (stripped.len() <= 8 && stripped.chars().count() <= 2) {
        token
    } else {
        stripped
    }
}

fn allcap_differential(words: &[&str]) -> bool {
    let allcap = words.iter().filter(|w| is_py_upper(w)).count();
    let differential = words.len() - allcap;
    0 < differential && differential < words.len()
}

/// The "but" rule as the reference runs it: for each position it looks up
/// the first score *equal* to the current one (`list.index`) and rescales
/// that one: half before "but", one and a half after.
fn but_check(lower: &[Cow<'_, str>], but: &str, sentiments: &mut [f64]) {
    let Some(bi) = lower.iter().position(|w| w == but) else {
        return;
    };
    for k in 0..sentiments.len() {
        let sentiment = sentiments[k];
        let Some(si) = sentiments.iter().position(|&s| s == sentiment) else {
            continue;
        };
        if si < bi {
            sentiments[si] = sentiment * 0.5;
        } else if si > bi {
            sentiments[si] = sentiment * 1.5;
        }
    }
}

fn score_valence(sentiments: &[f64], text: &str) -> Polarity {
    if sentiments.is_empty() {
        return Polarity::default();
    }
    let mut sum_s = sentiments.iter().fold(0.0, |acc, s| acc + s);
    let punct = amplify_ep(text) + amplify_qm(text);
    if sum_s > 0.0 {
        sum_s += punct;
    } else if sum_s < 0.0 {
        sum_s -= punct;
    }
    let compound = normalize(sum_s);
    let (mut pos_sum, mut neg_sum, mut neu_count) = (0.0, 0.0, 0.0);
    for &s in sentiments {
        if s > 0.0 {
            pos_sum += s + 1.0;
        }
        if s < 0.0 {
            neg_sum += s - 1.0;
        }
        if s == 0.0 {
            neu_count += 1.0;
        }
    }
    if pos_sum > neg_sum.abs() {
        pos_sum += punct;
    } else if pos_sum < neg_sum.abs() {
        neg_sum -= punct;
    }
    let total = pos_sum + neg_sum.abs() + neu_count;
    Polarity {
        neg: round((neg_sum / total).abs(), 3),
        neu: round((neu_count / total).abs(), 3),
        pos: round((pos_sum / total).abs(), 3),
        compound: round(compound, 4),
    }
}

fn amplify_ep(text: &str) -> f64 {
    text.matches('!').count().min(4) as f64 * 0.292
}

fn amplify_qm(text: &str) -> f64 {
    match text.matches('?').count() {
        0 | 1 => 0.0,
        n @ 2..=3 => n as f64 * 0.18,
        _ => 0.96,
    }
}

/// `x / sqrt(x² + 15)`, clamped to [-1, 1].
pub fn normalize(score: f64) -> f64 {
    (score / (score * score + 15.0).sqrt()).clamp(-1.0, 1.0)
}

/// Python's `round(x, digits)`: correctly rounded, ties to even on the
/// exact binary value. Away from a tie, scaling and rounding picks the same
/// decimal, and dividing two exact integers gives the double nearest to it,
/// which is what parsing the decimal gives; near a tie, the exact decimal
/// expansion decides (Rust's formatting, like Python's, is exact).
fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    let scaled = x * scale;
    if (scaled - scaled.floor() - 0.5).abs() > 1e-6 {
        return scaled.round() / scale;
    }
    let places = digits as usize;
    format!("{x:.places$}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_like_python() {
        for (x, digits, want) in [
            (0.0625, 3, 0.062),
            (0.1875, 3, 0.188),
            (0.44045, 4, 0.4405),
            (-0.38185, 4, -0.3819),
        ] {
            assert_eq!(round(x, digits), want, "{x}");
        }
    }
}
