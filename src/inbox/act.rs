//! The one-click links of alert mails (`links.rs` signs them): opening one
//! shows what it would do and a button; the button's POST does it, once,
//! in the name of the recipient the link was mailed to.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{cross_site, failed, field, fields, pages, refused_cross_site, Inbox};
use crate::links::{Claim, LinkError, Step};
use crate::store::mentions::{self, MentionFilter, MentionRow};
use crate::store::triage::{self, Action};
use crate::store::{self as db, web};

/// The follow-up action of a link's step.
fn action(step: Step) -> Action {
    match step {
        Step::Acknowledge => Action::Acknowledge,
        Step::Resolve => Action::Resolve,
        Step::Ignore => Action::Ignore,
    }
}

/// A refusal page with its status.
fn refused(inbox: &Inbox, status: StatusCode, title: &str, text: &str) -> Response {
    (status, pages::message(&inbox.page(), None, title, text)).into_response()
}

/// The claim of a valid, unused link whose recipient may still act on its
/// mention, with the mention; else the answer that says why not.
async fn checked(inbox: &Inbox, token: &str) -> Result<(Claim, MentionRow), Response> {
    let claim = match inbox.links.verify(token, db::now()) {
        Ok(claim) => claim,
        Err(LinkError::Invalid) => {
            return Err(refused(
                inbox,
                StatusCode::BAD_REQUEST,
                "This link is not valid",
                "It was changed, or was not made by this Vigia: nothing was done.",
            ))
        }
        Err(LinkError::Expired) => {
            return Err(refused(
                inbox,
                StatusCode::GONE,
                "This link has expired",
                "Nothing was done. Open the mention in the inbox instead.",
            ))
        }
    };
    let viewer = match inbox.viewer_of(&claim.recipient).await {
        Ok(viewer) => viewer,
        Err(error) => return Err(failed(inbox, &error)),
    };
    let Some(viewer) = viewer else {
        return Err(refused(
            inbox,
            StatusCode::FORBIDDEN,
            "Not done",
            "The address this link was mailed to is no longer on a team: nothing was done.",
        ));
    };
    let (nonce, id) = (claim.nonce.clone(), claim.mention);
    let filter = MentionFilter {
        id: Some(id),
        visible_to: viewer.visible_to(),
        ..MentionFilter::default()
    };
    let read = inbox
        .store
        .read(move |c| Ok((web::link_used(c, &nonce)?, mentions::list(c, &filter)?)))
        .await;
    match read {
        Ok((true, _)) => Err(refused(
            inbox,
            StatusCode::GONE,
            "This link was used already",
            "Each link works once. The mention's page in the inbox shows what was done.",
        )),
        Ok((false, rows)) => match rows.into_iter().next() {
            Some(row) => Ok((claim, row)),
            None => Err(refused(
                inbox,
                StatusCode::NOT_FOUND,
                "No such mention",
                "There is no such mention among your teams'.",
            )),
        },
        Err(error) => Err(failed(inbox, &error)),
    }
}

/// What the link would do, and a button to do it.
pub(super) async fn confirm(
    State(inbox): State<Arc<Inbox>>,
    Path(token): Path<String>,
) -> Response {
    match checked(&inbox, &token).await {
        Ok((claim, row)) => {
            let open = inbox.links.open(row.id);
            pages::confirm_step(&inbox.page(), &token, (&claim, &row), &open).into_response()
        }
        Err(answer) => answer,
    }
}

/// Takes the link's step, once, as its recipient.
pub(super) async fn take(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    if cross_site(&headers) {
        return refused_cross_site(&inbox);
    }
    let (claim, row) = match checked(&inbox, &token).await {
        Ok(checked) => checked,
        Err(answer) => return answer,
    };
    let form = fields(&String::from_utf8_lossy(&body));
    let note = field(&form, "note").map(str::to_string);
    let actor = format!("{} (mail link)", claim.recipient);
    let taken = inbox
        .store
        .write(move |tx| {
            let now = db::now();
            // The write lock is held: nobody uses the link meanwhile.
            if web::link_used(tx, &claim.nonce)? {
                return Ok(Err("This link was used already.".to_string()));
            }
            let step = (action(claim.step), actor.as_str(), note.as_deref());
            match triage::step(tx, claim.mention, step, now) {
                Ok(status) => {
                    let used = web::LinkUse {
                        nonce: &claim.nonce,
                        mention: claim.mention,
                        step: claim.step.name(),
                        recipient: &claim.recipient,
                    };
                    web::use_link(tx, &used, now)?;
                    Ok(Ok(status))
                }
                Err(triage::FollowUpError::Store(error)) => Err(error),
                Err(refusal) => Ok(Err(refusal.to_string())),
            }
        })
        .await;
    let open = inbox.links.open(row.id);
    match taken {
        Ok(Ok(status)) => {
            let text = format!("Mention {} is now {}.", row.id, status.name());
            pages::step_taken(&inbox.page(), &row, &text, &open).into_response()
        }
        Ok(Err(refusal)) => {
            let page = pages::step_taken(&inbox.page(), &row, &refusal, &open);
            (StatusCode::CONFLICT, page).into_response()
        }
        Err(error) => failed(&inbox, &error),
    }
}
