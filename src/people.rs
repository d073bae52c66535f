//! The people Vigia tells and lets act: every recipient of a team is a
//! member of it, `[web] admins` and admins added with `vigia users add`
//! see every team's mentions. The inbox signs them in; replies to alert
//! mails act in their name.

use std::collections::{HashMap, HashSet};

use crate::store::users::User;
use crate::triage::Team;

/// Someone Vigia knows: their address, their teams, whether they see all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// Their address, in lower case.
    pub email: String,
    /// The teams they belong to.
    pub teams: Vec<String>,
    /// Sees and acts on every team's mentions.
    pub admin: bool,
    /// The session's CSRF token (empty outside the inbox).
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
