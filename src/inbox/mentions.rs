//! The inbox page, a mention's page, and the follow-up steps taken from
//! them, alone or in bulk: only on mentions the viewer's teams may see.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::{failed, field, fields, pages, posted, signed_in, with_added, Inbox, PAGE_SIZE};
use crate::people::{self, Viewer};
use crate::store::mentions::{self, MentionFilter, MentionRow, Order, StatusFilter};
use crate::store::triage::{self, Action, Status};
use crate::store::{self as db, StoreError};
use crate::store::{proposals, users};
use crate::triage::Severity;

/// The inbox's filters, as the query string gives them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// Full-text search.
    pub q: Option<String>,
    /// Only this brand.
    pub brand: Option<String>,
    /// Only this team.
    pub team: Option<String>,
    /// At least this severe.
    pub severity: Option<String>,
    /// `open` (the default), a status, or `all`.
    pub status: String,
    /// Only this sentiment label.
    pub sentiment: Option<String>,
    /// `1d`, `7d`, `30d`.
    pub since: Option<String>,
    /// Only this subject.
    pub subject: Option<i64>,
}

impl Filters {
    fn parse(query: &str) -> Filters {
        let form = fields(query);
        let get = |name: &str| field(&form, name).map(str::to_string);
        Filters {
            q: get("q"),
            brand: get("brand"),
            team: get("team"),
            severity: get("severity").filter(|s| Severity::parse(s).is_some()),
            status: get("status").unwrap_or_else(|| "open".to_string()),
            sentiment: get("sentiment")
                .filter(|s| matches!(s.as_str(), "negative" | "neutral" | "positive")),
            since: get("since").filter(|s| matches!(s.as_str(), "1d" | "7d" | "30d")),
            subject: get("subject").and_then(|s| s.parse().ok()),
        }
    }

    /// The store's filter for `viewer`: only what their teams may see.
    fn for_viewer(&self, viewer: &Viewer, now: i64) -> MentionFilter {
        let days = |s: &str| s.trim_end_matches('d').parse::<i64>().ok();
        MentionFilter {
            brand: self.brand.clone(),
            since: self
                .since
                .as_deref()
                .and_then(days)
                .map(|d| now - d * 86_400),
            text: self.q.clone(),
            limit: Some(PAGE_SIZE),
            order: Order::Severity,
            sentiment: self.sentiment.as_deref().and_then(|l| match l {
                "negative" => Some(crate::sentiment::Label::Negative),
                "positive" => Some(crate::sentiment::Label::Positive),
                "neutral" => Some(crate::sentiment::Label::Neutral),
                _ => None,
            }),
            team: self.team.clone(),
            severity: self.severity.as_deref().and_then(Severity::parse),
            status: match self.status.as_str() {
                "all" => None,
                "open" => Some(StatusFilter::Open),
                other => Some(Status::parse(other).map_or(StatusFilter::Open, StatusFilter::Is)),
            },
            subject: self.subject,
            visible_to: viewer.visible_to(),
            ..MentionFilter::default()
        }
    }
}

pub(super) async fn list(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let viewer = match signed_in(&inbox, &headers).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let filters = Filters::parse(query.as_deref().unwrap_or_default());
    let now = db::now();
    let filter = filters.for_viewer(&viewer, now);
    let read = inbox
        .store
        .read(move |c| Ok((mentions::list(c, &filter)?, mentions::names(c)?.0)))
        .await;
    match read {
        Ok((rows, brands)) => {
            pages::inbox(&inbox.page(), &viewer, &filters, &rows, (&brands, now)).into_response()
        }
        Err(error) => failed(&inbox, &error),
    }
}

