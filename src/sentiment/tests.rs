//! The scorers by hand: each VADER rule checked against the Python
//! reference's numbers, and the Portuguese rules and repairs. The ground-truth
//! evaluations run from `scripts/eval.sh`.

use super::*;

fn score(text: &str) -> f64 {
    english().polarity_scores(text).compound
}

#[test]
fn each_rule_by_hand() {
    // good = 1.9 in the lexicon; compound = x / sqrt(x² + 15).
    let cases: [(&str, f64); 16] = [
        ("The book was good.", 0.4404),             // 1.9 / sqrt(1.9² + 15)
        ("The book was not good.", -0.3412),        // negation: 1.9 × -0.74
        ("The book was very good.", 0.4927),        // booster: 1.9 + 0.293
        ("The book was VERY GOOD.", 0.6867),        // caps in mixed-case text: + 0.733 each
        ("The book was good!!!", 0.5826),           // 3 × 0.292 added to the sum
        ("The service was good?? Really??", 0.594), // 4 question marks: + 0.96
        ("The book was kind of good.", 0.3832),     // "kind of" dampens by 0.293
        ("The plot was good, but the characters are dull.", -0.3818), // × 0.5 before "but", × 1.5 after
        ("good good but good", 0.775), // the reference's list.index quirk
        ("At least it isn't a horrible book.", 0.431), // "least" and "n't"
        ("He is the shit", 0.6124),    // special case "the shit" = 3
        ("I 😍 it", 0.4588),           // emoji read as its description
        ("Never so happy", 0.6948),    // "never so" intensifies × 1.25
        ("no problem", 0.3089),        // "no" before a lexicon word negates it
        ("Today SUX!", -0.5461),       // caps and "!"
        ("", 0.0),
    ];
    for (text, want) in cases {
        assert_eq!(score(text), want, "{text:?}");
    }
}

#[test]
fn portuguese_rules_by_hand() {
    let pt = |t: &str| portuguese().polarity_scores(t).compound;
    let good = pt("Gostei do livro.");
    assert!(good > 0.05, "{good}");
    assert!(pt("Não gostei do livro.") < -0.05, "negation flips it");
    assert!(
        pt("Nao gostei do livro.") < -0.05,
        "with or without the accent"
    );
    assert!(pt("Gostei muito do livro.") > good, "muito boosts");
    assert!(
        pt("O começo é bom, mas o final é péssimo.") < 0.0,
        "mas weighs the second half"
    );
    assert!(pt("Livro péssimo") < -0.05, "a word LeIA lacks");
    assert!(
        pt("Que livro chato") < -0.05 && pt("Que história chata") < -0.05,
        "gender forms"
    );
    assert!(pt("Amei 😍") > pt("Amei"), "emoji kept and read");
}

#[test]
fn portuguese_repairs_by_hand() {
    let pt = |t: &str| portuguese().polarity_scores(t).compound;
    // compound = x / sqrt(x² + 15), x the valence.
    let cases: [(&str, f64); 11] = [
        ("O autor escreveu um romance.", 0.0), // LeIA: "autor" -2.2, "romance" 2.6
        ("Livros excelentes", 0.5719),         // plural of "excelente", 2.7 ("excellent")
        ("Chatíssimo", -0.3804),               // superlative: "chato" -1.3 - 0.293
        ("Decepcionou", -0.4019),              // preterite of "decepcionar", -1.7
        ("Vale a pena", 0.34),                 // one expression, 1.4 ("worthwhile")
        ("Não vale a pena", -0.2584),          // the expression negated: 1.4 × -0.74
        ("Sem graça", -0.4019),                // expression, -1.7 ("dull")
        ("Sem emoção", -0.2755),               // "sem" negates "emoção", 1.5 × -0.74
        ("Pésssimo", -0.4767),                 // stretched "péssimo", -2.1
        ("Lindooo", 0.5994),                   // stretched "lindo", 2.9
        ("uma verdadeira porcaria", -0.4391),  // degree adjective: -1.6 - 0.293
    ];
    for (text, want) in cases {
        assert_eq!(pt(text), want, "{text:?}");
    }
    // Contrast words weigh the second half as "mas" does.
    let but = pt("O começo é bom, mas o final é péssimo.");
    for word in [
        "porém",
        "contudo",
        "entretanto",
        "todavia",
        "no entanto",
        "só que",
    ] {
        let text = format!("O começo é bom, {word} o final é péssimo.");
        assert_eq!(pt(&text), but, "{text:?}");
    }
    let p = portuguese();
    assert_eq!(
        p.prepare("Não vale a pena, porém..."),
        "Não vale_a_pena, mas..."
    );
    assert_eq!(p.prepare("VALE A PENA!"), "VALE_A_PENA!");
    assert_eq!(
        p.prepare("vale, a pena"),
        "vale, a pena",
        "not across punctuation"
    );
    assert!(matches!(
        p.prepare("Gostei."),
        std::borrow::Cow::Borrowed(_)
    ));
}

