//! VADER's rules for one word: lexicon valence, negation, boosters,
//! caps, idioms and "least"; then the "but" rule and the sum over the text.

use super::explain::{Rule, Trace};
use super::table::*;
use super::text::{normalize, punctuation_emphasis, round};
use super::{Token, Vader, Words};
use crate::sentiment::rules::{C_INCR, N_SCALAR};
use crate::sentiment::Polarity;

impl Vader {
    pub(super) fn valence<T: Trace>(
        &self,
        w: &Words,
        i: usize,
        cap_diff: bool,
        trace: &mut T,
    ) -> f64 {
        let token = &w.tokens[i];
        let Some(base) = token.info.lex else {
            return 0.0;
        };
        trace.step(i, Rule::Lexicon, None, base);
        let mut valence = base;
        if token.is(NO) && i != w.len() - 1 && w.in_lexicon(i + 1) {
            valence = 0.0;
            trace.step(i, Rule::NoBeforeWord, None, valence);
        }
        let no = if i > 0 && w.is(i - 1, NO) {
            Some(i - 1)
        } else if i > 1 && w.is(i - 2, NO) {
            Some(i - 2)
        } else if i > 2 && w.is(i - 3, NO) && w.is(i - 1, OR_NOR) {
            Some(i - 3)
        } else {
            None
        };
        if let Some(k) = no {
            valence = base * N_SCALAR;
            trace.step(i, Rule::NegatedByNo, Some(k), valence);
        }
        if token.upper && cap_diff {
            valence += if valence > 0.0 { C_INCR } else { -C_INCR };
            trace.step(i, Rule::Caps, None, valence);
        }
        for start_i in 0..3 {
            if i <= start_i {
                break;
            }
            let k = i - start_i - 1;
            if w.in_lexicon(k) {
                continue;
            }
            let mut s = scalar_inc_dec(&w.tokens[k], valence, cap_diff);
            if start_i == 1 && s != 0.0 {
                s *= 0.95;
            }
            if start_i == 2 && s != 0.0 {
                s *= 0.9;
            }
            valence += s;
            if s != 0.0 {
                trace.step(i, Rule::Booster, Some(k), valence);
            }
            if let Some((rule, by, changed)) = negation_check(valence, w, start_i, i) {
                valence = changed;
                trace.step(i, rule, Some(by), valence);
            }
            if start_i == 2 {
                valence = self.special_idioms_check(valence, w, i, trace);
            }
        }
        if !w.marks.is_empty() {
            valence = super::clause::negate(w, i, valence, trace);
        }
        if self.rules.booster_after && i + 1 < w.len() {
            let s = scalar_inc_dec(&w.tokens[i + 1], valence, cap_diff);
            valence += s;
            if s != 0.0 {
                trace.step(i, Rule::BoosterAfter, Some(i + 1), valence);
            }
        }
        // "least" before negates, unless "at least" or "very least".
        if i > 0 && !w.in_lexicon(i - 1) && w.is(i - 1, LEAST) && !(i > 1 && w.is(i - 2, AT_VERY)) {
            valence *= N_SCALAR;
            trace.step(i, Rule::Least, Some(i - 1), valence);
        }
        if !w.marks.is_empty() {
            valence = super::clause::mood(w, i, valence, trace);
        }
        valence
    }

    /// Special cases around position `i` (at least 3), and multi-word
    /// boosters before it, compared word by word (the reference joins them
    /// into strings).
    fn special_idioms_check<T: Trace>(
        &self,
        mut valence: f64,
        w: &Words,
        i: usize,
        trace: &mut T,
    ) -> f64 {
        // Every sequence checked below starts at i-3, i-2, i-1 or i: most
        // words are ruled out by those four first words alone.
        if !(i - 3..=i).any(|k| w.is(k, IDIOM_START)) {
            return valence;
        }
        // Only a sequence whose first word starts some idiom can match.
        let same = |key: &[String], from: usize, to: usize| {
            w.is(from, IDIOM_START)
                && key.len() == to - from
                && key.iter().zip(from..to).all(|(k, j)| k == w.lower(j))
        };
        let special = |from: usize, to: usize| {
            self.rules
                .special
                .iter()
                .find(|(k, _)| same(k, from, to))
                .map(|(_, v)| *v)
        };
        // (first, end) word ranges, in the reference's order.
        let sequences = [
            (i - 1, i + 1),
            (i - 2, i + 1),
            (i - 2, i),
            (i - 3, i),
            (i - 3, i - 1),
        ];
        if let Some((from, v)) = sequences
            .iter()
            .find_map(|&(from, to)| special(from, to).map(|v| (from, v)))
        {
            valence = v;
            trace.step(i, Rule::Idiom, Some(from), valence);
        }
        for to in [i + 2, i + 3] {
            if w.len() >= to {
                if let Some(v) = special(i, to) {
                    valence = v;
                    trace.step(i, Rule::Idiom, Some(i), valence);
                }
            }
        }
        for (from, to) in [sequences[3], sequences[4], sequences[2]] {
            if let Some((_, b)) = self
                .rules
                .multiword_boosters
                .iter()
                .find(|(k, _)| same(k, from, to))
            {
                valence += b;
                trace.step(i, Rule::MultiwordBooster, Some(from), valence);
            }
        }
        valence
    }
}

