//! Triage in the store: a new mention's subject, severity, teams and
//! first status, recorded with it; the follow-up that people do after
//! (acknowledge, resolve, ignore, reopen), with its history; and the
//! recurring subjects as `vigia topics` lists them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_128;

use super::StoreError;
use crate::triage::subjects::{may_admit, place as place_among, Placement, Profile};
use crate::triage::{Assessment, Policy, Severity, Signals};

/// Where a mention is in its follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Recorded before triage existed, or not routed yet.
    New,
    /// Sent to its teams; nobody has looked yet.
    Routed,
    /// Someone is on it.
    Acknowledged,
    /// Handled.
    Resolved,
    /// Needs nothing.
    Ignored,
}

impl Status {
    /// Every status, in follow-up order.
    pub const ALL: [Status; 5] = [
        Status::New,
        Status::Routed,
        Status::Acknowledged,
        Status::Resolved,
        Status::Ignored,
    ];

    /// The stored and displayed name.
    pub fn name(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Routed => "routed",
            Status::Acknowledged => "acknowledged",
            Status::Resolved => "resolved",
            Status::Ignored => "ignored",
        }
    }

    /// The status with this name.
    pub fn parse(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Still waiting for someone: new, routed or acknowledged.
    pub fn is_open(self) -> bool {
        matches!(self, Status::New | Status::Routed | Status::Acknowledged)
    }
}

/// What a person does to a mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// I am on it.
    Acknowledge,
    /// Handled.
    Resolve,
    /// Needs nothing.
    Ignore,
    /// Not handled after all.
    Reopen,
}

impl Action {
    /// The status it leads to, from `from`; None when it makes no sense
    /// there (resolving a resolved mention, reopening an open one).
    /// `before_close` is the open status the mention had before it was
    /// resolved or ignored, where reopening takes it back: an ignored
    /// mention nobody took on is routed again, not acknowledged.
    pub fn apply(self, from: Status, before_close: Status) -> Option<Status> {
        match (self, from) {
            (Action::Acknowledge, Status::New | Status::Routed) => Some(Status::Acknowledged),
            (Action::Resolve, s) if s.is_open() => Some(Status::Resolved),
            (Action::Ignore, s) if s.is_open() => Some(Status::Ignored),
            (Action::Reopen, Status::Resolved | Status::Ignored) if before_close.is_open() => {
                Some(before_close)
            }
            _ => None,
        }
    }
}

/// Why a follow-up was refused.
#[derive(Debug, thiserror::Error)]
pub enum FollowUpError {
    /// No such mention.
    #[error("there is no mention {0}")]
    NotFound(i64),
    /// Not from its current status.
    #[error("mention {id} is {}: it cannot be {}", from.name(), verb(*action))]
    Invalid {
        /// The mention.
        id: i64,
        /// Its status.
        from: Status,
        /// What was asked.
        action: Action,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Acknowledge => "acknowledged (resolve, ignore or reopen it instead)",
        Action::Resolve => "resolved (reopen it first)",
        Action::Ignore => "ignored (reopen it first)",
        Action::Reopen => "reopened (it is still open)",
    }
}

/// What triage recorded for a new mention.
#[derive(Debug, Clone, PartialEq)]
pub struct Triaged {
    /// Its subject, when it has subject words.
    pub subject_id: Option<i64>,
    /// Mentions of that subject in the window, this one included.
    pub subject_count: u32,
    /// Its severity.
    pub severity: Severity,
}

