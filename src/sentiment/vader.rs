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
//!
//! Speed: each word is looked up once, in one table that also says which
//! rule words it is, and the per-text buffers are reused, so scoring a
//! text allocates nothing in the common case.

mod clause;
mod explain;
mod table;
mod text;
mod valence;

use std::cell::RefCell;

use rustc_hash::FxHashMap;

use explain::Trace;
pub use explain::{Explanation, Rule, Step, WordScore};
use table::*;
use text::is_py_upper;
pub use text::normalize;
use valence::{but_check, score_valence};

use super::rules::Rules;
use super::Polarity;
use crate::text::fold::{fold, fold_into};

/// A VADER scorer over one lexicon. Build once; scoring takes `&self`.
#[derive(Debug, Clone)]
pub struct Vader {
    /// Every word the rules know: lexicon valence, booster value and the
    /// rule words it is, so that scoring looks a word up once.
    words: Table,
    emojis: FxHashMap<char, String>,
    rules: Rules,
}

/// One word of the text being scored.
#[derive(Debug, Clone, Copy)]
struct Token {
    /// Byte range in the (emoji-replaced) text.
    word: (usize, usize),
    /// Byte range of its lower-cased (or folded) form in `Scratch::lower`,
    /// or None when the word is its own lower case.
    lower: Option<(usize, usize)>,
    info: Info,
    upper: bool,
}

impl Token {
    fn is(&self, flag: u32) -> bool {
        self.info.flags & flag != 0
    }
}

/// Buffers reused from one text to the next.
#[derive(Default)]
struct Scratch {
    text: String,
    lower: String,
    tokens: Vec<Token>,
    sentiments: Vec<f64>,
    /// The clause rules' marks, one per token; empty without them.
    marks: Vec<clause::Mark>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The words of one text: the tokens and the strings they point into.
struct Words<'a> {
    text: &'a str,
    lower: &'a str,
    tokens: &'a [Token],
    marks: &'a [clause::Mark],
}

impl<'a> Words<'a> {
    fn word(&self, i: usize) -> &'a str {
        let (s, e) = self.tokens[i].word;
        &self.text[s..e]
    }

    fn lower(&self, i: usize) -> &'a str {
        match self.tokens[i].lower {
            Some((s, e)) => &self.lower[s..e],
            None => self.word(i),
        }
    }

    fn len(&self) -> usize {
        self.tokens.len()
    }

    fn is(&self, i: usize, flag: u32) -> bool {
        self.tokens[i].is(flag)
    }

    fn in_lexicon(&self, i: usize) -> bool {
        self.tokens[i].info.lex.is_some()
    }
}

