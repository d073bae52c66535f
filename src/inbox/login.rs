//! Signing in and out: a one-time link mailed through the outbox, a
//! confirmation button (mail scanners open links), a session cookie.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use lettre::message::Mailbox;
use tracing::{info, warn};

use super::{
    auth, cross_site, failed, field, fields, pages, password, posted, refused_cross_site, Inbox,
};
use crate::store::outbox::{self, NewMail};
use crate::store::{self as db, web, StoreError, Tx};

pub(super) async fn form(State(inbox): State<Arc<Inbox>>) -> Response {
    password::login(&inbox.page(), None).into_response()
}

/// Mails a sign-in link when the address belongs to a team (and has not
/// had too many lately); the answer is the same either way, so the page
/// tells nobody who is a member.
pub(super) async fn request(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Another site's form must not sign anyone in (login CSRF).
    if cross_site(&headers) {
        return refused_cross_site(&inbox);
    }
    let form = fields(&String::from_utf8_lossy(&body));
    let email = field(&form, "email")
        .map(crate::people::address)
        .unwrap_or_default();
    if let Some(given) = field(&form, "password").filter(|p| !p.is_empty()) {
        return password::sign_in(&inbox, email, given.to_string()).await;
    }
    let said = format!(
        "If {email} belongs to a team, a sign-in link is on its way to it. It works once, for {} minutes.",
        auth::LINK_LIFETIME_SECS / 60
    );
    let known = match inbox.knows(&email).await {
        Ok(known) => known,
        Err(error) => return failed(&inbox, &error),
    };
    if known {
        if let Err(error) = mail_link(&inbox, &email).await {
            warn!(%error, "Cannot queue a sign-in link.");
            return failed(&inbox, &error);
        }
    }
    password::login(&inbox.page(), Some(&said)).into_response()
}

/// Queues a sign-in link for `email` in the outbox, unless it had
/// [`auth::LINKS_PER_WINDOW`] lately.
async fn mail_link(inbox: &Inbox, email: &str) -> Result<(), StoreError> {
    let token = auth::secret().map_err(|_| StoreError::Task("no random bytes".into()))?;
    let link = format!(
        "{}/login/{token}",
        inbox.settings.base_url.as_str().trim_end_matches('/')
    );
    if email.parse::<Mailbox>().is_err() {
        return Ok(());
    }
    let now = db::now();
    let mail = Note::new(
        inbox,
        email,
        "[Vigia] Your sign-in link",
        format!(
            "Open this link to sign in to the Vigia inbox:\n\n{link}\n\n\
             It works once, for {} minutes. If you did not ask for it, ignore this mail.\n",
            auth::LINK_LIFETIME_SECS / 60
        ),
    )?;
    let email = email.to_string();
    let hash = auth::hashed(&token);
    inbox
        .store
        .write(move |tx| {
            let recent = web::logins_since(tx, &email, now - auth::LINK_WINDOW_SECS)?;
            if recent >= auth::LINKS_PER_WINDOW {
                info!(%email, "Sign-in link not sent: too many lately.");
                return Ok(());
            }
            web::add_login(tx, &hash, &email, now, now + auth::LINK_LIFETIME_SECS)?;
            mail.queue(tx, (&format!("login:{hash}"), "login"), now)?;
            Ok(())
        })
        .await
}

/// A plain-text mail from the inbox's sender to one address (a sign-in
/// link, a notice), rendered and ready for the outbox.
pub(super) struct Note {
    from: String,
    to: String,
    subject: &'static str,
    message: Vec<u8>,
}

impl Note {
    /// `text` from the inbox's sender to `to`, under `subject`.
    pub(super) fn new(
        inbox: &Inbox,
        to: &str,
        subject: &'static str,
        text: String,
    ) -> Result<Note, StoreError> {
        let mailbox: Mailbox = to
            .parse()
            .map_err(|e| StoreError::Task(format!("{to:?} is not an address: {e}")))?;
        let message = lettre::Message::builder()
            .from(inbox.from.clone())
            .to(mailbox)
            .subject(subject)
            .body(text)
            .map_err(|e| StoreError::Task(format!("building the mail {subject:?}: {e}")))?;
        Ok(Note {
            from: inbox.from.email.to_string(),
            to: to.to_string(),
            subject,
            message: message.formatted(),
        })
    }