/// Places a new mention in a subject, judges its severity, records its
/// teams and its first status, and queues it for an immediate alert when
/// urgent or critical. Call in the transaction that recorded it.
pub fn triage_new(
    conn: &Connection,
    id: i64,
    brand: &str,
    compound: f64,
    a: &Assessment,
    policy: &Policy,
    now: i64,
) -> Result<Triaged, StoreError> {
    let since = now - policy.settings.subject_window.as_secs() as i64;
    let (subject_id, subject_count) = if a.features.is_empty() {
        (None, 1)
    } else {
        let subject = place(conn, brand, a, since, now)?;
        conn.prepare_cached(
            "INSERT INTO subject_hours (subject_id, hour, mentions) VALUES (?1, ?2, 1)
             ON CONFLICT (subject_id, hour) DO UPDATE SET mentions = mentions + 1",
        )?
        .execute(params![subject, now / 3600])?;
        // Whole hours from their counters; the window's first, partial
        // hour from its mentions.
        let first_full_hour = since.div_euclid(3600) + 1;
        let whole: u32 = conn
            .prepare_cached(
                "SELECT COALESCE(SUM(mentions), 0) FROM subject_hours
                 WHERE subject_id = ?1 AND hour >= ?2",
            )?
            .query_row(params![subject, first_full_hour], |r| r.get(0))?;
        let partial: u32 = conn
            .prepare_cached(
                "SELECT COUNT(*) FROM mentions
                 WHERE subject_id = ?1 AND first_seen_at >= ?2 AND first_seen_at < ?3",
            )?
            .query_row(params![subject, since, first_full_hour * 3600], |r| {
                r.get(0)
            })?;
        let count = whole + partial;
        (Some(subject), count)
    };
    let signals = Signals {
        compound,
        alarm: !a.alarms.is_empty(),
        weight: a.weight,
        recurring: subject_count >= policy.settings.act_at,
    };
    let rules = &policy.settings.severity;
    let (points, severity) = rules.judge(&signals);
    let reasons = serde_json::to_string(&rules.reasons(&signals, &a.alarms, subject_count))
        .map_err(|e| StoreError::Corrupt {
            column: "mentions.severity_reason",
            message: e.to_string(),
        })?;
    conn.prepare_cached(
        "UPDATE mentions SET subject_id = ?4, severity = ?1, severity_reason = ?3, status = 'routed'
         WHERE id = ?2",
    )?
    .execute(params![severity.name(), id, reasons, subject_id])?;
    for team in &a.teams {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO mention_teams (mention_id, team) VALUES (?1, ?2)",
        )?
        .execute(params![id, team])?;
        if severity.is_immediate() {
            conn.prepare_cached(
                "INSERT OR IGNORE INTO alert_queue (mention_id, team, severity, queued_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![id, team, severity.name(), now])?;
        }
    }
    let alarm = if a.alarms.is_empty() {
        String::new()
    } else {
        format!(", alarm terms {}", a.alarms.join(", "))
    };
    let note = format!(
        "to {}; {} ({points:.1} points: sentiment {compound:+.2}{alarm}, source weight {}, subject seen {subject_count} times in the window)",
        a.teams.join(", "),
        severity.name(),
        a.weight,
    );
    event(conn, id, now, "vigia", Status::Routed, Some(&note))?;
    Ok(Triaged {
        subject_id,
        subject_count,
        severity,
    })
}

/// Subjects weighed for a new mention: those sharing the most features
/// with it. A subject it belongs to shares its core with it, so it ranks
/// among the first.
const PLACE_CANDIDATES: usize = 64;

/// Subjects read per feature of a new mention: the ones most recently
/// seen with it. A common word's thousands of subjects cost no more than a
/// rare word's few.
const PER_FEATURE: usize = 32;

/// How stale the last sighting a subject's features are filed with may
/// be, in seconds: an hour. Lookups reach back that much further, and
/// the subject's own last sighting decides.
const FILED_SIGHTING_STEP: i64 = 3600;

