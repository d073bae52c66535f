//! Why a text scored as it did: each word's lexicon valence and every rule
//! that changed it, recorded while the scorer runs. Plain scoring passes
//! `()` as its trace, which compiles to nothing.

use serde::Serialize;

use crate::sentiment::Polarity;

/// A rule of the algorithm that changed a word's valence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The word's valence in the lexicon.
    Lexicon,
    /// A booster or "kind of": neutral itself, it changes its neighbour.
    Modifier,
    /// "no" right before another lexicon word is neutral itself.
    NoBeforeWord,
    /// "no" up to three words before negates.
    NegatedByNo,
    /// ALL CAPS in mixed-case text adds emphasis.
    Caps,
    /// A booster or dampener up to three words before (less further away).
    Booster,
    /// A booster right after the word (Portuguese: "gostei muito").
    BoosterAfter,
    /// A negation up to three words before.
    Negation,
    /// "never so", "never this": intensifies instead of negating.
    NeverSo,
    /// A special case or idiom sets the valence.
    Idiom,
    /// A booster of several words before.
    MultiwordBooster,
    /// "least" before negates, unless "at least", "very least".
    Least,
    /// Before "but": halved.
    BeforeBut,
    /// After "but": times 1.5.
    AfterBut,
    /// A negation earlier in the clause (Portuguese: "não achei o livro
    /// bom").
    ClauseNegation,
    /// A counterfactual marker earlier in the clause ("poderia ser melhor").
    Hypothetical,
    /// In a concessive clause ("embora", "apesar de"): halved.
    Concessive,
    /// Outside a concessive clause, in its sentence: × 1.5.
    MainClause,
    /// In a question: halved.
    Question,
}

impl Rule {
    /// What the rule did, for a person.
    pub fn describe(self) -> &'static str {
        match self {
            Rule::Lexicon => "lexicon",
            Rule::Modifier => "modifier: neutral itself",
            Rule::NoBeforeWord => "\"no\" before a lexicon word: neutral",
            Rule::NegatedByNo => "negated by",
            Rule::Caps => "ALL CAPS emphasis",
            Rule::Booster => "boosted by",
            Rule::BoosterAfter => "boosted by the next word",
            Rule::Negation => "negated by",
            Rule::NeverSo => "intensified by",
            Rule::Idiom => "idiom starting at",
            Rule::MultiwordBooster => "boosted by the phrase starting at",
            Rule::Least => "negated by",
            Rule::BeforeBut => "halved before",
            Rule::AfterBut => "× 1.5 after",
            Rule::ClauseNegation => "negated, in its clause, by",
            Rule::Hypothetical => "made hypothetical by",
            Rule::Concessive => "halved in the concessive clause of",
            Rule::MainClause => "× 1.5 in the main clause of a concessive sentence",
            Rule::Question => "halved in a question",
        }
    }
}

/// One change to a word's valence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The rule.
    pub rule: Rule,
    /// The word that triggered it, when another word did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The valence after the change.
    pub valence: f64,
}

/// A word that carries sentiment, or that a rule touched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WordScore {
    /// The word as it appears in the text (punctuation stripped).
    pub word: String,
    /// What happened to it, in order.
    pub steps: Vec<Step>,
    /// Its final valence, the one summed.
    pub valence: f64,
}

/// Why a text scored as it did.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Explanation {
    /// The words that count, in text order.
    pub words: Vec<WordScore>,
    /// What "!" and "?" add to the sum, away from zero.
    pub punctuation: f64,
    /// The sum that is normalised: sum / √(sum² + 15) is the compound.
    pub sum: f64,
    /// The scores.
    pub polarity: Polarity,
    #[serde(skip)]
    tokens: Vec<String>,
    #[serde(skip)]
    steps: Vec<Vec<Step>>,
}

/// What the scorer reports as it goes.
pub(super) trait Trace {
    /// The words of the text, before any rule runs.
    fn start<'a>(&mut self, words: impl Iterator<Item = &'a str>);
    /// Word `i` now has `valence`, because of `rule`, triggered by word `by`.
    fn step(&mut self, i: usize, rule: Rule, by: Option<usize>, valence: f64);
    /// The final valences, the punctuation emphasis and the sum.
    fn finish(&mut self, sentiments: &[f64], punctuation: f64, sum: f64);
}

impl Trace for () {
    #[inline(always)]
    fn start<'a>(&mut self, _: impl Iterator<Item = &'a str>) {}
    #[inline(always)]
    fn step(&mut self, _: usize, _: Rule, _: Option<usize>, _: f64) {}
    #[inline(always)]
    fn finish(&mut self, _: &[f64], _: f64, _: f64) {}
}

impl Trace for Explanation {
    fn start<'a>(&mut self, words: impl Iterator<Item = &'a str>) {
        self.tokens = words.map(str::to_string).collect();
        self.steps = vec![Vec::new(); self.tokens.len()];
    }

    fn step(&mut self, i: usize, rule: Rule, by: Option<usize>, valence: f64) {
        let by = by.map(|k| self.tokens[k].clone());
        self.steps[i].push(Step { rule, by, valence });
    }

    fn finish(&mut self, sentiments: &[f64], punctuation: f64, sum: f64) {
        let steps = std::mem::take(&mut self.steps);
        let tokens = std::mem::take(&mut self.tokens);
        self.words = tokens
            .into_iter()
            .zip(steps)
            .zip(sentiments)
            .filter(|((_, steps), _)| !steps.is_empty())
            .map(|((word, steps), &valence)| WordScore {
                word,
                steps,
                valence,
            })
            .collect();
        self.punctuation = punctuation;
        self.sum = sum;
    }
}
