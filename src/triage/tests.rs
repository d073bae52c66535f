//! Routing by each kind of rule, precedence, the default team, extremes
//! and alarm terms.

use super::*;
use crate::name::TeamName;
use crate::sentiment::{Label, Language, Polarity, Sentiment};

fn team(name: &str) -> Team {
    Team {
        language: crate::sentiment::Language::En,
        name: name.into(),
        recipients: vec![format!("{name}@example.com")],
    }
}

fn route(teams: &[&str]) -> Route {
    Route {
        teams: teams.iter().map(|&t| TeamName::from(t)).collect(),
        ..Route::default()
    }
}

fn policy(routes: Vec<Route>) -> Policy {
    let names = [
        "customer-service",
        "tech",
        "marketing",
        "advertising",
        "management",
    ];
    Policy::new(Settings {
        teams: names.iter().map(|n| team(n)).collect(),
        routes,
        default_team: "customer-service".into(),
        extremes: Some(Extremes {
            team: "management".into(),
            negative: -0.8,
            positive: 0.8,
        }),
        severity: SeverityRules::default(),
        subject_window: Duration::from_secs(7 * 86_400),
        act_at: 3,
        weights: HashMap::from([("press".into(), 2.0)]),
        alarm: DEFAULT_ALARM.into(),
    })
    .unwrap()
}

fn sentiment(compound: f64) -> Sentiment {
    Sentiment {
        polarity: Polarity {
            compound,
            ..Polarity::default()
        },
        label: crate::sentiment::Thresholds::default().label(compound),
        language: Language::En,
        lexicon: "test",
    }
}

fn assess(p: &Policy, brand: &str, source: &str, text: &str, compound: f64) -> Assessment {
    reaching(p, (brand, source, text, compound), None)
}

fn reaching(
    p: &Policy,
    (brand, source, text, compound): (&str, &str, &str, f64),
    reach: Option<u64>,
) -> Assessment {
    let s = sentiment(compound);
    p.assess(&Facts {
        brand,
        source_id: source,
        text,
        whole: text,
        sentiment: &s,
        brand_terms: &["lumora".to_string()],
        reach,
    })
}

#[test]
fn a_route_may_want_a_least_reach() {
    let p = policy(vec![Route {
        min_reach: Some(10_000),
        ..route(&["marketing"])
    }]);
    let said = ("Lumora", "reddit", "Lumora is fine", 0.1);
    assert_eq!(reaching(&p, said, Some(25_000)).teams, ["marketing"]);
    assert_eq!(
        reaching(&p, said, Some(10_000)).teams,
        ["marketing"],
        "at least"
    );
    assert_eq!(reaching(&p, said, Some(9_999)).teams, ["customer-service"]);
    assert_eq!(
        reaching(&p, said, None).teams,
        ["customer-service"],
        "a source that counts no reach does not hold"
    );
}

fn the_rules() -> Vec<Route> {
    vec![
        Route {
            query: Some(r#"refund OR reembolso OR "never arrived""#.into()),
            ..route(&["customer-service"])
        },
        Route {
            query: Some(r#"bug OR crash OR "site down""#.into()),
            ..route(&["tech"])
        },
        Route {
            query: Some("ad OR commercial OR campaign".into()),
            ..route(&["advertising", "marketing"])
        },
        Route {
            sources: vec!["press".into()],
            ..route(&["marketing"])
        },
        Route {
            sentiment: Some(Label::Negative),
            brands: vec!["Lumora Pro".into()],
            ..route(&["tech"])
        },
    ]
}

#[test]
fn each_kind_of_rule_routes() {
    let p = policy(the_rules());
    let teams = |brand, source, text, compound| assess(&p, brand, source, text, compound).teams;
    assert_eq!(
        teams("Lumora", "blog", "Lumora refund still pending", -0.3),
        ["customer-service"]
    );
    assert_eq!(
        teams("Lumora", "blog", "Lumora app crash on start", -0.3),
        ["tech"]
    );
    assert_eq!(
        teams("Lumora", "blog", "The new Lumora commercial is fun", 0.5),
        ["advertising", "marketing"],
        "one rule, two teams"
    );
    assert_eq!(
        teams("Lumora", "press", "Lumora opens a factory", 0.1),
        ["marketing"],
        "by source"
    );
    assert_eq!(
        teams("lumora pro", "blog", "Lumora Pro is meh", -0.2),
        ["tech"],
        "by brand and sentiment"
    );
    assert_eq!(
        teams("Lumora Pro", "blog", "Lumora Pro is fine", 0.3),
        ["customer-service"],
        "sentiment does not hold: the default team"
    );
    assert_eq!(
        teams("Lumora", "press", "Lumora ad campaign, and a crash", 0.0),
        ["tech", "advertising", "marketing"],
        "every rule that holds adds its teams, in rule order"
    );
    assert_eq!(
        teams("Lumora", "blog", "Lumora sponsors a marathon", 0.2),
        ["customer-service"],
        "default"
    );
    assert_eq!(
        teams("Lumora", "blog", "Lumora is a disgrace", -0.9),
        ["customer-service", "management"],
        "extremes also go to management"
    );
    assert_eq!(
        teams("Lumora", "blog", "Best Lumora lamp ever", 0.85),
        ["customer-service", "management"]
    );
    assert_eq!(
        teams("Lumora", "blog", "Lumora adds a reembolso form", 0.0),
        ["customer-service"],
        "query terms in Portuguese"
    );
}

#[test]
fn a_stop_rule_ends_the_search() {
    let mut rules = the_rules();
    rules.insert(
        0,
        Route {
            query: Some("lawsuit".into()),
            stop: true,
            ..route(&["management"])
        },
    );
    let p = policy(rules);
    assert_eq!(
        assess(&p, "Lumora", "blog", "Lumora refund lawsuit filed", -0.5).teams,
        ["management"],
        "the first rule stops before the refund rule"
    );
    assert_eq!(
        assess(&p, "Lumora", "blog", "Lumora refund pending", -0.5).teams,
        ["customer-service"]
    );
}

#[test]
fn alarms_weights_and_features_come_with_the_teams() {
    let p = policy(Vec::new());
    let a = assess(
        &p,
        "Lumora",
        "press",
        "Lumora faces a class action over a recall",
        -0.5,
    );
    assert_eq!(a.alarms, ["class action", "recall"]);
    assert_eq!(a.weight, 2.0);
    assert!(
        a.features.iter().any(|f| f.key == "#legal"),
        "{:?}",
        a.features
    );
    let b = assess(
        &p,
        "Lumora",
        "blog",
        "Lumora é um golpe, chamem o Procon",
        -0.5,
    );
    assert_eq!(b.alarms, ["golpe", "procon"]);
    assert_eq!(b.weight, 1.0);
    assert!(assess(&p, "Lumora", "blog", "Lumora lamps are nice", 0.5)
        .alarms
        .is_empty());
}