/// The subject a mention joins (its profile updated), or a new one.
fn place(
    conn: &Connection,
    brand: &str,
    a: &Assessment,
    since: i64,
    now: i64,
) -> Result<i64, StoreError> {
    // Only recent subjects sharing a feature with the mention can take it;
    // per feature, the ones most recently seen with it (a bounded number)
    // are read, and of those the ones sharing the most weight weighed:
    // the work per mention stays the same however many subjects the brand
    // has.
    let mut shared: std::collections::HashMap<i64, u32> = std::collections::HashMap::new();
    let mut recent = conn.prepare_cached(&format!(
        "SELECT subject_id FROM subject_features
         WHERE brand = ?1 AND key = ?2 AND last_seen_at >= ?3
         ORDER BY last_seen_at DESC LIMIT {PER_FEATURE}"
    ))?;
    for f in &a.features {
        let filed_since = since - FILED_SIGHTING_STEP;
        for id in recent.query_map(params![brand, f.key, filed_since], |r| r.get::<_, i64>(0))? {
            *shared.entry(id?).or_default() += f.weight;
        }
    }
    // A subject sharing too little weight could not take the mention:
    // its profile is not even read.
    let mut ranked: Vec<(i64, u32)> = shared
        .into_iter()
        .filter(|&(_, weight)| may_admit(weight))
        .collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
    ranked.truncate(PLACE_CANDIDATES);
    let ids: std::collections::BTreeSet<i64> = ranked.into_iter().map(|(id, _)| id).collect();
    // Features carry their subject's sighting to the hour: the subject's
    // own says whether it is in the window.
    let mut stmt =
        conn.prepare_cached("SELECT profile FROM subjects WHERE id = ?1 AND last_seen_at >= ?2")?;
    let mut candidates = Vec::new();
    for id in ids {
        let parsed = stmt
            .query_row(params![id, since], |r| {
                let json = r.get_ref(0)?.as_str()?;
                Ok(PARSED.with_borrow_mut(|parsed| parsed.get(id, json)))
            })
            .optional()?;
        if let Some(parsed) = parsed {
            candidates.push((id, parsed?));
        }
    }
    let weighed = candidates.clone();
    let (id, before, profile) = match place_among(&a.features, a.tone, a.language, candidates) {
        Placement::Join(id, profile) => {
            let json = to_json(&profile)?;
            conn.prepare_cached(
                "UPDATE subjects SET profile = ?1, last_seen_at = ?2 WHERE id = ?3",
            )?
            .execute(params![json, now, id])?;
            let before = weighed.into_iter().find(|(w, _)| *w == id).map(|(_, p)| p);
            let profile = PARSED.with_borrow_mut(|parsed| parsed.put(id, &json, profile));
            (id, before, profile)
        }
        Placement::New(profile) => {
            let json = to_json(&profile)?;
            conn.prepare_cached(
                "INSERT INTO subjects (brand, profile, first_seen_at, last_seen_at)
                 VALUES (?1, ?2, ?3, ?3)",
            )?
            .execute(params![brand, json, now])?;
            let id = conn.last_insert_rowid();
            let profile = PARSED.with_borrow_mut(|parsed| parsed.put(id, &json, profile));
            (id, None, profile)
        }
    };
    // The subject is filed under exactly its profile's keys (a bounded
    // number: a large subject forgets stray words): the keys it just
    // learned are filed, those it forgot unfiled, and all carry its last
    // sighting, to the hour. Rewriting every key's row for every mention
    // was a fifth of a busy subject's cost.
    let known = |key: &String| {
        before
            .as_ref()
            .is_some_and(|b| b.features.contains_key(key))
    };
    if let Some(before) = &before {
        let mut unfile =
            conn.prepare_cached("DELETE FROM subject_features WHERE subject_id = ?1 AND key = ?2")?;
        for key in before.features.keys() {
            if !profile.features.contains_key(key) {
                unfile.execute(params![id, key])?;
            }
        }
    }
    let mut file = conn.prepare_cached(
        "INSERT INTO subject_features (subject_id, brand, key, last_seen_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (subject_id, key) DO UPDATE SET last_seen_at = excluded.last_seen_at",
    )?;
    for key in profile.features.keys().filter(|key| !known(key)) {
        file.execute(params![id, brand, key, now])?;
    }
    conn.prepare_cached(
        "UPDATE subject_features SET last_seen_at = ?2 WHERE subject_id = ?1 AND last_seen_at < ?3",
    )?
    .execute(params![id, now, now - FILED_SIGHTING_STEP])?;
    Ok(id)
}

/// Subject profiles parsed lately, by subject, each with a hash of the
/// JSON it was parsed from: a subject weighed for many mentions in a row
/// is parsed once (parsing was a tenth of a first poll's CPU), and a
/// profile changed by anyone else (another process, a merge) no longer
/// matches its hash and is parsed again.
#[derive(Default)]
struct Parsed {
    profiles: HashMap<i64, (u128, Rc<Profile>)>,
}

/// Profiles [`Parsed`] keeps: the subjects of a busy hour, a few MiB.
const PARSED_PROFILES: usize = 1024;

thread_local! {
    static PARSED: RefCell<Parsed> = RefCell::new(Parsed::default());
}

impl Parsed {
    /// The profile stored as `json` for subject `id`.
    fn get(&mut self, id: i64, json: &str) -> Result<Rc<Profile>, StoreError> {
        let hash = xxh3_128(json.as_bytes());
        match self.profiles.get(&id) {
            Some((known, parsed)) if *known == hash => Ok(Rc::clone(parsed)),
            _ => Ok(self.keep(id, hash, profile(json)?)),
        }
    }

