//! What people do to a mention besides moving its status: assign it to a
//! person, and mark it not relevant with the exclusion they propose (a
//! source, or a term), recorded for the config's owner.

use crate::store::db::{params, Connection};
use serde::Serialize;

use super::triage::{self, Action, FollowUpError, Status};
use super::StoreError;

/// Assigns mention `id` to `assignee` (None: to nobody), in the history
/// as `actor`'s step. Call in a transaction.
pub fn assign(
    conn: &Connection,
    id: i64,
    assignee: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<(), FollowUpError> {
    let status = triage::status_of(conn, id)?.ok_or(FollowUpError::NotFound(id))?;
    conn.execute(
        "UPDATE mentions SET assignee = ?2 WHERE id = ?1",
        params![id, assignee],
    )
    .map_err(StoreError::from)?;
    let note = match assignee {
        Some(person) => format!("assigned to {person}"),
        None => "unassigned".to_string(),
    };
    triage::event(conn, id, now, actor, status, Some(&note))?;
    Ok(())
}

/// An exclusion someone proposed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    /// Its id.
    pub id: i64,
    /// The mention that was not relevant.
    pub mention_id: i64,
    /// Its brand.
    pub brand: String,
    /// Exclude this source for the brand.
    pub source_id: Option<String>,
    /// Exclude this term from the brand's queries.
    pub term: Option<String>,
    /// Who.
    pub proposed_by: String,
    /// When (Unix seconds).
    #[serde(serialize_with = "crate::store::rfc3339")]
    pub proposed_at: i64,
    /// Why.
    pub note: Option<String>,
}

/// What "not relevant" proposes: a source, a term, or both.
#[derive(Debug, Clone, Copy)]
pub struct Exclusion<'a> {
    /// The source the mention came from.
    pub source_id: Option<&'a str>,
    /// A term to exclude.
    pub term: Option<&'a str>,
}

/// Marks mention `id` not relevant: ignored, with the proposed exclusion
/// recorded for the config's owner and said in the history. Call in a
/// transaction; nothing is written when the mention cannot be ignored.
pub fn not_relevant(
    conn: &Connection,
    id: i64,
    exclusion: Exclusion<'_>,
    (actor, note): (&str, Option<&str>),
    now: i64,
) -> Result<Status, FollowUpError> {
    let mut said = vec!["not relevant".to_string()];
    if let Some(source) = exclusion.source_id {
        said.push(format!("proposed excluding source {source}"));
    }
    if let Some(term) = exclusion.term {
        said.push(format!("proposed excluding the term \"{term}\""));
    }
    if let Some(note) = note {
        said.push(note.to_string());
    }
    let said = said.join("; ");
    let status = triage::step(conn, id, (Action::Ignore, actor, Some(&said)), now)?;
    conn.execute(
        "INSERT INTO exclusion_proposals
             (mention_id, brand, source_id, term, proposed_by, proposed_at, note)
         SELECT id, brand, ?2, ?3, ?4, ?5, ?6 FROM mentions WHERE id = ?1",
        params![id, exclusion.source_id, exclusion.term, actor, now, note],
    )
    .map_err(StoreError::from)?;
    Ok(status)
}

/// Every proposal, newest first.
pub fn list(conn: &Connection) -> Result<Vec<Proposal>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, mention_id, brand, source_id, term, proposed_by, proposed_at, note
         FROM exclusion_proposals ORDER BY id DESC",
    )?;
    let rows = stmt.query_map(params![], |r| {
        Ok(Proposal {
            id: r.get(0)?,
            mention_id: r.get(1)?,
            brand: r.get(2)?,
            source_id: r.get(3)?,
            term: r.get(4)?,
            proposed_by: r.get(5)?,
            proposed_at: r.get(6)?,
            note: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
