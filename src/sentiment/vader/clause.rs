//! Rules over whole clauses, for languages whose rules ask for them
//! (Portuguese; VADER's English never runs this file):
//! - a negation reaches every lexicon word after it in its clause ("não
//!   achei o livro bom"), once however many negations there are: Portuguese
//!   has negative concord ("não é nada bom" is not a double negation);
//! - a counterfactual marker ("poderia", "deveria", "esperava", "se
//!   fosse") negates the lexicon words after it in its clause: "poderia
//!   ser melhor" says it was not good, "poderia ser pior" that it was not
//!   bad;
//! - a concessive clause ("embora", "apesar de", "mesmo que", "pelo
//!   menos") is halved, as VADER halves what comes before "but": the
//!   judgment is in the main clause.
//!
//! A clause ends at , . ; : ! ? ( ) and before "but", a boundary
//! conjunction ("e", "porque") or a concessive marker.

use super::explain::{Rule, Trace};
use super::table::*;
use super::{Token, Words};
use crate::sentiment::rules::{ClauseWords, N_SCALAR};

/// What the clause rules say about one word: the words that put it in
/// their scope.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Mark {
    negation: Option<usize>,
    hypothetical: Option<usize>,
    concessive: Option<usize>,
    /// In a sentence that ends with "?".
    question: bool,
    /// Outside the concessive clause of its sentence: the main clause.
    main: bool,
}

/// Concessive clauses count half.
const CONCESSIVE_FACTOR: f64 = 0.5;
/// The main clause of a concessive sentence counts more, as after "but".
const MAIN_FACTOR: f64 = 1.5;
/// A question asserts nothing: its words count half.
const QUESTION_FACTOR: f64 = 0.5;

/// Marks every token of a text: once per text, before any word is scored.
pub(super) fn mark(
    text: &str,
    lower: &str,
    tokens: &[Token],
    rules: &ClauseWords,
    marks: &mut Vec<Mark>,
) {
    let w = Words {
        text,
        lower,
        tokens,
        marks: &[],
    };
    let mut scope = Mark::default();
    let mut sentence = 0;
    let mut scope_start = 0;
    for k in 0..w.len() {
        let concessive = w.is(k, CONCESSIVE) || concessive_pair(&w, k, rules);
        // Folding merges "e" ("and") with "é" ("is"), "seria" with
        // "séria" ("serious"): boundaries and markers are spelt without
        // accents.
        let plain = w.word(k).is_ascii();
        if w.is(k, BUT) || (w.is(k, BOUNDARY) && plain) || concessive {
            scope = Mark::default();
            scope_start = k;
        }
        if concessive {
            scope.concessive = Some(k);
        }
        marks.push(scope);
        let next = |flag: u32| k + 1 < w.len() && w.is(k + 1, flag);
        // "nunca tão": VADER's "never so" intensifies instead.
        let never_so = w.is(k, NEVER) && next(SO_THIS);
        // "sem dúvida nenhuma", "sem nenhum problema": concord with the
        // short negation "sem", three words back at most.
        let concord = (scope_start.max(k.saturating_sub(3))..k).any(|j| w.is(j, NEGATION));
        if w.is(k, CLAUSE_NEG) && !never_so && !concord && !next(NOT_ONLY) {
            scope.negation = scope.negation.or(Some(k));
        }
        if w.is(k, HYPOTHETICAL) && plain {
            scope.hypothetical = scope.hypothetical.or(Some(k));
        }
        let after = trailing_punctuation(&w, k);
        if after.iter().any(|b| CLAUSE_END.contains(b)) {
            scope = Mark::default();
            scope_start = k + 1;
        }
        if after.iter().any(|b| SENTENCE_END.contains(b)) {
            if rules.questions && after.contains(&b'?') {
                marks[sentence..].iter_mut().for_each(|m| m.question = true);
            }
            main_clause(&mut marks[sentence..]);
            sentence = k + 1;
        }
    }
    main_clause(&mut marks[sentence..]);
}

/// Marks the words of a sentence with a concessive clause that are
/// outside it: as after "but", they carry the judgment.
fn main_clause(sentence: &mut [Mark]) {
    if sentence.iter().any(|m| m.concessive.is_some()) {
        for m in sentence.iter_mut().filter(|m| m.concessive.is_none()) {
            m.main = true;
        }
    }
}

/// Whether words `k` and `k + 1` are a concessive marker of two words.
fn concessive_pair(w: &Words, k: usize, rules: &ClauseWords) -> bool {
    w.is(k, CONCESSIVE_PAIR)
        && k + 1 < w.len()
        && rules
            .concessive_pairs
            .iter()
            .any(|(a, b)| a == w.lower(k) && b == w.lower(k + 1))
}

/// Punctuation that ends a clause, and a sentence.
const CLAUSE_END: &[u8] = b",.;:!?()";
const SENTENCE_END: &[u8] = b".!?";

/// The punctuation right after word `k` (or ending it: words of two
/// letters keep their punctuation), up to the next space.
fn trailing_punctuation<'a>(w: &Words<'a>, k: usize) -> &'a [u8] {
    let (start, _) = w.tokens[k].word;
    let rest = &w.text.as_bytes()[start..];
    let raw = rest
        .iter()
        .position(u8::is_ascii_whitespace)
        .map_or(rest, |n| &rest[..n]);
    let punct = raw
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_punctuation())
        .count();
    &raw[raw.len() - punct..]
}

/// Word `i`'s valence under a negation in its clause.
pub(super) fn negate<T: Trace>(w: &Words, i: usize, valence: f64, trace: &mut T) -> f64 {
    match w.marks.get(i).and_then(|m| m.negation) {
        // "nunca li um livro tão bom": "never so" intensifies, however far.
        Some(k) if w.is(k, NEVER) && (k + 1..i).any(|j| w.is(j, SO_THIS)) => valence,
        Some(k) => {
            let negated = valence * N_SCALAR;
            trace.step(i, Rule::ClauseNegation, Some(k), negated);
            negated
        }
        None => valence,
    }
}

/// Word `i`'s valence under a counterfactual or concessive marker in its
/// clause.
pub(super) fn mood<T: Trace>(w: &Words, i: usize, mut valence: f64, trace: &mut T) -> f64 {
    let Some(mark) = w.marks.get(i) else {
        return valence;
    };
    if let Some(k) = mark.hypothetical {
        valence *= N_SCALAR;
        trace.step(i, Rule::Hypothetical, Some(k), valence);
    }
    if let Some(k) = mark.concessive {
        valence *= CONCESSIVE_FACTOR;
        trace.step(i, Rule::Concessive, Some(k), valence);
    }
    if mark.main {
        valence *= MAIN_FACTOR;
        trace.step(i, Rule::MainClause, None, valence);
    }
    if mark.question {
        valence *= QUESTION_FACTOR;
        trace.step(i, Rule::Question, None, valence);
    }
    valence
}
