//! Subject features and grouping, measured on a labelled set written for
//! Vigia (`tests/fixtures/subjects/labelled.tsv`).

use std::collections::HashSet;

use super::*;
use crate::sentiment::Label;

fn extract(text: &str, language: Language) -> Vec<Feature> {
    extract_about("lumora", text, language)
}

fn extract_about(brand: &str, text: &str, language: Language) -> Vec<Feature> {
    Extractor::standard().features(text, &[brand.to_string()], language)
}

fn keys(features: &[Feature]) -> Vec<&str> {
    features.iter().map(|f| f.key.as_str()).collect()
}

#[test]
fn paraphrases_share_concepts_across_languages() {
    let en = extract(
        "My Lumora order is late, the delivery is delayed",
        Language::En,
    );
    let pt = extract("Entrega da Lumora atrasada de novo", Language::Pt);
    for key in ["#delivery", "#delay"] {
        assert!(keys(&en).contains(&key), "{:?}", keys(&en));
        assert!(keys(&pt).contains(&key), "{:?}", keys(&pt));
    }
    assert!(!keys(&en).contains(&"lumora"), "the brand is not a subject");
    assert!(!keys(&en).contains(&"the"), "stop words go");
}

#[test]
fn phrases_and_words_matched_only_as_written() {
    // "class action" is a phrase of #legal; neither word is on its own.
    let sued = extract("Lumora faces a class action", Language::En);
    assert!(keys(&sued).contains(&"#legal"), "{:?}", keys(&sued));
    let classy = extract("A world-class Lumora lamp, quick action", Language::En);
    assert!(!keys(&classy).contains(&"#legal"), "{:?}", keys(&classy));
    // "=connection": the word names the network, its stem does not.
    let lost = extract("My Lumora hub lost its connection", Language::En);
    assert!(keys(&lost).contains(&"#network"), "{:?}", keys(&lost));
    let maker = extract("Lumora, the maker of connected lamps", Language::En);
    assert!(!keys(&maker).contains(&"#network"), "{:?}", keys(&maker));
    // Nor does another word whose stem is the listed word.
    let networked = extract("Lumora networked lamps", Language::En);
    assert!(
        !keys(&networked).contains(&"#network"),
        "{:?}",
        keys(&networked)
    );
    // Names come from the table, in the subject's language.
    let extractor = Extractor::standard();
    assert_eq!(extractor.name("#install", true), Some("instalação"));
    assert_eq!(extractor.name("#install", false), Some("installation"));
}

#[test]
fn profiles_join_on_a_shared_core_only() {
    let late = extract("Lumora delivery delayed again", Language::En);
    let mut subject = Profile::of(&late, Label::Negative, Language::En);
    let paraphrase = extract(
        "Still waiting for my Lumora package, shipping is slow",
        Language::En,
    );
    assert!(subject.overlap(&paraphrase) >= JOIN_WEIGHT);
    let unrelated = extract("The Lumora app crashes on start", Language::En);
    assert!(subject.overlap(&unrelated) < JOIN_WEIGHT);
    assert_eq!(
        best_subject(&unrelated, Label::Negative, [(1, &subject)]),
        None
    );
    subject.add(&paraphrase, Label::Negative);
    assert_eq!(subject.members, 2);
    let label = subject.label();
    assert!(
        label.contains("delivery") && label.contains("delay"),
        "{label}"
    );
}

