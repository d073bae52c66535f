//! Where a new mention goes among its brand's recent subjects, read and
//! written with a bounded cost per mention: the candidates come from the
//! feature index, their parsed profiles are kept while they stay the same.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::store::db::{params, Connection, OptionalExtension};
use xxhash_rust::xxh3::xxh3_128;

use crate::store::StoreError;
use crate::triage::subjects::{may_admit, place as place_among, Placement, Profile};
use crate::triage::Assessment;

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
pub(super) fn place(
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
        for id in recent.query_map(params![brand, f.key, filed_since], |r| r.get::<i64>(0))? {
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
                r.with_str(0, |json| {
                    PARSED.with_borrow_mut(|parsed| parsed.get(id, json))
                })
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
            let id = conn
                .prepare_cached(
                    "INSERT INTO subjects (brand, profile, first_seen_at, last_seen_at)
                     VALUES (?1, ?2, ?3, ?3) RETURNING id",
                )?
                .query_row(params![brand, json, now], |r| r.get(0))?;
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

pub(in crate::store) fn profile(json: &str) -> Result<Profile, StoreError> {
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
