//! The figures of two texts, and whether they can be one story's: two
//! stories told from one template differ in their numbers, a copy only in
//! the dates and times of its own footer.

use std::collections::{HashMap, HashSet};

use super::{head, HEAD_BYTES};

/// The figures of a text: each run of digits, with the thousands and
/// decimal separators inside it dropped ("12,000" and "12.000" are one).
pub(super) fn numbers(texts: &[&str]) -> HashSet<String> {
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
pub(super) fn numbers_agree(a: &HashSet<String>, b: &HashSet<String>) -> bool {
    a.is_subset(b) || b.is_subset(a)
}

/// Months in English and Portuguese, whole and cut to three letters: a
/// figure beside one is a date.
const MONTHS: [&str; 43] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "fev",
    "abr",
    "mai",
    "ago",
    "set",
    "out",
    "dez",
];

/// The quantities of a whole text by their place: the words around each
/// ("costs 32 dollars": `costs _ dollars` → 32), lower-cased. Times,
/// dates and years are left out: they say when a copy was posted
/// ("Posted 10:31", "30 Nov 2026"), not what the story says.
pub(super) fn figures_in_place(text: &str) -> HashMap<(String, String), HashSet<String>> {
    let tokens: Vec<String> = head(text, HEAD_BYTES)
        .split(|c: char| c.is_whitespace())
        .map(|t| {
            t.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|t| !t.is_empty())
        .collect();
    let figure = |t: &str| t.chars().any(|c| c.is_ascii_digit());
    let quantity = |t: &str| {
        t.chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
            && !(t.len() == 4 && (t.starts_with("19") || t.starts_with("20")))
    };
    let month = |t: &str| MONTHS.contains(&t);
    let mut out: HashMap<(String, String), HashSet<String>> = HashMap::new();
    for (i, token) in tokens.iter().enumerate() {
        if !figure(token) || !quantity(token) {
            continue;
        }
        let before = i.checked_sub(1).map(|j| &tokens[j]);
        let (Some(before), Some(after)) = (before, tokens.get(i + 1)) else {
            continue;
        };
        if figure(before) || figure(after) || month(before) || month(after) {
            continue;
        }
        let digits: String = token.chars().filter(char::is_ascii_digit).collect();
        out.entry((before.clone(), after.clone()))
            .or_default()
            .insert(digits);
    }
    out
}

/// Whether two texts' figures agree wherever both give one in the same
/// place: stories told from one template with another price in their
/// last sentence ("costs 32 dollars", "costs 83 dollars") are two, while
/// a copy's own footer ("© 2026", "posted 10:30") is in no place the
/// other text has.
pub(super) fn figures_agree(
    a: &HashMap<(String, String), HashSet<String>>,
    b: &HashMap<(String, String), HashSet<String>>,
) -> bool {
    a.iter()
        .all(|(place, figures)| b.get(place).is_none_or(|other| !figures.is_disjoint(other)))
}