impl Vader {
    /// A scorer over a lexicon file (`token<TAB>mean<TAB>…`, later lines
    /// win), an emoji file (`emoji<TAB>description`) and a language's rules.
    pub fn new(lexicon: &str, emojis: &str, rules: Rules) -> Vader {
        let mut words = Table::default();
        for line in lexicon.trim_end_matches('\n').split('\n') {
            let mut fields = line.trim().split('\t');
            if let (Some(word), Some(measure)) = (fields.next(), fields.next()) {
                if let Ok(value) = measure.parse::<f64>() {
                    let key = if rules.fold {
                        fold(word)
                    } else {
                        word.to_string()
                    };
                    words.entry(&key).lex = Some(value);
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
        for (word, boost) in &rules.boosters {
            words.entry(word).boost = Some(*boost);
        }
        let mut flag = |word: &str, flag: u32| {
            // An empty rule word (Portuguese has no separate "no") never
            // occurs as a token.
            if !word.is_empty() {
                words.entry(word).flags |= flag;
            }
        };
        for word in &rules.idiom_starts {
            flag(word, IDIOM_START);
        }
        for word in &rules.negations {
            flag(word, NEGATION);
        }
        for word in &rules.or_nor {
            flag(word, OR_NOR);
        }
        for word in &rules.so_this {
            flag(word, SO_THIS);
        }
        for word in &rules.at_very {
            flag(word, AT_VERY);
        }
        flag(&rules.no, NO);
        flag(&rules.kind_of.0, KIND);
        flag(&rules.kind_of.1, OF);
        flag(&rules.never, NEVER);
        flag(&rules.without_doubt.0, WITHOUT);
        flag(&rules.without_doubt.1, DOUBT);
        flag(&rules.least, LEAST);
        flag(&rules.but, BUT);
        if let Some(clause) = &rules.clause {
            for word in &clause.negations {
                // Negated through the clause instead of three words.
                words.entry(word).flags &= !NEGATION;
                words.entry(word).flags |= CLAUSE_NEG;
            }
            let lists = [
                (&clause.not_only, NOT_ONLY),
                (&clause.boundaries, BOUNDARY),
                (&clause.concessive, CONCESSIVE),
                (&clause.hypothetical, HYPOTHETICAL),
            ];
            for (list, flag) in lists {
                for word in list {
                    words.entry(word).flags |= flag;
                }
            }
            for (first, _) in &clause.concessive_pairs {
                words.entry(first).flags |= CONCESSIVE_PAIR;
            }
        }
        Vader {
            words,
            emojis: emoji,
            rules,
        }
    }

    /// This scorer with some lexicon entries set (added or replaced).
    pub fn with_overrides(mut self, entries: &[(String, f64)]) -> Vader {
        for (word, valence) in entries {
            let key = if self.rules.fold {
                fold(word)
            } else {
                word.to_lowercase()
            };
            self.words.entry(&key).lex = Some(*valence);
        }
        self
    }

    /// Whether the lexicon has a valence for `word` (lower case; folded
    /// when this scorer folds).
    pub fn knows(&self, word: &str) -> bool {
        let key = if self.rules.fold {
            fold(word)
        } else {
            word.to_lowercase()
        };
        self.words.get(&key).is_some_and(|i| i.lex.is_some())
    }

    /// Scores one text as `SentimentIntensityAnalyzer().polarity_scores`.
    pub fn polarity_scores(&self, text: &str) -> Polarity {
        self.score(text, &mut ())
    }

    /// Scores one text and says why: each word's valence and the rules
    /// that changed it.
    pub fn explain(&self, text: &str) -> Explanation {
        let mut explanation = Explanation::default();
        explanation.polarity = self.score(text, &mut explanation);
        explanation
    }

    fn score<T: Trace>(&self, text: &str, trace: &mut T) -> Polarity {
        SCRATCH.with(|cell| {
            let mut scratch = cell.borrow_mut();
            let Scratch {
                text: buffer,
                lower,
                tokens,
                sentiments,
                marks,
            } = &mut *scratch;
            let text = if self.replace_emoji(text, buffer) {
                buffer.as_str()
            } else {
                text
            };
            self.tokenize(text, lower, tokens);
            marks.clear();
            if let Some(clause) = &self.rules.clause {
                clause::mark(text, lower, tokens, clause, marks);
            }
            let words = Words {
                text,
                lower,
                tokens,
                marks,
            };
            trace.start((0..words.len()).map(|i| words.word(i)));
            let allcap = tokens.iter().filter(|t| t.upper).count();
            let cap_diff = 0 < allcap && allcap < tokens.len();
            sentiments.clear();
            for (i, token) in tokens.iter().enumerate() {
                let kind_of = token.is(KIND) && i + 1 < tokens.len() && words.is(i + 1, OF);
                let valence = if token.info.lex.is_none() {
                    0.0
                } else if token.info.boost.is_some() || kind_of {
                    trace.step(i, Rule::Modifier, None, 0.0);
                    0.0
                } else {
                    self.valence(&words, i, cap_diff, trace)
                };
                sentiments.push(valence);
            }
            but_check(&words, sentiments, trace);
            let polarity = score_valence(sentiments, text, trace);
            scratch.shrink();
            polarity
        })
    }

    /// Replaces each emoji by its description into `out`; false when the
    /// text is ASCII (no emoji key is) and `out` is not used.
    fn replace_emoji(&self, text: &str, out: &mut String) -> bool {
        if text.is_ascii() {
            return false;
        }
        out.clear();
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
        true
    }

    /// Splits `text` as the reference does (`split()`, then punctuation
    /// stripped from words longer than two characters) and looks each
    /// lower-cased word up.
    fn tokenize(&self, text: &str, lower: &mut String, tokens: &mut Vec<Token>) {
        lower.clear();
        tokens.clear();
        text::py_split(text, |start, end, classes| {
            let (s, e) = text::strip_punc_if_word(text, start, end);
            let word = &text[s..e];
            let ascii = classes & text::NON_ASCII == 0;
            // An ASCII word without capitals is its own lower case.
            let own = ascii && classes & text::UPPER == 0;
            let from = lower.len();
            if own {
            } else if self.rules.fold {
                fold_into(word, lower);
            } else if ascii {
                lower.push_str(word);
                lower[from..].make_ascii_lowercase();
            } else {
                lower.push_str(&word.to_lowercase());
            }
            let key = if own { word } else { &lower[from..] };
            let mut info = match self.words.get(key) {
                Some(info) => info,
                // Portuguese: a word stretched for emphasis ("pésssimo",
                // "lindooo") is the word. English keeps VADER's lookups.
                None if self.rules.fold => squeezed(key)
                    .into_iter()
                    .flatten()
                    .find_map(|w| self.words.get(&w))
                    .unwrap_or_default(),
                None => Default::default(),
            };
            if let Some(infix) = &self.rules.negation_infix {
                // A word without punctuation cannot hold an infix that has
                // some (VADER's "n't"): most words skip the scan.
                let may_hold =
                    classes & text::PUNCT != 0 || !infix.bytes().any(|b| b.is_ascii_punctuation());
                if may_hold && contains(key.as_bytes(), infix.as_bytes()) {
                    info.flags |= NEGATION;
                }
            }
            // Punctuation is not cased: the classes of the whole token
            // say whether the stripped word is upper case.
            let upper = if ascii {
                classes & text::UPPER != 0 && classes & text::LOWER == 0
            } else {
                is_py_upper(word)
            };
            tokens.push(Token {
                word: (s, e),
                lower: if own { None } else { Some((from, lower.len())) },
                info,
                upper,
            });
        });
    }
}

/// Whether `needle` occurs in `haystack`: words are short, and a plain
/// scan beats a substring searcher's set-up or a `memcmp` call.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.len() >= needle.len()
        && (0..=haystack.len() - needle.len()).any(|i| {
            haystack[i..i + needle.len()]
                .iter()
                .zip(needle)
                .all(|(a, b)| a == b)
        })
}

impl Scratch {
    /// Gives back the memory of an unusually long text.
    fn shrink(&mut self) {
        const KEEP: usize = 1 << 16;
        if self.text.capacity() > KEEP || self.lower.capacity() > KEEP {
            *self = Scratch::default();
        }
    }
}

/// `word` with every run of three or more of one letter cut to two
/// ("pesssimo" → "pessimo") and to one ("otimooo" → "otimo"), to look up
/// in that order; None when no letter (folded words are ASCII) repeats
/// three times.
fn squeezed(word: &str) -> Option<[String; 2]> {
    // Most words looked up miss: rule them out without allocating.
    let stretched = word
        .as_bytes()
        .windows(3)
        .any(|w| w[0] == w[1] && w[1] == w[2] && w[0].is_ascii_alphabetic());
    if !stretched {
        return None;
    }
    let mut runs = Vec::new();
    for c in word.chars() {
        match runs.last_mut() {
            Some((last, n)) if *last == c => *n += 1,
            _ => runs.push((c, 1usize)),
        }
    }
    let cut = |keep: usize| -> String {
        runs.iter()
            .flat_map(|&(c, n)| {
                std::iter::repeat_n(
                    c,
                    if n >= 3 && c.is_ascii_alphabetic() {
                        keep
                    } else {
                        n
                    },
                )
            })
            .collect()
    };
    Some([cut(2), cut(1)])
}
