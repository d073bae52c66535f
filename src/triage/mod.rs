//! Triage: who should hear about a mention, how serious it is, and what
//! it is about.
//!
//! The [`Policy`] comes from the config. [`Policy::assess`] is pure and
//! runs in the pipeline, beside matching and sentiment: it picks the teams
//! (routing rules in order, the default team when none claims it, the
//! management team for extreme scores), finds alarm terms and extracts
//! the subject features. The store then places the mention in a subject,
//! judges its severity (which depends on how often the subject recurred)
//! and records teams, status and history in the same transaction as the
//! mention (`store::triage`).

pub mod routing;
pub mod severity;
pub mod subjects;

use std::collections::HashMap;
use std::time::Duration;

use crate::name::{SourceId, TeamName};
use crate::query::matcher::{BrandSpec, KeywordMatcher, MatcherError};
use crate::sentiment::Sentiment;
use crate::text::fold::Folded;
pub use routing::{Extremes, Route, Team};
pub use severity::{Reasons, Severity, SeverityRules, Signals};
use subjects::{Extractor, Feature};

/// The alarm terms when the config names none: words that mean trouble
/// whatever the sentiment says, in English and Portuguese.
pub const DEFAULT_ALARM: &str = "lawsuit OR lawsuits OR sue OR sued OR sues OR \"class action\" \
    OR recall OR recalls OR recalled OR recalling OR breach OR hacked OR leak OR leaked \
    OR boycott OR scam OR fraud OR outage OR processo OR processar OR golpe OR fraude \
    OR procon OR vazamento OR boicote OR \"reclame aqui\"";

/// Everything triage needs, compiled.
#[derive(Debug, Clone)]
pub struct Policy {
    /// What the config says.
    pub settings: Settings,
    /// Route queries (`route:N`) and the alarm query (`alarm`) in one automaton.
    matcher: KeywordMatcher,
}

/// What triage decides before the store sees the mention.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Assessment {
    /// Teams to route to, in config order, no repeats.
    pub teams: Vec<TeamName>,
    /// Alarm terms found (folded).
    pub alarms: Vec<String>,
    /// What it is about.
    pub features: Vec<Feature>,
    /// Complaint, praise or neither: subjects keep them apart.
    pub tone: crate::sentiment::Label,
    /// Its language, which a new subject's label is written in.
    pub language: crate::sentiment::Language,
    /// The source's weight.
    pub weight: f64,
}

/// The mention as triage sees it.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// Brand.
    pub brand: &'a str,
    /// Source id.
    pub source_id: &'a str,
    /// Title and quote: what is said where the brand is named (the
    /// subject's features come from it).
    pub text: &'a str,
    /// Title and the whole text: alarm and route terms count anywhere in
    /// the item.
    pub whole: &'a str,
    /// Its sentiment.
    pub sentiment: &'a Sentiment,
    /// The brand terms that matched (folded), left out of subjects.
    pub brand_terms: &'a [String],
    /// How far it reached, when its source counts it.
    pub reach: Option<u64>,
}

impl Default for Policy {
    /// One team, `everyone`, that gets everything; default severity rules.
    fn default() -> Self {
        let team = Team {
            name: "everyone".into(),
            recipients: Vec::new(),
            language: crate::sentiment::Language::En,
        };
        Policy::new(Settings {
            default_team: team.name.clone(),
            teams: vec![team],
            routes: Vec::new(),
            extremes: None,
            severity: SeverityRules::default(),
            subject_window: Duration::from_secs(7 * 86_400),
            act_at: 3,
            weights: HashMap::new(),
            alarm: DEFAULT_ALARM.to_string(),
        })
        .unwrap_or_else(|e| unreachable!("the default alarm query compiles: {e}"))
    }
}

/// Triage settings, as validated config gives them.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Teams, in config order.
    pub teams: Vec<Team>,
    /// Routing rules, in precedence order.
    pub routes: Vec<Route>,
    /// The team of a mention no rule claims.
    pub default_team: TeamName,
    /// Extreme scores also go to this team.
    pub extremes: Option<Extremes>,
    /// Where severity levels start.
    pub severity: SeverityRules,
    /// The window in which a subject's mentions count.
    pub subject_window: Duration,
    /// Mentions in the window from which a subject is "act", not "watch".
    pub act_at: u32,
    /// Source id → weight (1 when absent).
    pub weights: HashMap<SourceId, f64>,
    /// The alarm query.
    pub alarm: String,
}

impl Policy {
    /// Compiles the route and alarm queries (which the config has parsed).
    pub fn new(settings: Settings) -> Result<Policy, MatcherError> {
        let mut specs: Vec<BrandSpec> = settings
            .routes
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                r.query.as_ref().map(|q| BrandSpec {
                    name: format!("route:{i}").into(),
                    queries: vec![q.clone()],
                })
            })
            .collect();
        specs.push(BrandSpec {
            name: "alarm".into(),
            queries: vec![settings.alarm.clone()],
        });
        Ok(Policy {
            matcher: KeywordMatcher::new(&specs)?,
            settings,
        })
    }

    /// Teams, alarm terms, features and weight for one mention.
    pub fn assess(&self, facts: &Facts<'_>) -> Assessment {
        let found = self.matcher.find_folded(&Folded::new(facts.whole));
        let mut matched_routes = Vec::new();
        let mut alarms = Vec::new();
        for m in found {
            match m.brand.strip_prefix("route:") {
                Some(i) => matched_routes.extend(i.parse::<usize>().ok()),
                None => alarms = m.terms,
            }
        }
        let teams = routing::teams(self, facts, &matched_routes);
        let features =
            Extractor::standard().features(facts.text, facts.brand_terms, facts.sentiment.language);
        Assessment {
            teams,
            alarms,
            features,
            tone: subjects::tone(facts.sentiment.polarity.compound),
            language: facts.sentiment.language,
            weight: self.weight(facts.source_id),
        }
    }

    /// A source's weight: 1 unless the config says otherwise.
    pub fn weight(&self, source_id: &str) -> f64 {
        self.settings.weights.get(source_id).copied().unwrap_or(1.0)
    }

    /// The team with this name.
    pub fn team(&self, name: &str) -> Option<&Team> {
        self.settings.teams.iter().find(|t| t.name == name)
    }
}

#[cfg(test)]
mod tests;
