//! Case and accent folding, and the word tokens the matcher and the
//! fingerprint work on.
//!
//! Folding lower-cases and strips combining marks after compatibility
//! decomposition, so `Reclamação` and `reclamacao` fold to the same word,
//! and so do full-width `ＡＣＭＥ` and `acme`.
//! `aho-corasick`'s `ascii_case_insensitive` folds ASCII only, which is why
//! folding happens here, once per document, before the automaton sees it.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// A document reduced to its folded words, joined by single spaces, with the
/// byte span of every word in the original text.
#[derive(Debug, Default)]
pub struct Folded {
    /// Folded words joined by one space: the haystack the automaton scans.
    pub text: String,
    /// Start of each word in `text`, ascending.
    starts: Vec<usize>,
    /// Byte span of each word in the original text.
    spans: Vec<(usize, usize)>,
}

impl Folded {
    /// Folds `original` into words.
    ///
    /// # Examples
    ///
    /// ```
    /// let folded = vigia::text::fold::Folded::new("Reclamação: ACME-Corp!");
    /// // `|` marks the sentence break, so no phrase spans "reclamacao acme".
    /// assert_eq!(folded.text, "reclamacao | acme corp");
    /// ```
    pub fn new(original: &str) -> Self {
        // About as long as the original; a word every six bytes or so.
        let mut folded = Folded {
            text: String::with_capacity(original.len()),
            starts: Vec::with_capacity(original.len() / 6),
            spans: Vec::with_capacity(original.len() / 6),
        };
        let mut word_start = None;
        let mut gap_start = 0;
        for (i, c) in original.char_indices() {
            if is_ignorable(c) {
                continue;
            }
            match (is_word_char(c), word_start) {
                (true, None) => {
                    if is_break(&original[gap_start..i]) {
                        folded.push_break();
                    }
                    word_start = Some(i);
                }
                (false, Some(start)) => {
                    folded.push_word(original, start, i);
                    word_start = None;
                    gap_start = i;
                }
                _ => {}
            }
        }
        if let Some(start) = word_start {
            folded.push_word(original, start, original.len());
        }
        folded
    }

    fn push_word(&mut self, original: &str, start: usize, end: usize) {
        let before = self.text.len();
        if !self.text.is_empty() {
            self.text.push(' ');
        }
        let at = self.text.len();
        fold_into(&original[start..end], &mut self.text);
        if self.text.len() == at {
            // Nothing but marks: not a word.
            self.text.truncate(before);
            return;
        }
        self.starts.push(at);
        self.spans.push((start, end));
    }

    /// Marks a line or sentence break, so that a phrase cannot match across
    /// it (a title and the body under it, two sentences).
    fn push_break(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with(BREAK) {
            self.text.push(' ');
            self.text.push_str(BREAK);
        }
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when the document has no words at all.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// True when `[start, end)` in `text` begins and ends on word boundaries.
    pub fn on_word_boundaries(&self, start: usize, end: usize) -> bool {
        let bytes = self.text.as_bytes();
        (start == 0 || bytes[start - 1] == b' ') && (end == bytes.len() || bytes[end] == b' ')
    }

    /// Byte span in the original text of the words covering `[start, end)`
    /// of `text`.
    pub fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        let first = self.word_at(start);
        let last = self.word_at(end.saturating_sub(1).max(start));
        (self.spans[first].0, self.spans[last].1)
    }

    fn word_at(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// The folded words, in order.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.text
            .split(' ')
            .filter(|w| !w.is_empty() && *w != BREAK)
    }
}

/// What stands between two words separated by a line or sentence break.
/// Patterns are made of words only, so they never contain it.
const BREAK: &str = "|";

/// A gap between words is a break when it holds a line break, or
/// sentence punctuation followed by white space (`Acme. Corp`, not
/// `acme.io`).
fn is_break(gap: &str) -> bool {
    gap.contains('\n')
        || (gap.contains(['.', '!', '?', ';', ':', '|']) && gap.contains(char::is_whitespace))
}

