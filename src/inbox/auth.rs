//! Who is using the inbox: team members signed in by a one-time link
//! mailed through the outbox, with a session cookie and a CSRF token.
//!
//! Secrets are 32 random bytes from the system, shown once (in the mail,
//! in the cookie) and stored only as their SHA-256. A link works once and
//! for [`LINK_LIFETIME_SECS`]; opening it shows a button, and only the button's
//! POST signs in, because mail scanners open links.

use axum::http::HeaderMap;
use ring::rand::{SecureRandom, SystemRandom};

use crate::config::WebSettings;

/// How long a mailed sign-in link works.
pub const LINK_LIFETIME_SECS: i64 = 30 * 60;

/// Sign-in links one address may be sent per [`LINK_WINDOW_SECS`].
pub const LINKS_PER_WINDOW: u32 = 3;

/// The window of [`LINKS_PER_WINDOW`].
pub const LINK_WINDOW_SECS: i64 = 15 * 60;

/// The session cookie's name.
pub const COOKIE: &str = "vigia_session";

/// A new random secret, as 64 hex digits.
pub fn secret() -> Result<String, ring::error::Unspecified> {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes)?;
    Ok(hex(&bytes))
}

/// How a secret is stored: its SHA-256, in hex.
pub fn hashed(secret: &str) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, secret.as_bytes()).as_ref())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The session secret in the request's cookies.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE && !value.is_empty()).then(|| value.to_string())
        })
}

/// The `Set-Cookie` value that stores `secret` for `max_age` seconds
/// (0: removes it). Secure when the inbox is reached over TLS.
pub fn set_cookie(secret: &str, max_age: u64, settings: &WebSettings) -> String {
    let secure = if settings.base_url.scheme() == "https" {
        "; Secure"
    } else {
        ""
    };
    let path = match settings.base_url.path().trim_end_matches('/') {
        "" => "/",
        path => path,
    };
    format!("{COOKIE}={secret}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_stored_hashed() {
        let (a, b) = (secret().unwrap(), secret().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(hashed(&a).len(), 64);
        assert_ne!(hashed(&a), a);
        assert!(crate::links::same_token(&a, &a.clone()));
        assert!(!crate::links::same_token(&a, &b));
        assert!(!crate::links::same_token(&a, &a[1..]));
    }
}
