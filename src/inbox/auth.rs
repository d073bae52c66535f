//! Who is using the inbox: team members signed in by a one-time link
//! mailed through the outbox, with a session cookie and a CSRF token.
//!
//! Secrets are 32 random bytes from the system, shown once (in the mail,
//! in the cookie) and stored only as their SHA-256. A link works once and
//! for [`LINK_LIFETIME_SECS`]; opening it shows a button, and only the button's
//! POST signs in, because mail scanners open links.

use std::collections::{HashMap, HashSet};

use axum::http::HeaderMap;
use ring::rand::{SecureRandom, SystemRandom};

use crate::config::WebSettings;
use crate::store::users::User;
use crate::triage::Team;

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

/// Whether two tokens are equal, in time that does not depend on where
/// they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
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

/// Someone signed in: their address, their teams, whether they see all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The address they signed in with.
    pub email: String,
    /// The teams they belong to.
    pub teams: Vec<String>,
    /// Sees and acts on every team's mentions.
    pub admin: bool,
    /// The session's CSRF token.
    pub csrf: String,
}

impl Viewer {
    /// The teams whose mentions they may see: None for all.
    pub fn visible_to(&self) -> Option<Vec<String>> {
        (!self.admin).then(|| self.teams.clone())
    }
}

/// Who may sign in: every recipient of a team (a member of it) and the
/// admins of `[web]`.
#[derive(Debug, Clone, Default)]
pub struct People {
    teams: HashMap<String, Vec<String>>,
    admins: HashSet<String>,
}

impl People {
    /// The members of `teams` and the `admins`.
    pub fn new(teams: &[Team], admins: &[String]) -> People {
        let mut members: HashMap<String, Vec<String>> = HashMap::new();
        for team in teams {
            for recipient in &team.recipients {
                members
                    .entry(address(recipient))
                    .or_default()
                    .push(team.name.to_string());
            }
        }
        People {
            teams: members,
            admins: admins.iter().map(|a| address(a)).collect(),
        }
    }

    /// Every team's members, by team.
    pub fn members(&self) -> HashMap<String, Vec<String>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for (email, teams) in &self.teams {
            for team in teams {
                out.entry(team.clone()).or_default().push(email.clone());
            }
        }
        for list in out.values_mut() {
            list.sort();
        }
        out
    }

    /// Whether `email` may sign in.
    pub fn knows(&self, email: &str) -> bool {
        let email = address(email);
        self.teams.contains_key(&email) || self.admins.contains(&email)
    }

    /// The viewer `email` is, with the session's CSRF token; None when
    /// they may no longer sign in (taken off every team).
    pub fn viewer(&self, email: &str, csrf: String) -> Option<Viewer> {
        self.viewer_with(email, csrf, None)
    }

    /// [`People::viewer`], with what `vigia users add` gave them (`added`)
    /// on top of the config's teams and admins.
    pub fn viewer_with(&self, email: &str, csrf: String, added: Option<&User>) -> Option<Viewer> {
        let email = address(email);
        let admin = self.admins.contains(&email) || added.is_some_and(|u| u.admin);
        let mut teams = self.teams.get(&email).cloned().unwrap_or_default();
        for team in added.map_or(&[][..], |u| &u.teams[..]) {
            if !teams.contains(team) {
                teams.push(team.clone());
            }
        }
        (admin || !teams.is_empty()).then_some(Viewer {
            email,
            teams,
            admin,
            csrf,
        })
    }
}

/// The bare address of `Name <addr>` or `addr`, in lower case.
pub fn address(text: &str) -> String {
    let text = text.trim();
    let bare = match (text.rfind('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close => &text[open + 1..close],
        _ => text,
    };
    bare.trim().to_lowercase()
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
        assert!(same_token(&a, &a.clone()));
        assert!(!same_token(&a, &b));
        assert!(!same_token(&a, &a[1..]));
    }

    #[test]
    fn members_come_from_team_recipients_and_admins_see_all() {
        let teams = [Team {
            name: "cs".into(),
            recipients: vec!["Ana <Ana@Lumora.example>".into()],
            language: crate::sentiment::Language::En,
        }];
        let people = People::new(&teams, &["ops@lumora.example".into()]);
        assert!(people.knows("ana@lumora.example"));
        assert!(!people.knows("eve@evil.example"));
        let ana = people.viewer("ANA@lumora.example", "t".into()).unwrap();
        assert_eq!(ana.visible_to(), Some(vec!["cs".to_string()]));
        let ops = people.viewer("ops@lumora.example", "t".into()).unwrap();
        assert_eq!(ops.visible_to(), None);
        assert!(people.viewer("eve@evil.example", "t".into()).is_none());
    }
}