/// Invisible characters that may sit inside a word without splitting it:
/// soft hyphen, zero-width space and joiners, word joiner, BOM.
fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}'
    )
}

/// True for characters that belong to a word: letters, digits and the
/// combining marks of text that arrives already decomposed.
pub fn is_word_char(c: char) -> bool {
    // Most text is ASCII, where no mark combines: no table lookup.
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    c.is_alphanumeric() || is_combining_mark(c)
}

/// Folds one string (case and accents) and returns it.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

/// Appends the folded form of `text` to `out`.
pub fn fold_into(text: &str, out: &mut String) {
    // Most words are ASCII: lower-cased in place, nothing to decompose
    // (every ignorable character is beyond ASCII).
    if text.is_ascii() {
        let at = out.len();
        out.push_str(text);
        out[at..].make_ascii_lowercase();
        return;
    }
    for c in text.chars() {
        if is_ignorable(c) {
            continue;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        for lower in c.to_lowercase() {
            decompose_compatible(lower, |d| {
                if !is_combining_mark(d) {
                    push_base_letter(d, out);
                }
            });
        }
    }
}

/// Letters that carry their accent in the base letter rather than in a
/// combining mark, so decomposition leaves them alone.
fn push_base_letter(c: char, out: &mut String) {
    match c {
        'ß' => out.push_str("ss"),
        'æ' => out.push_str("ae"),
        'œ' => out.push_str("oe"),
        'ø' => out.push('o'),
        'ł' => out.push('l'),
        'đ' | 'ð' => out.push('d'),
        'ı' => out.push('i'),
        'þ' => out.push_str("th"),
        _ => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_accents() {
        for (input, want) in [
            ("Reclamação", "reclamacao"),
            ("ÉCOLE", "ecole"),
            ("Straße", "strasse"),
            ("Øresund", "oresund"),
            ("São Paulo", "sao paulo"),
            ("İstanbul", "istanbul"),
            ("ＡＣＭＥ", "acme"),
            ("ﬁnance", "finance"),
            ("Ac\u{ad}me", "acme"),
        ] {
            assert_eq!(fold(input), want, "{input}");
        }
    }

    #[test]
    fn decomposed_input_folds_like_composed() {
        let decomposed = "reclamac\u{327}a\u{303}o";
        assert_eq!(Folded::new(decomposed).text, "reclamacao");
    }

    #[test]
    fn words_split_on_punctuation_and_keep_spans() {
        let text = "  Acme-Corp's  «news», 2024!";
        let folded = Folded::new(text);
        assert_eq!(folded.text, "acme corp s news 2024");
        let (s, e) = folded.original_span(0, 9);
        assert_eq!(&text[s..e], "Acme-Corp");
        let at = folded.text.find("news").unwrap_or_default();
        let (s, e) = folded.original_span(at, at + 4);
        assert_eq!(&text[s..e], "news");
    }

    #[test]
    fn invisible_characters_do_not_split_words() {
        assert_eq!(
            Folded::new("Ac\u{ad}me and Ac\u{200b}me").text,
            "acme and acme"
        );
        assert_eq!(Folded::new("a \u{301}\u{301} b").text, "a b");
    }

    #[test]
    fn line_and_sentence_breaks_stop_phrases() {
        assert_eq!(
            Folded::new("We visited Acme\n\nCorp rules").text,
            "we visited acme | corp rules"
        );
        assert_eq!(Folded::new("Acme. Corp").text, "acme | corp");
        assert_eq!(Folded::new("acme.io, acme-corp").text, "acme io acme corp");
        let folded = Folded::new("One.\nTwo. Three");
        assert_eq!(folded.words().collect::<Vec<_>>(), ["one", "two", "three"]);
        let at = folded.text.find("three").unwrap_or_default();
        let (s, e) = folded.original_span(at, at + 5);
        assert_eq!(&"One.\nTwo. Three"[s..e], "Three");
    }

    #[test]
    fn boundaries() {
        let folded = Folded::new("acmeville acme");
        assert!(!folded.on_word_boundaries(0, 4));
        assert!(folded.on_word_boundaries(10, 14));
    }
}
