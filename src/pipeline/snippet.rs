//! The quote a mention keeps: the sentence around the first hit, or about
//! `[limits] quote_chars` characters (300 by default) around it when the
//! sentence is longer.

use crate::limits::{self, Limit};

/// Longest quote, in characters (`[limits] quote_chars`).
pub fn max_chars() -> usize {
    limits::get(Limit::QuoteChars)
}

/// How far a cut may move to land on white space.
const SNAP_BYTES: usize = 60;

/// The quote for a hit at byte span `[start, end)` of `text`.
///
/// # Examples
///
/// ```
/// use vigia::pipeline::snippet::quote;
/// let text = "Shipping was slow. Acme never answered my emails! I gave up.";
/// let at = text.find("Acme").unwrap();
/// assert_eq!(quote(text, at, at + 4), "Acme never answered my emails!");
/// ```
pub fn quote(text: &str, start: usize, end: usize) -> String {
    let (s, e) = sentence_around(text, start, end);
    let sentence = text[s..e].trim();
    if sentence.chars().count() <= max_chars() {
        return sentence.to_string();
    }
    limits::applied(Limit::QuoteChars);
    window(text, start, end)
}

/// The first [`max_chars`] characters of `text`, cut at a word.
pub fn lead(text: &str) -> String {
    window(text, 0, 0)
}

fn sentence_around(text: &str, start: usize, end: usize) -> (usize, usize) {
    let before = &text[..start];
    let s = before
        .char_indices()
        .rev()
        .find(|&(i, c)| c == '\n' || (is_terminal(c) && followed_by_space(text, i + c.len_utf8())))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let after = &text[end..];
    let e = after
        .char_indices()
        .find(|&(i, c)| c == '\n' || (is_terminal(c) && followed_by_space(after, i + c.len_utf8())))
        .map_or(text.len(), |(i, c)| {
            if c == '\n' {
                end + i
            } else {
                end + i + c.len_utf8()
            }
        });
    (s, e)
}

fn is_terminal(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '。' | '…')
}

fn followed_by_space(text: &str, at: usize) -> bool {
    text[at..].chars().next().is_none_or(char::is_whitespace)
}

/// About [`max_chars`] characters centred on the hit, cut at white space,
/// with an ellipsis where text was cut.
fn window(text: &str, start: usize, end: usize) -> String {
    let max = max_chars();
    let hit_chars = text[start..end].chars().count();
    if hit_chars >= max {
        // A "hit" this long is mostly filler (marks, punctuation between
        // the words of a phrase): quote its start.
        let cut = forward_chars(text, start, max);
        return format!("{}…", &text[start..cut]);
    }
    let side = (max - hit_chars) / 2;
    let mut from = back_chars(text, start, side);
    let budget = (max - hit_chars).saturating_sub(chars_between(text, from, start));
    let mut to = forward_chars(text, end, budget);
    // Cut at a word, unless that would throw away much of the context.
    if from > 0 {
        from = text[from..start]
            .find(char::is_whitespace)
            .filter(|&i| i <= SNAP_BYTES)
            .map_or(from, |i| from + i);
    }
    if to < text.len() {
        to = text[end..to]
            .rfind(char::is_whitespace)
            .filter(|&i| to - (end + i) <= SNAP_BYTES)
            .map_or(to, |i| end + i);
    }
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.push_str(text[from..to].trim());
    if to < text.len() {
        out.push('…');
    }
    out
}

/// A title for an item that has none: the start of `text`, up to about
/// 80 characters, cut at a word.
///
/// # Examples
///
/// ```
/// use vigia::pipeline::snippet::headline;
/// assert_eq!(headline("Short."), "Short.");
/// let long = "word ".repeat(30);
/// assert!(headline(&long).ends_with("word…"));
/// ```
pub fn headline(text: &str) -> String {
    cut(text.trim_start_matches('…'), 80)
}

/// `text` cut to at most `limit` characters, at a word, with an ellipsis
/// where it was cut.
pub fn cut(text: &str, limit: usize) -> String {
    let text = text.trim();
    let cut = forward_chars(text, 0, limit);
    if cut == text.len() {
        return text.to_string();
    }
    let cut = text[..cut]
        .rfind(char::is_whitespace)
        .filter(|&i| i > 0)
        .unwrap_or(cut);
    format!("{}…", text[..cut].trim_end())
}

fn back_chars(text: &str, from: usize, n: usize) -> usize {
    text[..from]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i)
}

fn forward_chars(text: &str, from: usize, n: usize) -> usize {
    text[from..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| from + i)
}

fn chars_between(text: &str, a: usize, b: usize) -> usize {
    text[a..b].chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str, needle: &str) -> String {
        let at = text.find(needle).unwrap_or_default();
        quote(text, at, at + needle.len())
    }

    #[test]
    fn picks_the_sentence() {
        assert_eq!(
            q("First. Then Acme said no? Last.", "Acme"),
            "Then Acme said no?"
        );
        assert_eq!(
            q("Title about Acme\nBody text.", "Acme"),
            "Title about Acme"
        );
        assert_eq!(q("Acme v1.2 is out. Next.", "Acme"), "Acme v1.2 is out.");
        assert_eq!(q("Só a Acme", "Acme"), "Só a Acme");
    }

    #[test]
    fn long_sentences_give_a_window_around_the_hit() {
        let text = format!("{} Acme {}", "word ".repeat(200), "más ".repeat(200));
        let out = q(&text, "Acme");
        assert!(out.starts_with('…') && out.ends_with('…'), "{out}");
        assert!(out.contains("Acme"));
        assert!(
            out.chars().count() <= max_chars() + 2,
            "{}",
            out.chars().count()
        );
        assert!(
            out.chars().count() > max_chars() - 20,
            "{}",
            out.chars().count()
        );
    }

    #[test]
    fn hostile_hits_never_panic() {
        let marks = format!("Acme{} corp", "\u{301}".repeat(400));
        assert!(quote(&marks, 0, marks.len()).chars().count() <= max_chars() + 1);
        let hyphens = format!("acme{}corp and more", "-".repeat(400));
        let out = quote(&hyphens, 0, 408);
        assert!(out.starts_with("acme---") && out.ends_with('…'), "{out}");
        let emoji = format!("{} Acme {}", "😀".repeat(500), "😀".repeat(500));
        let at = emoji.find("Acme").unwrap_or_default();
        let out = quote(&emoji, at, at + 4);
        assert!(out.chars().count() > 200, "context kept: {out}");
    }

    #[test]
    fn lead_cuts_at_a_word() {
        let text = "palavra ".repeat(100);
        let out = lead(&text);
        assert!(out.ends_with("palavra…"), "{out}");
        assert_eq!(lead("short"), "short");
    }
}