/// A mention `viewer` may see, with its detail and history; None when
/// there is none or it is another team's (both answer 404).
async fn visible(
    inbox: &Inbox,
    viewer: &Viewer,
    id: i64,
) -> Result<Option<(mentions::MentionRow, mentions::Detail, Vec<triage::Event>)>, StoreError> {
    let filter = MentionFilter {
        id: Some(id),
        visible_to: viewer.visible_to(),
        ..MentionFilter::default()
    };
    inbox
        .store
        .read(move |c| {
            let Some(row) = mentions::list(c, &filter)?.into_iter().next() else {
                return Ok(None);
            };
            Ok(Some((
                row,
                mentions::detail(c, id)?,
                triage::history(c, id)?,
            )))
        })
        .await
}

fn not_found(inbox: &Inbox, viewer: &Viewer) -> Response {
    let page = pages::message(
        &inbox.page(),
        Some(viewer),
        "No such mention",
        "There is no such mention among your teams'.",
    );
    (StatusCode::NOT_FOUND, page).into_response()
}

pub(super) async fn mention(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let viewer = match signed_in(&inbox, &headers).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    match visible(&inbox, &viewer, id).await {
        Ok(Some((row, detail, history))) => {
            let people = match people(&inbox, &row).await {
                Ok(people) => people,
                Err(error) => return failed(&inbox, &error),
            };
            pages::mention(
                &inbox.page(),
                &viewer,
                (&row, &detail, &history),
                (&people, None),
            )
            .into_response()
        }
        Ok(None) => not_found(&inbox, &viewer),
        Err(error) => failed(&inbox, &error),
    }
}

/// Who a mention may be assigned to: the members of its teams.
async fn people(inbox: &Inbox, row: &MentionRow) -> Result<Vec<String>, StoreError> {
    let added = inbox.store.read(users::list).await?;
    let members = inbox.members(&added);
    let mut people: Vec<String> = row
        .teams
        .iter()
        .flat_map(|t| members.get(t).cloned().unwrap_or_default())
        .collect();
    people.sort();
    people.dedup();
    Ok(people)
}

/// What a form asks to do to a mention.
#[derive(Debug, Clone, PartialEq)]
enum Op {
    /// A follow-up step, with a note.
    Step(Action, Option<String>),
    /// Assign it to this member (None: to nobody).
    Assign(Option<String>),
    /// Not relevant: ignore it and propose an exclusion.
    NotRelevant {
        /// Propose excluding the source it came from.
        source: bool,
        /// Propose excluding this term.
        term: Option<String>,
        /// Why.
        note: Option<String>,
    },
}

/// The follow-up step a form's `action` names.
fn action(form: &[(String, String)]) -> Option<Action> {
    match field(form, "action")? {
        "ack" => Some(Action::Acknowledge),
        "resolve" => Some(Action::Resolve),
        "ignore" => Some(Action::Ignore),
        "reopen" => Some(Action::Reopen),
        _ => None,
    }
}

/// What a mention page's form asks.
fn op(form: &[(String, String)]) -> Option<Op> {
    let note = field(form, "note").map(str::to_string);
    match field(form, "action")? {
        "assign" => Some(Op::Assign(field(form, "assignee").map(people::address))),
        "not_relevant" => Some(Op::NotRelevant {
            source: field(form, "exclude_source").is_some(),
            term: field(form, "term").map(str::to_string),
            note,
        }),
        _ => action(form).map(|a| Op::Step(a, note)),
    }
}

