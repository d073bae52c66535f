//! Passwords, for those who want one: set on the account page once signed
//! in by a mailed link (which keeps working), stored as Argon2id hashes.
//! A wrong password is counted per address; after [`TRIES`] in
//! [`auth::LINK_WINDOW_SECS`] the address signs in by link only until the
//! window passes. An address without a password costs the same work as
//! one with, so the answer's time tells nobody which addresses have one.

use std::sync::{Arc, OnceLock};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use ring::rand::{SecureRandom, SystemRandom};
use tracing::{info, warn};

use super::pages::{layout, Page};
use super::{auth, failed, field, posted, signed_in, Inbox};
use crate::people::Viewer;
use crate::store::{self as db, web, StoreError};

/// Shortest password taken, in characters.
pub const MIN_CHARS: usize = 12;

/// Wrong passwords an address may give per [`auth::LINK_WINDOW_SECS`].
pub const TRIES: u32 = 5;

/// An Argon2id hash of `password` (a PHC string), with a random salt.
pub fn hash(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| "no random bytes from the system".to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches `stored`; with nothing stored, the same
/// work against a hash nobody knows the password of.
pub fn matches(password: &str, stored: Option<&str>) -> bool {
    static NOBODY: OnceLock<String> = OnceLock::new();
    let nobody =
        NOBODY.get_or_init(|| hash(&format!("{:x}", fastrand::u128(..))).unwrap_or_default());
    let hash = stored.unwrap_or(nobody);
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        && stored.is_some()
}

/// Runs `work` (hashing or checking a password) off the executor, at
/// most two at once.
async fn hashing<R: Send + 'static>(
    inbox: &Inbox,
    work: impl FnOnce() -> R + Send + 'static,
) -> Result<R, StoreError> {
    let _turn = inbox
        .hashing
        .acquire()
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Task(e.to_string()))
}

/// Counts an attempt at `email`'s password and reads its hash: None when
/// the address had [`TRIES`] lately.
async fn attempt(inbox: &Inbox, email: &str) -> Result<Option<Option<String>>, StoreError> {
    let key = email.to_string();
    inbox
        .store
        .write(move |tx| {
            let now = db::now();
            let window = (now - auth::LINK_WINDOW_SECS, TRIES);
            if !web::password_attempt(tx, &key, window, now)? {
                return Ok(None);
            }
            Ok(Some(web::password_hash(tx, &key)?))
        })
        .await
}

/// What the sign-in form says to an address held back.
fn held_back() -> String {
    format!(
        "Too many wrong passwords for this address lately: wait {} minutes, or leave the password empty and sign in with a mailed link.",
        auth::LINK_WINDOW_SECS / 60
    )
}

/// Signs `email` in with `password`: a session and the inbox, or the
/// sign-in form again with a refusal that says nothing of who exists.
pub(super) async fn sign_in(inbox: &Inbox, email: String, password: String) -> Response {
    let page = inbox.page();
    let stored = match attempt(inbox, &email).await {
        Ok(Some(stored)) => stored,
        Ok(None) => {
            let said = held_back();
            return (StatusCode::TOO_MANY_REQUESTS, login(&page, Some(&said))).into_response();
        }
        Err(error) => return failed(inbox, &error),
    };
    let known = match inbox.knows(&email).await {
        Ok(known) => known,
        Err(error) => return failed(inbox, &error),
    };
    let right = hashing(inbox, move || matches(&password, stored.as_deref())).await;
    match right {
        Ok(true) if known => {}
        Ok(_) => {
            // What was typed as an address may be a password typed in
            // the wrong box: only team members' addresses are logged.
            if known {
                warn!(%email, "Wrong password for the web inbox.");
            } else {
                warn!("Wrong password for an address on no team.");
            }
            let said = "Wrong address or password. Leave the password empty to get a sign-in link by mail.";
            return (StatusCode::UNAUTHORIZED, login(&page, Some(said))).into_response();
        }
        Err(error) => return failed(inbox, &error),
    }
    super::login::start_session(inbox, "a password", move |tx, session| {
        web::password_passed(tx, &email)?;
        web::open_session(tx, &email, session).map(|()| Some(email))
    })
    .await
}

