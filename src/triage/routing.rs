//! Routing rules: which teams hear about a mention.
//!
//! Rules are tried in config order. A rule's conditions (brands, sources,
//! sentiment, reach, query) must all hold; a rule that holds adds its teams, and
//! one marked `stop` ends the search. A mention no rule claims goes to the
//! default team. Extreme scores (by default ≤ -0.8 or ≥ 0.8) also go to
//! the extremes team (management), whichever rules claimed the mention.

use super::{Facts, Policy};
use crate::name::{BrandName, TeamName};
use crate::sentiment::Label;

/// A team and who reads its mail.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    /// Name, as rules and listings use it.
    pub name: TeamName,
    /// Email addresses.
    pub recipients: Vec<String>,
    /// The language its digests and alerts are written in.
    pub language: crate::sentiment::Language,
}

/// One routing rule.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Route {
    /// Teams it sends to.
    pub teams: Vec<TeamName>,
    /// Only these brands (any when empty).
    pub brands: Vec<BrandName>,
    /// Only these sources (any when empty).
    pub sources: Vec<String>,
    /// Only this sentiment label.
    pub sentiment: Option<Label>,
    /// Only mentions whose title and quote match this query.
    pub query: Option<String>,
    /// Only mentions whose source counts at least this reach; a mention
    /// whose source counts none does not hold.
    pub min_reach: Option<u64>,
    /// Stop trying later rules when this one holds.
    pub stop: bool,
}

/// Scores extreme enough for the extremes team.
#[derive(Debug, Clone, PartialEq)]
pub struct Extremes {
    /// The team (management).
    pub team: TeamName,
    /// Compound at or below this.
    pub negative: f64,
    /// Compound at or above this.
    pub positive: f64,
}

/// The teams for a mention, given which routes' queries matched it.
pub(super) fn teams(
    policy: &Policy,
    facts: &Facts<'_>,
    matched_queries: &[usize],
) -> Vec<TeamName> {
    let mut teams: Vec<TeamName> = Vec::new();
    let add = |names: &[TeamName], teams: &mut Vec<TeamName>| {
        for name in names {
            if !teams.contains(name) {
                teams.push(name.clone());
            }
        }
    };
    for (i, route) in policy.settings.routes.iter().enumerate() {
        let holds = (route.brands.is_empty()
            || route
                .brands
                .iter()
                .any(|b| b.eq_ignore_ascii_case(facts.brand)))
            && (route.sources.is_empty() || route.sources.iter().any(|s| s == facts.source_id))
            && route.sentiment.is_none_or(|l| l == facts.sentiment.label)
            && route
                .min_reach
                .is_none_or(|least| facts.reach.is_some_and(|r| r >= least))
            && (route.query.is_none() || matched_queries.contains(&i));
        if holds {
            add(&route.teams, &mut teams);
            if route.stop {
                break;
            }
        }
    }
    if teams.is_empty() {
        teams.push(policy.settings.default_team.clone());
    }
    if let Some(x) = &policy.settings.extremes {
        let compound = facts.sentiment.polarity.compound;
        if compound <= x.negative || compound >= x.positive {
            add(std::slice::from_ref(&x.team), &mut teams);
        }
    }
    teams
}