    /// Keeps `profile`, just stored as `json` for subject `id`.
    fn put(&mut self, id: i64, json: &str, profile: Profile) -> Rc<Profile> {
        self.keep(id, xxh3_128(json.as_bytes()), profile)
    }

    fn keep(&mut self, id: i64, hash: u128, profile: Profile) -> Rc<Profile> {
        if self.profiles.len() >= PARSED_PROFILES && !self.profiles.contains_key(&id) {
            self.profiles.clear();
        }
        let profile = Rc::new(profile);
        self.profiles.insert(id, (hash, Rc::clone(&profile)));
        profile
    }
}

pub(super) fn profile(json: &str) -> Result<Profile, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
        column: "subjects.profile",
        message: e.to_string(),
    })
}

fn to_json(profile: &Profile) -> Result<String, StoreError> {
    serde_json::to_string(profile).map_err(|e| StoreError::Corrupt {
        column: "subjects.profile",
        message: e.to_string(),
    })
}

pub(super) fn event(
    conn: &Connection,
    id: i64,
    at: i64,
    actor: &str,
    status: Status,
    note: Option<&str>,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO mention_events (mention_id, at, actor, status, note) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, at, actor, status.name(), note])?;
    Ok(())
}

/// Moves a mention on in its follow-up and records who, when and why,
/// in a transaction of its own. Returns the new status.
pub fn follow_up(
    conn: &mut Connection,
    id: i64,
    action: Action,
    actor: &str,
    note: Option<&str>,
    now: i64,
) -> Result<Status, FollowUpError> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(StoreError::from)?;
    let to = step(&tx, id, (action, actor, note), now)?;
    tx.commit().map_err(StoreError::from)?;
    Ok(to)
}

/// [`follow_up`] inside the caller's transaction: nothing is written when
/// the step is refused.
pub fn step(
    conn: &Connection,
    id: i64,
    (action, actor, note): (Action, &str, Option<&str>),
    now: i64,
) -> Result<Status, FollowUpError> {
    let from = status_of(conn, id)?.ok_or(FollowUpError::NotFound(id))?;
    let before_close = if from.is_open() {
        from
    } else {
        status_before_close(conn, id)?
    };
    let to = action
        .apply(from, before_close)
        .ok_or(FollowUpError::Invalid { id, from, action })?;
    conn.execute(
        "UPDATE mentions SET status = ?1 WHERE id = ?2",
        params![to.name(), id],
    )
    .map_err(StoreError::from)?;
    event(conn, id, now, actor, to, note)?;
    Ok(to)
}

/// Mention `id`'s follow-up status; None when there is no such mention.
pub(super) fn status_of(conn: &Connection, id: i64) -> Result<Option<Status>, StoreError> {
    let status: Option<String> = conn
        .prepare_cached("SELECT status FROM mentions WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(status.map(|s| Status::parse(&s).unwrap_or(Status::New)))
}

/// The open status a closed mention had before it was closed: the status
/// of the event before the latest one, else routed when it has teams and
/// new when it has none.
fn status_before_close(conn: &Connection, id: i64) -> Result<Status, StoreError> {
    let earlier: Option<String> = conn
        .query_row(
            "SELECT status FROM mention_events WHERE mention_id = ?1
             ORDER BY id DESC LIMIT 1 OFFSET 1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(status) = earlier.as_deref().and_then(Status::parse) {
        if status.is_open() {
            return Ok(status);
        }
    }
    let routed: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM mention_teams WHERE mention_id = ?1)",
        [id],
        |r| r.get(0),
    )?;
    Ok(if routed { Status::Routed } else { Status::New })
}

/// One step of a mention's follow-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// When, Unix seconds.
    #[serde(serialize_with = "crate::store::rfc3339")]
    pub at: i64,
    /// Who: a person, or `vigia`.
    pub actor: String,
    /// The status it moved to.
    pub status: String,
    /// Why.
    pub note: Option<String>,
}

/// A mention's follow-up history, oldest first.
pub fn history(conn: &Connection, id: i64) -> Result<Vec<Event>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, actor, status, note FROM mention_events WHERE mention_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(Event {
            at: r.get(0)?,
            actor: r.get(1)?,
            status: r.get(2)?,
            note: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests;