/// The sign-in form, with a message above it.
pub fn login(page: &Page<'_>, message: Option<&str>) -> Markup {
    layout(
        page,
        "Sign in",
        None,
        html! {
            h1 { "Sign in" }
            @if let Some(message) = message { p.notice { (message) } }
            p { "Enter the address your team's alerts reach: a sign-in link is mailed to it. If you set a password, give it to sign in at once." }
            form method="post" action={ (page.prefix) "/login" } {
                label for="email" { "Email" }
                input #email type="email" name="email" required autocomplete="email";
                label for="password" { "Password (if you set one)" }
                input #password type="password" name="password" autocomplete="current-password";
                button type="submit" { "Sign in" }
            }
        },
    )
}

/// The account page: whether a password is set, and the forms to set,
/// change or remove it.
pub(super) async fn account(State(inbox): State<Arc<Inbox>>, headers: HeaderMap) -> Response {
    let viewer = match signed_in(&inbox, &headers).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    show(&inbox, &viewer, None, StatusCode::OK).await
}

async fn show(inbox: &Inbox, viewer: &Viewer, said: Option<&str>, status: StatusCode) -> Response {
    let email = viewer.email.clone();
    match inbox
        .store
        .read(move |c| web::password_hash(c, &email))
        .await
    {
        Ok(stored) => {
            let page = account_page(&inbox.page(), viewer, stored.is_some(), said);
            (status, page).into_response()
        }
        Err(error) => failed(inbox, &error),
    }
}

fn account_page(
    page: &Page<'_>,
    viewer: &Viewer,
    has_password: bool,
    said: Option<&str>,
) -> Markup {
    let current = html! {
        @if has_password {
            label for="current" { "Your current password" }
            input #current type="password" name="current" required autocomplete="current-password";
        }
    };
    layout(
        page,
        "Your account",
        Some(viewer),
        html! {
            h1 { "Your account" }
            @if let Some(said) = said { p.notice { (said) } }
            p {
                @if has_password { "You sign in with your password, or with a mailed link." }
                @else {
                    "You sign in with a mailed link. Set a password to sign in without waiting for mail (within "
                    (FRESH_SECS / 60) " minutes of signing in by link)."
                }
            }
            form method="post" action={ (page.prefix) "/account" } {
                input type="hidden" name="csrf" value=(viewer.csrf);
                (current)
                label for="password" { "New password (at least " (MIN_CHARS) " characters)" }
                input #password type="password" name="password" required minlength=(MIN_CHARS) autocomplete="new-password";
                label for="repeat" { "The same again" }
                input #repeat type="password" name="repeat" required minlength=(MIN_CHARS) autocomplete="new-password";
                button type="submit" name="op" value="set" { @if has_password { "Change password" } @else { "Set password" } }
            }
            @if has_password {
                form method="post" action={ (page.prefix) "/account" } {
                    input type="hidden" name="csrf" value=(viewer.csrf);
                    (current)
                    button type="submit" name="op" value="remove" { "Remove my password" }
                }
            }
        },
    )
}

/// How recent a link sign-in must be to set a first password: a session
/// cookie taken later cannot add a password its owner does not know of.
pub const FRESH_SECS: i64 = 15 * 60;

/// The new password of a `set` form, hashed, or why not.
async fn new_password(
    inbox: &Inbox,
    form: &[(String, String)],
) -> Result<Result<String, String>, StoreError> {
    let password = field(form, "password").unwrap_or_default().to_string();
    if password.chars().count() < MIN_CHARS {
        let said = format!("A password needs at least {MIN_CHARS} characters: nothing changed.");
        return Ok(Err(said));
    }
    if field(form, "repeat") != Some(password.as_str()) {
        return Ok(Err("The two passwords differ: nothing changed.".into()));
    }
    hashing(inbox, move || hash(&password))
        .await?
        .map(Ok)
        .map_err(StoreError::Task)
}

