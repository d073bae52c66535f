//! Validation of `[[team]]`, `[[route]]`, `[triage]` and source weights,
//! into a triage [`Policy`].

use std::collections::HashMap;
use std::time::Duration;

use toml::Spanned;

use super::check::Checker;
use super::raw::{RawConfig, Text};
use super::Brand;
use crate::name::SourceId;
use crate::name::{BrandName, TeamName};
use crate::query::Query;
use crate::sentiment::Label;
use crate::sentiment::Language;
use crate::triage::{Extremes, Route, Settings, SeverityRules, Team, DEFAULT_ALARM};

impl Checker<'_> {
    /// A source's `weight`: 0 to 10, 1 when absent.
    pub(super) fn weight(&mut self, value: Option<&Spanned<f64>>, key: &str) -> f64 {
        match value {
            None => 1.0,
            Some(v) if (0.0..=10.0).contains(v.get_ref()) => *v.get_ref(),
            Some(v) => {
                let msg = format!(
                    "{} is out of range (0 to 10; 1 is neutral, 0 mutes)",
                    v.get_ref()
                );
                self.push(Some(v.span()), key, msg);
                1.0
            }
        }
    }

    fn query(&mut self, value: &Text, key: &str) -> Option<String> {
        match Query::parse(value.get_ref()) {
            Ok(_) => Some(value.get_ref().clone()),
            Err(e) => {
                self.push(
                    Some(value.span()),
                    key,
                    format!("{:?}: {e}", value.get_ref()),
                );
                None
            }
        }
    }

    pub(super) fn number(
        &mut self,
        value: Option<&Spanned<f64>>,
        key: &str,
        range: (f64, f64),
        default: f64,
    ) -> f64 {
        match value {
            None => default,
            Some(v) if (range.0..=range.1).contains(v.get_ref()) => *v.get_ref(),
            Some(v) => {
                let msg = format!(
                    "{} is out of range ({} to {})",
                    v.get_ref(),
                    range.0,
                    range.1
                );
                self.push(Some(v.span()), key, msg);
                default
            }
        }
    }
}