#[test]
fn portuguese_inflections() {
    use super::portuguese::{gender_number_forms, superlative_forms, verb_forms};
    let forms = verb_forms("decepcionar");
    for form in ["decepciono", "decepcionei", "decepcionou", "decepcionando"] {
        assert!(forms.iter().any(|f| f == form), "{form}: {forms:?}");
    }
    assert!(
        !verb_forms("matar").iter().any(|f| f == "mato"),
        "short present forms are nouns too"
    );
    let forms = verb_forms("adorando");
    assert!(forms.iter().any(|f| f == "adorei") && !forms.iter().any(|f| f == "adoro"));
    assert_eq!(gender_number_forms("agradavel"), ["agradaveis"]);
    assert_eq!(gender_number_forms("facil"), ["facis", "faceis"]);
    assert_eq!(gender_number_forms("pior"), ["piores"]);
    assert_eq!(gender_number_forms("emocao"), ["emocoes"]);
    assert!(gender_number_forms("mal").is_empty(), "not \"mais\"");
    assert_eq!(superlative_forms("agradavel"), ["agradabilissimo"]);
    assert_eq!(superlative_forms("feliz"), ["felicissimo"]);
    assert_eq!(superlative_forms("fraco"), ["fraquissimo"]);
}

#[test]
fn portuguese_additions_are_valued_as_their_english_entry() {
    let english: std::collections::HashMap<&str, &str> = include_str!("data/en/vader_lexicon.txt")
        .lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((f.next()?, f.next()?))
        })
        .collect();
    let files = [
        include_str!("data/pt/vigia_additions.tsv"),
        include_str!("data/pt/brand_risk.tsv"),
        include_str!("data/en/brand_risk.tsv"),
    ];
    for line in files.iter().flat_map(|f| f.lines()) {
        if line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 3, "{line:?}");
        // Neutral phrases (greetings) say why instead of naming an entry.
        if f[1] == "0" {
            assert!(f[2].starts_with('(') && f[2].ends_with(')'), "{line:?}");
            continue;
        }
        assert_eq!(english.get(f[2]), Some(&f[1]), "{line:?}");
    }
}

#[test]
fn config_overrides_change_only_their_lexicon() {
    let plain = Scorers::with_layers(&[], Layers::Reference);
    let brand = Scorers::with_layers(
        &[
            Override {
                language: Language::En,
                word: "Recall".into(),
                valence: -2.0,
            },
            Override {
                language: Language::Pt,
                word: "recall".into(),
                valence: -2.0,
            },
            Override {
                language: Language::Pt,
                word: "Tela Azul".into(),
                valence: -2.0,
            },
        ],
        Layers::Reference,
    );
    let t = Thresholds::default();
    let en = "The recall was announced today";
    assert_eq!(plain.score(en, &[Language::En], &t).label, Label::Neutral);
    assert_eq!(brand.score(en, &[Language::En], &t).label, Label::Negative);
    let pt = "A empresa anunciou um recall hoje";
    assert_eq!(plain.score(pt, &[Language::Pt], &t).label, Label::Neutral);
    assert_eq!(brand.score(pt, &[Language::Pt], &t).label, Label::Negative);
    let phrase = "O aplicativo mostrou a tela azul";
    assert_eq!(
        plain.score(phrase, &[Language::Pt], &t).label,
        Label::Neutral
    );
    assert_eq!(
        brand.score(phrase, &[Language::Pt], &t).polarity.compound,
        -0.4588,
        "an override of two words is an expression"
    );
    // Everything else is untouched.
    assert_eq!(
        brand
            .score("The book was good.", &[Language::En], &t)
            .polarity
            .compound,
        0.4404
    );
}

