//! Watching for negative spikes in the store: per brand, the negative
//! mentions of the last window against the same hours of the past week
//! ([`SpikeRules`]); a spike is recorded and its alert queued in one
//! transaction, to the teams of the mentions in it and the extremes team.

use std::collections::{HashMap, HashSet};

use chrono_tz::Tz;

use super::render::{self, Heading, SpikeView};
use super::sender::{queue_mail, Alert};
use super::spikes::{Kind, Negatives, Series, SpikeRules};
use super::words::{self, fill};
use super::{MailSettings, Ways};
use crate::store::alerts::{self, AlertItem};
use crate::store::spikes::{self, Spike};
use crate::store::{StoreError, Tx};
use crate::triage::Policy;

const DAY: i64 = 86_400;

/// Looks at every brand mentioned in the last window; returns how many
/// spike alerts were queued. Call inside a write transaction.
pub fn detect(
    conn: &Tx<'_>,
    (settings, ways): (&MailSettings, &Ways),
    policy: &Policy,
    (rules, tz): (&SpikeRules, Tz),
    now: i64,
) -> Result<usize, StoreError> {
    let window = rules.window.as_secs() as i64;
    let brands = spikes::active_brands(conn, now - window)?;
    let mut queued = 0;
    for (brand, since) in brands {
        // Under a day of history there is no baseline (and the first poll
        // of a new install brings a backlog that is not a spike).
        if now - since < DAY {
            continue;
        }
        let last = spikes::last(conn, &brand)?;
        if last.is_some_and(|t| now - t < rules.cooldown.as_secs() as i64) {
            continue;
        }
        // Fewer negatives in the span a spike is judged on than can be one:
        // the week of them is not read (most brands, most ticks).
        let span = rules.window * rules.sustained.max(1);
        let recent = (now - span.as_secs() as i64, now);
        if spikes::count_negative(conn, &brand, rules.negative, recent)? < rules.min_count {
            continue;
        }
        let window = (now - rules.lookback(), now);
        let negatives = Negatives::new(
            spikes::negatives(conn, &brand, rules.negative, window)?,
            rules.window,
        );
        let Some(verdict) = rules.detect(&negatives, since, now) else {
            continue;
        };
        let span = verdict.span.as_secs() as i64;
        let items = alerts::negatives(conn, &brand, rules.negative, now - span)?;
        let teams = teams(conn, policy, &items)?;
        let to = recipients(policy, &teams);
        let id = spikes::record(
            conn,
            &Spike {
                brand: &brand,
                detected_at: now,
                count: verdict.count,
                expected: verdict.expected,
                p: verdict.p,
            },
        )?;
        // Portuguese when every team it goes to reads Portuguese.
        let words = match teams.first() {
            Some(first)
                if teams
                    .iter()
                    .all(|t| words::for_team(policy, t) == words::for_team(policy, first)) =>
            {
                words::for_team(policy, first)
            }
            _ => &words::EN,
        };
        let kind = match verdict.kind {
            Kind::Burst => words.spike_kinds[0],
            Kind::Sustained => words.spike_kinds[1],
        };
        let values = [
            ("n", verdict.count.to_string()),
            ("brand", brand.clone()),
            ("minutes", (span / 60).to_string()),
            ("usual", words.number(verdict.expected, 1, false)),
            ("p", format!("{:.1e}", verdict.p)),
            ("kind", kind.to_string()),
        ];
        let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (subject, title) = if verdict.stories {
            (words.spike_stories_subject, words.spike_stories_title)
        } else {
            (words.spike_subject, words.spike_title)
        };
        let series = Series {
            times: &negatives.times,
            since,
        };
        let heading = Heading {
            subject: fill(subject, &values),
            title: fill(title, &values),
            words,
            spike: Some(SpikeView::of(
                spikes::drivers(conn, (&brand, rules.negative, now - span), render::TOP)?,
                &items,
                &rules.recent(&series, now),
                (tz, words),
            )),
        };
        let readers = readers(conn, policy, &items)?;
        let alert = Alert {
            to: &to,
            teams: &teams,
            kind: super::chat::render::Kind::Spike,
            key: &format!("spike:{id}"),
            tag: &format!("spike.{id}"),
            heading: &heading,
            items: &items,
            readers: Some(&readers),
        };
        let outbox_id = queue_mail(conn, (settings, ways), &alert, now)?;
        spikes::set_outbox(conn, id, outbox_id)?;
        queued += usize::from(outbox_id.is_some());
    }
    Ok(queued)
}

/// Which of `items` each recipient (by address) may open in the inbox:
/// those routed to one of their teams.
fn readers(
    conn: &Tx<'_>,
    policy: &Policy,
    items: &[AlertItem],
) -> Result<HashMap<String, HashSet<i64>>, StoreError> {
    let mut out: HashMap<String, HashSet<i64>> = HashMap::new();
    for item in items {
        for team in alerts::teams_of(conn, &[item.id])? {
            let recipients = policy.team(&team).map(|t| t.recipients.clone());
            for r in recipients.unwrap_or_default() {
                if let Ok(m) = r.parse::<lettre::message::Mailbox>() {
                    out.entry(m.email.to_string()).or_default().insert(item.id);
                }
            }
        }
    }
    Ok(out)
}

/// The teams these mentions went to, and the extremes team (management).
fn teams(conn: &Tx<'_>, policy: &Policy, items: &[AlertItem]) -> Result<Vec<String>, StoreError> {
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    let mut teams = alerts::teams_of(conn, &ids)?;
    if let Some(x) = &policy.settings.extremes {
        if !teams.iter().any(|t| x.team == t.as_str()) {
            teams.push(x.team.to_string());
        }
    }
    Ok(teams)
}

/// The recipients of `teams`.
fn recipients(policy: &Policy, teams: &[String]) -> Vec<String> {
    let mut to: Vec<String> = Vec::new();
    for team in teams {
        for r in policy
            .team(team)
            .map(|t| t.recipients.clone())
            .unwrap_or_default()
        {
            if !to.contains(&r) {
                to.push(r);
            }
        }
    }
    to
}