/// Teams, routes and `[triage]`, checked against the brands and source ids.
pub(super) fn policy(
    check: &mut Checker<'_>,
    raw: &RawConfig,
    brands: &[Brand],
    weights: HashMap<SourceId, f64>,
) -> Settings {
    let mut teams: Vec<Team> = Vec::new();
    for (i, t) in raw.teams.iter().enumerate() {
        let key = format!("team[{i}]");
        let name = t.name.get_ref().trim();
        if name.is_empty() {
            check.push(Some(t.name.span()), format!("{key}.name"), "is empty");
        } else if teams.iter().any(|x| x.name == name) {
            check.push(
                Some(t.name.span()),
                format!("{key}.name"),
                format!("{name:?} is defined twice"),
            );
        }
        let mut recipients = Vec::new();
        for (j, r) in t.recipients.iter().enumerate() {
            match r.get_ref().trim().parse::<lettre::message::Mailbox>() {
                Ok(mailbox) => recipients.push(mailbox.to_string()),
                Err(e) => {
                    let msg = format!("{:?} is not an email address ({e})", r.get_ref());
                    check.push(Some(r.span()), format!("{key}.recipients[{j}]"), msg);
                }
            }
        }
        let language = match &t.language {
            None => Language::En,
            Some(code) => Language::from_code(code.get_ref()).unwrap_or_else(|| {
                let msg = format!(
                    "{:?}: digests and alerts are written in \"en\" or \"pt\"",
                    code.get_ref()
                );
                check.push(Some(code.span()), format!("{key}.language"), msg);
                Language::En
            }),
        };
        teams.push(Team {
            name: TeamName::from(name),
            recipients,
            language,
        });
    }
    if teams.is_empty() {
        teams.push(Team {
            name: "everyone".into(),
            recipients: Vec::new(),
            language: Language::En,
        });
    }
    let known = |name: &str| teams.iter().any(|t| t.name == name);
    let team_ref = |check: &mut Checker<'_>, value: &Text, key: String| -> Option<TeamName> {
        let name = value.get_ref().trim();
        if known(name) {
            Some(TeamName::from(name))
        } else {
            let names: Vec<&str> = teams.iter().map(|t| t.name.as_str()).collect();
            let msg = format!(
                "no [[team]] is named {name:?} (teams: {})",
                names.join(", ")
            );
            check.push(Some(value.span()), key, msg);
            None
        }
    };
    let mut routes = Vec::new();
    for (i, r) in raw.routes.iter().enumerate() {
        let key = format!("route[{i}]");
        if r.teams.get_ref().is_empty() {
            check.push(
                Some(r.teams.span()),
                format!("{key}.teams"),
                "is empty: name at least one team",
            );
        }
        let route_teams = r
            .teams
            .get_ref()
            .iter()
            .enumerate()
            .filter_map(|(j, t)| team_ref(check, t, format!("{key}.teams[{j}]")))
            .collect();
        let query = r
            .query
            .as_ref()
            .and_then(|q| check.query(q, &format!("{key}.query")));
        for (j, s) in r.sources.iter().enumerate() {
            if !weights.contains_key(s.get_ref().as_str()) {
                let msg = format!(
                    "{:?} is not a configured feed, maildir or imap name",
                    s.get_ref()
                );
                check.push(Some(s.span()), format!("{key}.sources[{j}]"), msg);
            }
        }
        for (j, b) in r.brands.iter().enumerate() {
            if !brands
                .iter()
                .any(|x| x.name.eq_ignore_ascii_case(b.get_ref()))
            {
                let msg = format!("{:?} is not a configured brand", b.get_ref());
                check.push(Some(b.span()), format!("{key}.brands[{j}]"), msg);
            }
        }
        let sentiment = r
            .sentiment
            .as_ref()
            .and_then(|s| match s.get_ref().as_str() {
                "negative" => Some(Label::Negative),
                "neutral" => Some(Label::Neutral),
                "positive" => Some(Label::Positive),
                other => {
                    let msg = format!("{other:?} is not a label (negative, neutral or positive)");
                    check.push(Some(s.span()), format!("{key}.sentiment"), msg);
                    None
                }
            });
        routes.push(Route {
            teams: route_teams,
            brands: r
                .brands
                .iter()
                .map(|b| BrandName::from(b.get_ref().as_str()))
                .collect(),
            sources: r.sources.iter().map(|s| s.get_ref().clone()).collect(),
            sentiment,
            query,
            min_reach: r.min_reach.as_ref().and_then(|m| {
                let n = u64::try_from(*m.get_ref()).ok();
                if n.is_none() {
                    let msg = format!(
                        "{} is negative (a count of followers, points or views)",
                        m.get_ref()
                    );
                    check.push(Some(m.span()), format!("{key}.min_reach"), msg);
                }
                n
            }),
            stop: r.stop,
        });
    }
    let t = &raw.triage;
    let default_team = match &t.default_team {
        Some(v) => team_ref(check, v, "triage.default_team".into()).unwrap_or_default(),
        None => teams[0].name.clone(),
    };
    let extremes_team = match &t.extremes_team {
        Some(v) => team_ref(check, v, "triage.extremes_team".into()),
        None => known("management").then(|| TeamName::from("management")),
    };
    let extremes = extremes_team.map(|team| Extremes {
        team,
        negative: check.number(
            t.extreme_negative.as_ref(),
            "triage.extreme_negative",
            (-1.0, 0.0),
            -0.8,
        ),
        positive: check.number(
            t.extreme_positive.as_ref(),
            "triage.extreme_positive",
            (0.0, 1.0),
            0.8,
        ),
    });
    let defaults = SeverityRules::default();
    let severity = SeverityRules {
        negative: check.number(
            t.negative.as_ref(),
            "triage.negative",
            (-1.0, 0.0),
            defaults.negative,
        ),
        very_negative: check.number(
            t.very_negative.as_ref(),
            "triage.very_negative",
            (-1.0, 0.0),
            defaults.very_negative,
        ),
        notable: check.number(
            t.notable.as_ref(),
            "triage.notable",
            (0.0, 100.0),
            defaults.notable,
        ),
        urgent: check.number(
            t.urgent.as_ref(),
            "triage.urgent",
            (0.0, 100.0),
            defaults.urgent,
        ),
        critical: check.number(
            t.critical.as_ref(),
            "triage.critical",
            (0.0, 100.0),
            defaults.critical,
        ),
    };
    if !(severity.notable <= severity.urgent && severity.urgent <= severity.critical) {
        check.push(
            None,
            "triage",
            "severity levels must rise: notable ≤ urgent ≤ critical",
        );
    }
    let alarm = match &t.alarm {
        Some(q) => check.query(q, "triage.alarm").unwrap_or_default(),
        None => DEFAULT_ALARM.to_string(),
    };
    let subject_window = check.duration(
        t.subject_window.as_ref(),
        "triage.subject_window",
        Duration::from_secs(7 * 86_400),
    );
    let act_at = match &t.act_at {
        None => 3,
        Some(v) if (1..=1000).contains(v.get_ref()) => *v.get_ref() as u32,
        Some(v) => {
            check.push(
                Some(v.span()),
                "triage.act_at",
                format!("{} is out of range (1 to 1000)", v.get_ref()),
            );
            3
        }
    };
    Settings {
        teams,
        routes,
        default_team,
        extremes,
        severity,
        subject_window,
        act_at,
        // Only the weights that change something: 1 is what an absent one
        // counts as, and 10,000 feeds' ones were half a megabyte per copy.
        weights: weights.into_iter().filter(|&(_, w)| w != 1.0).collect(),
        alarm,
    }
}
