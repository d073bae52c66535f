//! Validation of `[sentiment]`: label thresholds and lexicon overrides.

use super::check::Checker;
use super::raw::RawSentiment;
use crate::sentiment::{Language, Override, Thresholds};

/// `[sentiment]` label thresholds: negative < 0 < positive, within [-1, 1].
pub(super) fn thresholds(check: &mut Checker<'_>, raw: &RawSentiment) -> Thresholds {
    let mut out = Thresholds::default();
    let mut take = |value: &Option<toml::Spanned<f64>>, key: &str, sign: f64, slot: &mut f64| {
        if let Some(v) = value {
            let x = *v.get_ref();
            if x * sign > 0.0 && x.abs() <= 1.0 {
                *slot = x;
            } else {
                let want = if sign > 0.0 {
                    "above 0, at most 1"
                } else {
                    "below 0, at least -1"
                };
                check.push(
                    Some(v.span()),
                    key.to_string(),
                    format!("{x} is out of range ({want})"),
                );
            }
        }
    };
    take(&raw.positive, "sentiment.positive", 1.0, &mut out.positive);
    take(&raw.negative, "sentiment.negative", -1.0, &mut out.negative);
    out
}

/// `[sentiment.lexicon.LANG]`: one word per key, valence from -4 to 4.
pub(super) fn overrides(check: &mut Checker<'_>, raw: &RawSentiment) -> Vec<Override> {
    let mut out = Vec::new();
    for (code, entries) in &raw.lexicon {
        let Some(language) = Language::from_code(code) else {
            let msg = format!("{code:?} has no sentiment lexicon (expected \"en\" or \"pt\")");
            let span = entries.values().next().map(|v| v.span());
            check.push(span, format!("sentiment.lexicon.{code}"), msg);
            continue;
        };
        for (word, valence) in entries {
            let key = format!("sentiment.lexicon.{code}.{word}");
            let value = *valence.get_ref();
            if word.trim().is_empty() || word.contains(char::is_whitespace) {
                check.push(
                    Some(valence.span()),
                    key,
                    "must be a single word (the lexicon is looked up word by word)",
                );
            } else if !(-4.0..=4.0).contains(&value) {
                check.push(
                    Some(valence.span()),
                    key,
                    format!("{value} is out of range (-4 to 4, as in VADER)"),
                );
            } else {
                out.push(Override {
                    language,
                    word: word.clone(),
                    valence: value,
                });
            }
        }
    }
    out
}
