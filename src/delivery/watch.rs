//! Watching for negative spikes in the store: per brand, the negative
//! mentions of the last window against the same hours of the past week
//! ([`SpikeRules`]); a spike is recorded and its alert queued in one
//! transaction, to the teams of the mentions in it and the extremes team.

use rusqlite::{params, Connection};

use super::render::{AlertItem, Heading};
use super::sender::queue_mail;
use super::spikes::SpikeRules;
use super::MailSettings;
use crate::store::StoreError;
use crate::triage::Policy;

const DAY: i64 = 86_400;

/// Looks at every brand mentioned in the last window; returns how many
/// spike alerts were queued. Call inside an IMMEDIATE transaction.
pub fn detect(
    conn: &Connection,
    settings: &MailSettings,
    policy: &Policy,
    rules: &SpikeRules,
    now: i64,
) -> Result<usize, StoreError> {
    let window = rules.window.as_secs() as i64;
    let brands: Vec<(String, i64)> = conn
        .prepare_cached(
            "SELECT brand, MIN(first_seen_at) FROM mentions GROUP BY brand
             HAVING MAX(first_seen_at) > ?1",
        )?
        .query_map([now - window], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut queued = 0;
    for (brand, since) in brands {
        // Under a day of history there is no baseline (and the first poll
        // of a new install brings a backlog that is not a spike).
        if now - since < DAY {
            continue;
        }
        let last: Option<i64> = conn
            .prepare_cached("SELECT MAX(detected_at) FROM spikes WHERE brand = ?1")?
            .query_row([&brand], |r| r.get(0))?;
        if last.is_some_and(|t| now - t < rules.cooldown.as_secs() as i64) {
            continue;
        }
        let count = |from: i64, to: i64| -> Result<u32, StoreError> {
            Ok(conn
                .prepare_cached(
                    "SELECT COUNT(*) FROM mentions WHERE brand = ?1 AND sentiment <= ?2
                     AND first_seen_at > ?3 AND first_seen_at <= ?4",
                )?
                .query_row(params![brand, rules.negative, from, to], |r| r.get(0))?)
        };
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
        let items = negatives(conn, &brand, rules.negative, now - window)?;
        let to = recipients(conn, policy, &items)?;
        conn.prepare_cached(
            "INSERT INTO spikes (brand, detected_at, count, expected, p_value) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![brand, now, verdict.count, verdict.expected, verdict.p])?;
        let id = conn.last_insert_rowid();
        let minutes = window / 60;
        let heading = Heading {
            subject: format!("[Vigia] Negative spike: {} negative mentions of {brand} in {minutes} min", verdict.count),
            title: format!(
                "Negative spike: {} negative mentions of {brand} in the last {minutes} minutes; usually {:.1} (p = {:.1e})",
                verdict.count, verdict.expected, verdict.p
            ),
            words: &crate::delivery::words::EN,
        };
        let tag = format!("spike.{id}");
        let outbox_id = queue_mail(
            conn,
            settings,
            &to,
            &format!("spike:{id}"),
            &tag,
            &heading,
            &items,
            now,
        )?;
        conn.prepare_cached("UPDATE spikes SET outbox_id = ?2 WHERE id = ?1")?
            .execute(params![id, outbox_id])?;
        queued += usize::from(outbox_id.is_some());
    }
    Ok(queued)
}

/// The brand's negative mentions since `from`, most negative first.
fn negatives(
    conn: &Connection,
    brand: &str,
    negative: f64,
    from: i64,
) -> Result<Vec<AlertItem>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, brand, title, url, snippet, severity, sentiment, source_id, severity_reason
         FROM mentions WHERE brand = ?1 AND sentiment <= ?2 AND first_seen_at > ?3
         ORDER BY sentiment, id LIMIT 30",
    )?;
    let rows = stmt.query_map(params![brand, negative, from], |r| {
        Ok(AlertItem {
            id: r.get(0)?,
            brand: r.get(1)?,
            title: r.get(2)?,
            url: r.get(3)?,
            snippet: r.get(4)?,
            severity: r.get(5)?,
            sentiment: r.get(6)?,
            source: r.get(7)?,
            subject: None,
            reasons: crate::triage::Reasons::parse(r.get::<_, Option<String>>(8)?.as_deref()),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The recipients of the teams these mentions went to, and of the
/// extremes team (management).
fn recipients(
    conn: &Connection,
    policy: &Policy,
    items: &[AlertItem],
) -> Result<Vec<String>, StoreError> {
    let mut teams: Vec<String> = Vec::new();
    for item in items {
        let mut stmt =
            conn.prepare_cached("SELECT team FROM mention_teams WHERE mention_id = ?1")?;
        for team in stmt.query_map([item.id], |r| r.get::<_, String>(0))? {
            let team = team?;
            if !teams.contains(&team) {
                teams.push(team);
            }
        }
    }
    if let Some(x) = &policy.settings.extremes {
        if !teams.contains(&x.team) {
            teams.push(x.team.clone());
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
