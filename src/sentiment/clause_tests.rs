//! The Portuguese clause rules, checked by hand, and English untouched by
//! them. compound = x / √(x² + 15), x the sum of the valences; lexicon:
//! "bom" 1.8, "melhor" 1.9, "pior" -3.1, "chato" -1.3, "péssimo" -2.1,
//! "gostei" 1.8; N_SCALAR = -0.74.

use super::vader::Rule;
use super::*;

fn pt(text: &str) -> f64 {
    portuguese().polarity_scores(text).compound
}

/// The rules applied to `word` of `text`, in order.
fn rules_on(text: &str, word: &str) -> Vec<Rule> {
    portuguese()
        .explain(text)
        .words
        .iter()
        .find(|w| w.word == word)
        .map(|w| w.steps.iter().map(|s| s.rule).collect())
        .unwrap_or_default()
}

#[test]
fn negation_reaches_through_its_clause() {
    // Four words back: VADER's three-word window misses it.
    // 1.8 × -0.74 = -1.332.
    assert_eq!(pt("Não achei o livro bom."), -0.3252);
    assert_eq!(
        rules_on("Não achei o livro bom.", "bom"),
        [Rule::Lexicon, Rule::ClauseNegation]
    );
    // Negative concord: "não ... nada" negates once, not twice.
    assert_eq!(pt("Não é nada bom."), -0.3252);
    // The clause ends at punctuation and at "e", "porque"...: "péssimo"
    // and "chato" stay negative.
    assert_eq!(pt("Não achei o livro bom, o final é péssimo."), -0.6632); // -1.332 - 2.1
    assert_eq!(pt("Não achei o livro bom e o final é péssimo."), -0.6632);
    assert_eq!(pt("Não gostei porque é chato."), -0.5621); // -1.332 - 1.3
                                                           // "é" ("is") folds to "e" ("and") but is no boundary.
    assert_eq!(pt("Não é bom."), -0.3252);
    // "não só" is "not only"; "nunca ... tão" is VADER's "never so".
    assert_eq!(pt("Não só é bom."), 0.4215); // 1.8
    assert_eq!(pt("Nunca li um livro tão bom."), 0.5598); // (1.8 + 0.293) × 1.25
                                                          // "sem" keeps VADER's three words, and a negation in them agrees
                                                          // with it ("sem graça nenhuma") rather than opening a clause scope.
    assert_eq!(rules_on("Sem graça nenhuma e bom", "bom"), [Rule::Lexicon]);
    assert_eq!(
        rules_on("Sem volta nenhuma o livro é bom", "bom"),
        [Rule::Lexicon]
    );
    // ...but only within its clause.
    assert_eq!(
        rules_on("Sem spoilers, não achei o livro bom", "bom"),
        [Rule::Lexicon, Rule::ClauseNegation]
    );
}

#[test]
fn counterfactuals_negate_their_clause() {
    assert_eq!(pt("Poderia ser melhor."), -0.3412); // 1.9 × -0.74
    assert_eq!(pt("Poderia ser pior."), 0.5096); // -3.1 × -0.74 = 2.294
    assert_eq!(pt("Não poderia ser melhor."), 0.2594); // 1.9 × 0.74²
    assert_eq!(
        rules_on("Deveria ser melhor", "melhor"),
        [Rule::Lexicon, Rule::Hypothetical]
    );
    // The marker is neutral itself (LeIA scores "esperava" 1.6, "hoped").
    assert_eq!(pt("Esperava."), 0.0);
    // Only the rest of its clause: "bom" after the comma counts.
    assert_eq!(
        pt("Poderia ser melhor, mas é bom."),
        pt("Poderia ser melhor, mas é bom")
    );
    assert!(pt("Poderia ser melhor, mas é bom.") > 0.0);
    // "séria" ("serious") folds to "seria" but is no marker.
    assert_eq!(rules_on("Uma história séria e bom", "bom"), [Rule::Lexicon]);
}

#[test]
fn concessive_clauses_are_halved_and_main_clauses_weigh_more() {
    // 1.8 × 0.5 = 0.9 and -1.3 × 1.5 = -1.95: sum -1.05.
    assert_eq!(pt("Mesmo que seja bom, é chato."), -0.2617);
    assert_eq!(pt("Embora seja bom, é chato."), -0.2617);
    assert_eq!(pt("É chato, apesar de ser bom."), -0.2617);
    // "pelo menos": faint praise, 1.8 × 0.5.
    assert_eq!(pt("Pelo menos o final é bom."), 0.2263);
    assert_eq!(
        rules_on("Embora seja bom, é chato.", "chato"),
        [Rule::Lexicon, Rule::MainClause]
    );
}

#[test]
fn questions_are_halved() {
    assert_eq!(pt("O livro é bom?"), 0.2263); // 1.8 × 0.5
                                              // Only the sentence that ends with "?".
    assert_eq!(pt("O livro é bom? Sim, é bom."), 0.7096); // 0.9 + 1.2 + 1.8
}

#[test]
fn english_has_no_clause_rules() {
    assert!(rules::Rules::english().clause.is_none());
    let e = english();
    // Four words back: VADER's English leaves it positive.
    assert_eq!(
        e.polarity_scores("Not that I found the book good.")
            .compound,
        0.4404
    );
    assert_eq!(e.polarity_scores("It could be better.").compound, 0.4404);
    assert_eq!(e.polarity_scores("Is it good?").compound, 0.4404);
}