/// Groups a labelled set in file order, as mentions would arrive, and
/// compares with the labels pair by pair: (precision, recall).
fn grouping(file: &str) -> (f64, f64) {
    let path = format!(
        "{}/tests/fixtures/subjects/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let rows: Vec<(&str, Language, &str)> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let mut f = l.splitn(3, '\t');
            let (label, language, text) = (f.next()?, f.next()?, f.next()?);
            Some((label, Language::from_code(language)?, text))
        })
        .collect();
    // A set about another brand names it in a `# brand:` line.
    let brand = text
        .lines()
        .find_map(|l| l.strip_prefix("# brand: "))
        .map_or_else(|| "lumora".to_string(), crate::text::fold::fold);
    let extract = |text: &str, language| extract_about(&brand, text, language);
    let mut subjects: Vec<Profile> = Vec::new();
    let mut assigned = Vec::new();
    let scorers = crate::sentiment::Scorers::new(&[]);
    let thresholds = crate::sentiment::Thresholds::default();
    for (_, language, text) in &rows {
        let features = extract(text, *language);
        let tone = tone(
            scorers
                .score(text, &[*language], &thresholds)
                .polarity
                .compound,
        );
        let candidates = subjects.iter().enumerate().map(|(i, p)| (i as i64, p));
        match best_subject(&features, tone, candidates) {
            Some(i) => {
                subjects[i as usize].add(&features, tone);
                assigned.push(i as usize);
            }
            None => {
                subjects.push(Profile::of(&features, tone, *language));
                assigned.push(subjects.len() - 1);
            }
        }
    }
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for i in 0..rows.len() {
        for j in i + 1..rows.len() {
            match (rows[i].0 == rows[j].0, assigned[i] == assigned[j]) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fn_ += 1,
                (false, false) => {}
            }
        }
    }
    let precision = f64::from(tp) / f64::from(tp + fp);
    let recall = f64::from(tp) / f64::from(tp + fn_);
    println!(
        "{file}: {} mentions, {} labelled subjects, {} found; pairwise precision {precision:.3}, recall {recall:.3}",
        rows.len(),
        rows.iter().map(|r| r.0).collect::<HashSet<_>>().len(),
        subjects.len()
    );
    for (i, s) in subjects.iter().enumerate().filter(|(_, s)| s.members > 1) {
        let labels: Vec<&str> = (0..rows.len())
            .filter(|&k| assigned[k] == i)
            .map(|k| rows[k].0)
            .collect();
        println!("  {:>2} {:<40} {labels:?}", s.members, s.label());
    }
    if std::env::var_os("VIGIA_SUBJECTS_DEBUG").is_some() {
        for (k, (label, language, text)) in rows.iter().enumerate() {
            println!(
                "{:>2} {label:<14} {:?}",
                assigned[k],
                keys(&extract(text, *language))
            );
        }
    }
    (precision, recall)
}

#[test]
fn grouping_the_labelled_set() {
    let (precision, recall) = grouping("labelled.tsv");
    assert!(precision >= 0.9, "precision {precision:.3}");
    assert!(recall >= 0.8, "recall {recall:.3}");
}

/// The set the concept table was never adjusted to.
#[test]
fn grouping_the_held_out_set() {
    let (precision, recall) = grouping("held_out.tsv");
    assert!(precision >= 0.8, "precision {precision:.3}");
    assert!(recall >= 0.5, "recall {recall:.3}");
}

#[test]
fn grouping_the_lookalike_set() {
    let (precision, recall) = grouping("lookalike.tsv");
    assert!(precision >= 0.95, "precision {precision:.3}");
    assert!(recall >= 0.85, "recall {recall:.3}");
}

/// Written after the rules were settled on lookalike.tsv (precision 0.742,
/// recall 0.548 then); its misses were read when the concept table was
/// widened, so it no longer counts as unseen. Held here so they only rise.
#[test]
fn grouping_the_held_out_lookalike_set() {
    let (precision, recall) = grouping("lookalike_held_out.tsv");
    assert!(precision >= 0.92, "precision {precision:.3}");
    assert!(recall >= 0.59, "recall {recall:.3}");
}

/// A second brand and trade, written before the concept table was widened
/// and never used to change it (precision 0.684, recall 0.325 when
/// written; 0.842, 0.400 with the widened table). Held here so they only
/// rise.
#[test]
fn grouping_the_furniture_lookalike_set() {
    let (precision, recall) = grouping("lookalike_furniture.tsv");
    assert!(precision >= 0.84, "precision {precision:.3}");
    assert!(recall >= 0.40, "recall {recall:.3}");
}

