//! Watching for negative spikes in the store: per brand, the negative
//! mentions of the last window against the same hours of the past week
//! ([`SpikeRules`]); a spike is recorded and its alert queued in one
//! transaction, to the teams of the mentions in it and the extremes team.

use std::collections::{HashMap, HashSet};

use super::render::Heading;
use super::sender::{queue_mail, Alert};
use super::spikes::SpikeRules;
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
    rules: &SpikeRules,
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
        let count =
            |from: i64, to: i64| spikes::count_negative(conn, &brand, rules.negative, from, to);
        let current = count(now - window, now)?;
        if current < rules.min_count {
            continue;
        }
        let (mut baseline, mut windows) = (0, 0);
        let n = i64::from(rules.neighbours);
        for d in 1..=i64::from(rules.baseline_days) {
            for k in -n..=n {
                let end = now - d * DAY + k * window;
                if end - window >= since {
                    baseline += count(end - window, end)?;
                    windows += 1;
                }
            }
        }
        if windows == 0 {
            continue;
        }
        let verdict = rules.judge(current, baseline, windows);
        if !verdict.spike {
            continue;
        }
        let items = alerts::negatives(conn, &brand, rules.negative, now - window)?;
        let to = recipients(conn, policy, &items)?;
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
        let minutes = window / 60;
        let heading = Heading {
            subject: format!("[Vigia] Negative spike: {} negative mentions of {brand} in {minutes} min", verdict.count),
            title: format!(
                "Negative spike: {} negative mentions of {brand} in the last {minutes} minutes; usually {:.1} (p = {:.1e})",
                verdict.count, verdict.expected, verdict.p
            ),
            words: &crate::delivery::words::EN,
        };
        let readers = readers(conn, policy, &items)?;
        let alert = Alert {
            to: &to,
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

/// The recipients of the teams these mentions went to, and of the
/// extremes team (management).
fn recipients(
    conn: &Tx<'_>,
    policy: &Policy,
    items: &[AlertItem],
) -> Result<Vec<String>, StoreError> {
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    let mut teams = alerts::teams_of(conn, &ids)?;
    if let Some(x) = &policy.settings.extremes {
        if !teams.iter().any(|t| x.team == t.as_str()) {
            teams.push(x.team.to_string());
        }
    }
    let mut to: Vec<String> = Vec::new();
    for team in teams {
        for r in policy
            .team(&team)
            .map(|t| t.recipients.clone())
            .unwrap_or_default()
        {
            if !to.contains(&r) {
                to.push(r);
            }
        }
    }
    Ok(to)
}