fn scalar_inc_dec(token: &Token, valence: f64, cap_diff: bool) -> f64 {
    let Some(b) = token.info.boost else {
        return 0.0;
    };
    let mut scalar = if valence < 0.0 { -b } else { b };
    if token.upper && cap_diff {
        scalar += if valence > 0.0 { C_INCR } else { -C_INCR };
    }
    scalar
}

/// Negation `start_i + 1` words before word `i`: the rule, the word that
/// triggered it and the new valence, or None when nothing changes.
fn negation_check(valence: f64, w: &Words, start_i: usize, i: usize) -> Option<(Rule, usize, f64)> {
    let negated = |k: usize| w.is(k, NEGATION);
    let never_so = |k: usize| w.is(k, NEVER) && w.is(k + 1, SO_THIS);
    match start_i {
        0 if negated(i - 1) => Some((Rule::Negation, i - 1, valence * N_SCALAR)),
        1 if never_so(i - 2) => Some((Rule::NeverSo, i - 2, valence * 1.25)),
        1 if w.is(i - 2, WITHOUT) && w.is(i - 1, DOUBT) => None,
        1 if negated(i - 2) => Some((Rule::Negation, i - 2, valence * N_SCALAR)),
        // Python: `a and (b or c) or (d or e)`, precedence as written: a
        // "so" or "this" right before intensifies with no "never" at all.
        2 if never_so(i - 3) => Some((Rule::NeverSo, i - 3, valence * 1.25)),
        2 if w.is(i - 1, SO_THIS) => Some((Rule::NeverSo, i - 1, valence * 1.25)),
        2 if w.is(i - 3, WITHOUT) && (w.is(i - 2, DOUBT) || w.is(i - 1, DOUBT)) => None,
        2 if negated(i - 3) => Some((Rule::Negation, i - 3, valence * N_SCALAR)),
        _ => None,
    }
}

/// The "but" rule as the reference runs it: for each position it looks up
/// the first score *equal* to the current one (`list.index`) and rescales
/// that one: half before "but", one and a half after.
pub(super) fn but_check<T: Trace>(w: &Words, sentiments: &mut [f64], trace: &mut T) {
    let Some(bi) = (0..w.len()).find(|&k| w.is(k, BUT)) else {
        return;
    };
    for k in 0..sentiments.len() {
        let sentiment = sentiments[k];
        let Some(si) = sentiments.iter().position(|&s| s == sentiment) else {
            continue;
        };
        let (rule, factor) = match si.cmp(&bi) {
            std::cmp::Ordering::Less => (Rule::BeforeBut, 0.5),
            std::cmp::Ordering::Greater => (Rule::AfterBut, 1.5),
            std::cmp::Ordering::Equal => continue,
        };
        sentiments[si] = sentiment * factor;
        if sentiment != 0.0 {
            trace.step(si, rule, Some(bi), sentiments[si]);
        }
    }
}

pub(super) fn score_valence<T: Trace>(sentiments: &[f64], text: &str, trace: &mut T) -> Polarity {
    if sentiments.is_empty() {
        trace.finish(sentiments, 0.0, 0.0);
        return Polarity::default();
    }
    let mut sum_s = sentiments.iter().fold(0.0, |acc, s| acc + s);
    let punct = punctuation_emphasis(text);
    let added = if sum_s > 0.0 {
        punct
    } else if sum_s < 0.0 {
        -punct
    } else {
        0.0
    };
    sum_s += added;
    trace.finish(sentiments, added, sum_s);
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