/// A third brand and trade (a payments app), written by a helper that never
/// saw the rules or the concept table, and never used to change them
/// (precision 0.099, recall 0.170 when written: in a payments app every
/// story named a payment; 0.311, 0.298 with the widened table). Held here
/// so they only rise. Read since, with the telecom and food sets: 0.487,
/// 0.404.
#[test]
fn grouping_the_payments_lookalike_set() {
    let (precision, recall) = grouping("lookalike_payments.tsv");
    assert!(precision >= 0.48, "precision {precision:.3}");
    assert!(recall >= 0.40, "recall {recall:.3}");
}

/// A fourth brand and trade (an internet and mobile provider), written by
/// a helper that never saw the rules: precision 0.176, recall 0.340 with
/// the rules as they stood; 0.188, 0.340 with the general vocabulary added
/// before it was read (not-received, declined, pending, outage, no-show,
/// ...); 0.444, 0.170 once its misses were read and generic words taken
/// out of #support ("call", "phone", "chat") and the network split into a
/// thing and a problem. Held here so they only rise.
#[test]
fn grouping_the_telecom_lookalike_set() {
    let (precision, recall) = grouping("lookalike_telecom.tsv");
    assert!(precision >= 0.44, "precision {precision:.3}");
    assert!(recall >= 0.17, "recall {recall:.3}");
}

/// A fifth (a food-delivery app), written beside the telecom set: 0.048,
/// 0.222 when written (its brand, "Rangô", was not folded like the
/// store folds it, so "rango" counted as a word); 0.367, 0.400 now.
#[test]
fn grouping_the_food_lookalike_set() {
    let (precision, recall) = grouping("lookalike_food.tsv");
    assert!(precision >= 0.36, "precision {precision:.3}");
    assert!(recall >= 0.40, "recall {recall:.3}");
}

#[test]
fn placement_is_decided_without_a_database() {
    let late = extract(
        "My Lumora order is late, the delivery is two weeks overdue.",
        Language::En,
    );
    let subject = Profile::of(&late, Label::Negative, Language::En);
    let again = extract(
        "Lumora delivery delayed again, order still late.",
        Language::En,
    );
    match place(
        &again,
        Label::Negative,
        Language::En,
        vec![(7, Rc::new(subject.clone()))],
    ) {
        Placement::Join(7, profile) => assert_eq!(profile.members, 2),
        other => panic!("{other:?}"),
    }
    // Praise about the same delivery starts a subject of its own.
    let praise = extract(
        "Lumora delivery arrived early, great service, thank you!",
        Language::En,
    );
    match place(
        &praise,
        Label::Positive,
        Language::Pt,
        vec![(7, Rc::new(subject))],
    ) {
        Placement::New(profile) => {
            assert_eq!(profile.members, 1);
            assert_eq!(profile.language.as_deref(), Some("pt"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_large_subject_keeps_its_core_and_forgets_stray_words() {
    let core = extract("Lumora delivery delayed", Language::En);
    let mut subject = Profile::of(&core, Label::Negative, Language::En);
    for i in 0..200 {
        let mut features = core.clone();
        features.push(Feature {
            key: format!("stray{i}"),
            word: format!("stray{i}"),
            weight: 1,
        });
        subject.add(&features, Label::Negative);
    }
    assert!(subject.features.len() <= PROFILE_FEATURES);
    for f in &core {
        assert!(subject.core(&f.key), "{} left the core", f.key);
    }
}

#[test]
fn a_new_problem_grows_into_a_full_subject_core() {
    let core = extract("Lumora app crashes again", Language::En);
    let mut subject = Profile::of(&core, Label::Negative, Language::En);
    let stray = |i: usize| Feature {
        key: format!("stray{i}"),
        word: format!("stray{i}"),
        weight: 1,
    };
    for i in 0..160 {
        let mut features = core.clone();
        features.extend([stray(i), stray(i + 1000)]);
        subject.add(&features, Label::Negative);
    }
    let refund = extract("Lumora app crashes, no refund", Language::En);
    for i in 0..200 {
        let mut features = refund.clone();
        features.push(stray(i + 2000));
        subject.add(&features, Label::Negative);
    }
    assert!(
        subject.core("#refund"),
        "{:?}",
        subject.features.get("#refund")
    );
}
