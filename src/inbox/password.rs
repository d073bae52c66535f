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
use axum::response::{IntoResponse, Response};
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

/// Signs `email` in with `password`: a session and the inbox, or the
/// sign-in form again with a refusal that says nothing of who exists.
pub(super) async fn sign_in(inbox: &Inbox, email: String, password: String) -> Response {
    let key = email.clone();
    let read = inbox
        .store
        .read(move |c| {
            let since = db::now() - auth::LINK_WINDOW_SECS;
            Ok((
                web::password_hash(c, &key)?,
                web::password_failures(c, &key, since)?,
            ))
        })
        .await;
    let (stored, failures) = match read {
        Ok(read) => read,
        Err(error) => return failed(inbox, &error),
    };
    let page = inbox.page();
    if failures >= TRIES {
        let said = format!(
            "Too many wrong passwords for this address lately: wait {} minutes, or leave the password empty and sign in with a mailed link.",
            auth::LINK_WINDOW_SECS / 60
        );
        return (StatusCode::TOO_MANY_REQUESTS, login(&page, Some(&said))).into_response();
    }
    let known = match inbox.knows(&email).await {
        Ok(known) => known,
        Err(error) => return failed(inbox, &error),
    };
    let checked = tokio::task::spawn_blocking(move || matches(&password, stored.as_deref())).await;
    if !(known && checked.unwrap_or(false)) {
        let key = email.clone();
        if let Err(error) = inbox
            .store
            .write(move |tx| web::password_failed(tx, &key, db::now()))
            .await
        {
            return failed(inbox, &error);
        }
        warn!(%email, "Wrong password for the web inbox.");
        let said =
            "Wrong address or password. Leave the password empty to get a sign-in link by mail.";
        return (StatusCode::UNAUTHORIZED, login(&page, Some(said))).into_response();
    }
    super::login::start_session(inbox, "a password", move |tx, session| {
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
    layout(
        page,
        "Your account",
        Some(viewer),
        html! {
            h1 { "Your account" }
            @if let Some(said) = said { p.notice { (said) } }
            p {
                @if has_password { "You sign in with your password, or with a mailed link." }
                @else { "You sign in with a mailed link. Set a password to sign in without waiting for mail." }
            }
            form method="post" action={ (page.prefix) "/account" } {
                input type="hidden" name="csrf" value=(viewer.csrf);
                label for="password" { "New password (at least " (MIN_CHARS) " characters)" }
                input #password type="password" name="password" required minlength=(MIN_CHARS) autocomplete="new-password";
                label for="repeat" { "The same again" }
                input #repeat type="password" name="repeat" required minlength=(MIN_CHARS) autocomplete="new-password";
                button type="submit" name="op" value="set" { @if has_password { "Change password" } @else { "Set password" } }
            }
            @if has_password {
                form method="post" action={ (page.prefix) "/account" } {
                    input type="hidden" name="csrf" value=(viewer.csrf);
                    button type="submit" name="op" value="remove" { "Remove my password" }
                }
            }
        },
    )
}

/// Sets, changes or removes the viewer's password.
pub(super) async fn change(
    State(inbox): State<Arc<Inbox>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (viewer, form) = match posted(&inbox, &headers, &body).await {
        Ok(posted) => posted,
        Err(answer) => return answer,
    };
    let new = match field(&form, "op") {
        Some("remove") => None,
        Some("set") => {
            let password = field(&form, "password").unwrap_or_default().to_string();
            let refusal = if password.chars().count() < MIN_CHARS {
                Some(format!(
                    "A password needs at least {MIN_CHARS} characters: nothing changed."
                ))
            } else if field(&form, "repeat") != Some(password.as_str()) {
                Some("The two passwords differ: nothing changed.".to_string())
            } else {
                None
            };
            if let Some(refusal) = refusal {
                return show(&inbox, &viewer, Some(&refusal), StatusCode::BAD_REQUEST).await;
            }
            match tokio::task::spawn_blocking(move || hash(&password)).await {
                Ok(Ok(hashed)) => Some(hashed),
                Ok(Err(error)) => {
                    let error = StoreError::Task(format!("hashing the password: {error}"));
                    return failed(&inbox, &error);
                }
                Err(error) => return failed(&inbox, &StoreError::Task(error.to_string())),
            }
        }
        _ => return show(&inbox, &viewer, None, StatusCode::BAD_REQUEST).await,
    };
    let (email, set) = (viewer.email.clone(), new.is_some());
    match inbox
        .store
        .write(move |tx| web::set_password(tx, &email, new.as_deref(), db::now()))
        .await
    {
        Ok(_) => {
            info!(email = %viewer.email, set, "Web inbox password changed.");
            let said = if set {
                "Your password is set."
            } else {
                "Your password is removed: you sign in with a mailed link."
            };
            show(&inbox, &viewer, Some(said), StatusCode::OK).await
        }
        Err(error) => failed(&inbox, &error),
    }
}