/// Does `op` to mention `id` as `viewer`, when they may see it: None when
/// they may not (or it does not exist), else the refusal (resolving a
/// resolved mention, assigning to a stranger) or done.
async fn apply(
    inbox: &Inbox,
    viewer: &Viewer,
    id: i64,
    op: Op,
) -> Result<Option<Result<(), String>>, StoreError> {
    let filter = MentionFilter {
        id: Some(id),
        visible_to: viewer.visible_to(),
        ..MentionFilter::default()
    };
    let actor = viewer.email.clone();
    let members = inbox.members(&[]);
    inbox
        .store
        // A refusal writes nothing, so the write commits either way.
        .write(move |tx| {
            // What the viewer may see, and who may be assigned, read in
            // the transaction that acts.
            let Some(row) = mentions::list(tx, &filter)?.into_iter().next() else {
                return Ok(None);
            };
            let members = with_added(members, &users::list(tx)?);
            let members = |team: &str| members.get(team).cloned().unwrap_or_default();
            let now = db::now();
            let done = match op {
                Op::Step(action, note) => {
                    triage::step(tx, id, (action, &actor, note.as_deref()), now).map(drop)
                }
                Op::Assign(Some(person))
                    if !row.teams.iter().any(|t| members(t).contains(&person)) =>
                {
                    return Ok(Some(Err(format!(
                        "{person} is not on a team of this mention: not assigned."
                    ))));
                }
                Op::Assign(person) => proposals::assign(tx, id, person.as_deref(), &actor, now),
                Op::NotRelevant { source, term, note } => {
                    let exclusion = proposals::Exclusion {
                        source_id: source.then_some(row.source.as_str()),
                        term: term.as_deref(),
                    };
                    proposals::not_relevant(tx, id, exclusion, (&actor, note.as_deref()), now)
                        .map(drop)
                }
            };
            match done {
                Ok(()) => Ok(Some(Ok(()))),
                Err(triage::FollowUpError::Store(error)) => Err(error),
                Err(refusal) => Ok(Some(Err(refusal.to_string()))),
            }
        })
        .await
}

pub(super) async fn act(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let (viewer, form) = match posted(&inbox, &headers, &body).await {
        Ok(posted) => posted,
        Err(answer) => return answer,
    };
    let Some(op) = op(&form) else {
        return (StatusCode::BAD_REQUEST, "unknown action").into_response();
    };
    match apply(&inbox, &viewer, id, op).await {
        Ok(Some(Ok(()))) => Redirect::to(&inbox.path(&format!("/mentions/{id}"))).into_response(),
        Ok(Some(Err(refused))) => match visible(&inbox, &viewer, id).await {
            Ok(Some((row, detail, history))) => {
                let people = match people(&inbox, &row).await {
                    Ok(people) => people,
                    Err(error) => return failed(&inbox, &error),
                };
                let page = pages::mention(
                    &inbox.page(),
                    &viewer,
                    (&row, &detail, &history),
                    (&people, Some(&refused)),
                );
                (StatusCode::CONFLICT, page).into_response()
            }
            Ok(None) => not_found(&inbox, &viewer),
            Err(error) => failed(&inbox, &error),
        },
        Ok(None) => not_found(&inbox, &viewer),
        Err(error) => failed(&inbox, &error),
    }
}

/// The same step for every selected mention the viewer may see; those
/// where it makes no sense (already resolved) are left as they are.
pub(super) async fn bulk(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (viewer, form) = match posted(&inbox, &headers, &body).await {
        Ok(posted) => posted,
        Err(answer) => return answer,
    };
    let Some(action) = action(&form) else {
        return (StatusCode::BAD_REQUEST, "unknown action").into_response();
    };
    let ids = form
        .iter()
        .filter(|(k, _)| k == "id")
        .filter_map(|(_, v)| v.parse::<i64>().ok());
    for id in ids {
        if let Err(error) = apply(&inbox, &viewer, id, Op::Step(action, None)).await {
            return failed(&inbox, &error);
        }
    }
    Redirect::to(&inbox.path("/")).into_response()
}

/// The exclusions people proposed: for admins, who keep the config.
pub(super) async fn proposed(State(inbox): State<Arc<Inbox>>, headers: HeaderMap) -> Response {
    let viewer = match signed_in(&inbox, &headers).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    if !viewer.admin {
        return not_found(&inbox, &viewer);
    }
    match inbox.store.read(proposals::list).await {
        Ok(list) => pages::proposals(&inbox.page(), &viewer, &list).into_response(),
        Err(error) => failed(&inbox, &error),
    }
}