#[test]
fn explanations_follow_the_rules_and_match_the_scores() {
    let steps = |e: &Explanation, word: &str| -> Vec<(Rule, Option<String>, f64)> {
        e.words
            .iter()
            .find(|w| w.word == word)
            .map(|w| {
                w.steps
                    .iter()
                    .map(|s| (s.rule, s.by.clone(), (s.valence * 1e4).round() / 1e4))
                    .collect()
            })
            .unwrap_or_default()
    };
    let by = |w: &str| Some(w.to_string());
    let e = english().explain("The plot was good, but the characters are dull.");
    assert_eq!(
        e.polarity,
        english().polarity_scores("The plot was good, but the characters are dull.")
    );
    assert_eq!(
        steps(&e, "good"),
        [
            (Rule::Lexicon, None, 1.9),
            (Rule::BeforeBut, by("but"), 0.95)
        ]
    );
    assert_eq!(
        steps(&e, "dull"),
        [
            (Rule::Lexicon, None, -1.7),
            (Rule::AfterBut, by("but"), -2.55)
        ]
    );
    assert_eq!(e.words.len(), 2, "only words that count");

    let e = english().explain("Today SUX! He is the shit. At least it isn't horrible");
    assert_eq!(steps(&e, "SUX")[1], (Rule::Caps, None, -2.233));
    assert_eq!(steps(&e, "shit")[1], (Rule::Idiom, by("the"), 3.0));
    assert_eq!(
        steps(&e, "horrible")[1],
        (Rule::Negation, by("isn't"), 1.85)
    );
    assert!(e.punctuation > 0.0 && e.sum > 0.0);

    let e = english().explain("Never so happy, no problem, kind of nice");
    assert_eq!(steps(&e, "happy")[2], (Rule::NeverSo, by("Never"), 3.7413));
    assert_eq!(steps(&e, "no")[1], (Rule::NoBeforeWord, None, 0.0));
    assert_eq!(
        steps(&e, "problem")[1],
        (Rule::NegatedByNo, by("no"), 1.258)
    );
    assert_eq!(steps(&e, "kind"), [(Rule::Modifier, None, 0.0)]);

    let e = portuguese().explain("Não gostei muito, mas o final é ótimo");
    assert_eq!(
        steps(&e, "gostei"),
        [
            (Rule::Lexicon, None, 1.8),
            (Rule::ClauseNegation, by("Não"), -1.332),
            (Rule::BoosterAfter, by("muito"), -1.625),
            (Rule::BeforeBut, by("mas"), -0.8125),
        ]
    );
    assert_eq!(
        e.polarity,
        portuguese().polarity_scores("Não gostei muito, mas o final é ótimo")
    );
}

#[test]
fn an_override_sets_its_inflected_forms_but_not_words_of_their_own() {
    let en = |w: &str| super::inflections(Language::En, w);
    assert!(en("recall").iter().any(|f| f == "recalls"));
    assert!(en("recall").iter().any(|f| f == "recalling"));
    assert!(en("scam").iter().any(|f| f == "scammed"));
    assert!(en("outage").iter().any(|f| f == "outages"));
    let pt = super::inflections(Language::Pt, "golpe");
    assert!(pt.iter().any(|f| f == "golpes"), "{pt:?}");
    let scorers = Scorers::new(&[
        Override {
            language: Language::En,
            word: "scam".into(),
            valence: -2.5,
        },
        // "like" would make "liked", which VADER values itself.
        Override {
            language: Language::En,
            word: "like".into(),
            valence: -1.0,
        },
    ]);
    let t = Thresholds::default();
    assert!(
        scorers
            .score("They scammed us", &[Language::En], &t)
            .polarity
            .compound
            < 0.0
    );
    let plain = english().polarity_scores("I liked it").compound;
    assert_eq!(
        scorers
            .score("I liked it", &[Language::En], &t)
            .polarity
            .compound,
        plain
    );
}

#[test]
fn the_brand_risk_layer_reads_risk_that_the_reference_lexicons_miss() {
    let t = Thresholds::default();
    let reference = Scorers::with_layers(&[], Layers::Reference);
    let risk = Scorers::new(&[]);
    for (text, language) in [
        ("Lumora recalls 12,000 bulbs over overheating", Language::En),
        ("An outage took the app down for hours", Language::En),
        ("App da Lumora fica fora do ar", Language::Pt),
        ("Houve vazamento de dados de clientes", Language::Pt),
    ] {
        let plain = reference.score(text, &[language], &t);
        let scored = risk.score(text, &[language], &t);
        assert_eq!(plain.label, Label::Neutral, "{text}");
        assert_eq!(scored.label, Label::Negative, "{text}");
        assert!(scored.lexicon.ends_with("+risk"), "{}", scored.lexicon);
    }
    // Everything else scores as the reference does.
    let text = "The book was VERY GOOD.";
    assert_eq!(
        risk.score(text, &[Language::En], &t).polarity,
        reference.score(text, &[Language::En], &t).polarity
    );
}