/// Whether the viewer may change their password: with one set, they give
/// it (a counted attempt, as at sign-in); without, their session is a
/// fresh link sign-in. The refusal otherwise.
async fn may_change(
    inbox: &Inbox,
    viewer: &Viewer,
    session: &web::Session,
    form: &[(String, String)],
) -> Result<(), String> {
    let failure = |e: StoreError| e.to_string();
    let stored = attempt(inbox, &viewer.email).await.map_err(failure)?;
    let Some(stored) = stored else {
        return Err(held_back());
    };
    let Some(stored) = stored else {
        let fresh = db::now() - session.created_at <= FRESH_SECS;
        return if fresh {
            Ok(())
        } else {
            Err(format!(
                "To set a password, sign in with a mailed link again (then within {} minutes): nothing changed.",
                FRESH_SECS / 60
            ))
        };
    };
    let given = field(form, "current").unwrap_or_default().to_string();
    match hashing(inbox, move || matches(&given, Some(&stored))).await {
        Ok(true) => Ok(()),
        Ok(false) => Err("Your current password is not right: nothing changed.".into()),
        Err(error) => Err(failure(error)),
    }
}

/// Sets, changes or removes the viewer's password; the other sessions end
/// and a notice is mailed, so that a change nobody asked for is seen.
pub(super) async fn change(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (viewer, form) = match posted(&inbox, &headers, &body).await {
        Ok(posted) => posted,
        Err(answer) => return answer,
    };
    let keep = auth::session_cookie(&headers)
        .map(|s| auth::hashed(&s))
        .unwrap_or_default();
    let key = keep.clone();
    let session = match inbox
        .store
        .read(move |c| web::session(c, &key, db::now()))
        .await
    {
        Ok(Some(session)) => session,
        Ok(None) => return Redirect::to(&inbox.path("/login")).into_response(),
        Err(error) => return failed(&inbox, &error),
    };
    let op = field(&form, "op");
    if !matches!(op, Some("set" | "remove")) {
        return show(&inbox, &viewer, None, StatusCode::BAD_REQUEST).await;
    }
    let new = match op {
        Some("set") => match new_password(&inbox, &form).await {
            Ok(Ok(hashed)) => Some(hashed),
            Ok(Err(refusal)) => {
                return show(&inbox, &viewer, Some(&refusal), StatusCode::BAD_REQUEST).await
            }
            Err(error) => return failed(&inbox, &error),
        },
        _ => None,
    };
    if let Err(refusal) = may_change(&inbox, &viewer, &session, &form).await {
        return show(&inbox, &viewer, Some(&refusal), StatusCode::FORBIDDEN).await;
    }
    let set = new.is_some();
    let (email, base) = (viewer.email.clone(), inbox.settings.base_url.to_string());
    let notice = super::login::Note::new(
        &inbox,
        &email,
        "[Vigia] Your inbox password changed",
        format!(
            "Your password for the Vigia inbox at {base} was just {}.\n\n\
             If this was not you, ask an admin to run `vigia users reset {email}`: it forgets the password and ends every session.\n",
            if set { "set" } else { "removed" }
        ),
    );
    let notice = match notice {
        Ok(notice) => notice,
        Err(error) => return failed(&inbox, &error),
    };
    let changed = inbox
        .store
        .write(move |tx| {
            let now = db::now();
            web::set_password(tx, &email, new.as_deref(), now)?;
            web::end_other_sessions(tx, &email, &keep, now)?;
            notice.queue(tx, (&format!("password:{email}:{now}"), "notice"), now)
        })
        .await;
    match changed {
        Ok(()) => {
            info!(email = %viewer.email, set, "Web inbox password changed.");
            let said = if set {
                "Your password is set; your other sessions are ended."
            } else {
                "Your password is removed: you sign in with a mailed link; your other sessions are ended."
            };
            show(&inbox, &viewer, Some(said), StatusCode::OK).await
        }
        Err(error) => failed(&inbox, &error),
    }
}