    /// Puts it in the outbox under `key`, as a mail of `kind`.
    pub(super) fn queue(
        &self,
        tx: &Tx<'_>,
        (key, kind): (&str, &str),
        now: i64,
    ) -> Result<(), StoreError> {
        let mail = NewMail {
            key,
            kind,
            from: &self.from,
            to: std::slice::from_ref(&self.to),
            subject: self.subject,
            message: &self.message,
        };
        outbox::enqueue(tx, &mail, now)?;
        Ok(())
    }
}

fn link_gone(inbox: &Inbox) -> Response {
    let page = pages::message(
        &inbox.page(),
        None,
        "This link no longer works",
        "Sign-in links work once and for a short time. Ask for a new one.",
    );
    (StatusCode::GONE, page).into_response()
}

pub(super) async fn confirm(
    State(inbox): State<Arc<Inbox>>,
    Path(token): Path<String>,
) -> Response {
    let hash = auth::hashed(&token);
    match inbox
        .store
        .read(move |c| web::pending_login(c, &hash, db::now()))
        .await
    {
        Ok(Some(email)) => pages::confirm_login(&inbox.page(), &token, &email).into_response(),
        Ok(None) => link_gone(&inbox),
        Err(error) => failed(&inbox, &error),
    }
}

/// Uses up the link and opens a session.
pub(super) async fn redeem(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    if cross_site(&headers) {
        return refused_cross_site(&inbox);
    }
    let hash = auth::hashed(&token);
    start_session(&inbox, "a mailed link", move |tx, session| {
        web::redeem_login(tx, &hash, session)
    })
    .await
}

/// Opens a session through `open`, which records it in the store's
/// transaction and says whose it is (None: the link was used up
/// meanwhile), and answers with its cookie and the inbox.
pub(super) async fn start_session<F>(inbox: &Inbox, how: &'static str, open: F) -> Response
where
    F: FnOnce(&Tx<'_>, &web::NewSession<'_>) -> Result<Option<String>, StoreError> + Send + 'static,
{
    let (Ok(secret), Ok(csrf)) = (auth::secret(), auth::secret()) else {
        return failed(inbox, &StoreError::Task("no random bytes".into()));
    };
    let session_hash = auth::hashed(&secret);
    let lifetime = inbox.settings.session.as_secs();
    let opened = inbox
        .store
        .write(move |tx| {
            let now = db::now();
            let session = web::NewSession {
                token_hash: &session_hash,
                csrf: &csrf,
                now,
                expires_at: now + lifetime as i64,
            };
            open(tx, &session)
        })
        .await;
    match opened {
        Ok(Some(email)) => {
            info!(%email, how, "Signed in to the web inbox.");
            let cookie = auth::set_cookie(&secret, lifetime, &inbox.settings);
            (
                [(header::SET_COOKIE, cookie)],
                Redirect::to(&inbox.path("/")),
            )
                .into_response()
        }
        Ok(None) => link_gone(inbox),
        Err(error) => failed(inbox, &error),
    }
}

pub(super) async fn logout(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(answer) = posted(&inbox, &headers, &body).await {
        return answer;
    }
    if let Some(secret) = auth::session_cookie(&headers) {
        let hash = auth::hashed(&secret);
        if let Err(error) = inbox
            .store
            .write(move |tx| web::revoke(tx, &hash, db::now()))
            .await
        {
            return failed(&inbox, &error);
        }
    }
    (
        [(header::SET_COOKIE, auth::set_cookie("", 0, &inbox.settings))],
        Redirect::to(&inbox.path("/login")),
    )
        .into_response()
}
