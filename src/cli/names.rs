//! Brand and team names given on the command line, checked against the
//! config (and the store, for names a config no longer has): an unknown
//! name is an error that lists the known ones and the closest, never an
//! empty listing.

use anyhow::bail;

use crate::config::{closest, Config};
use crate::store::{mentions, Store};

/// `--brand` and `--team` as given, checked against the config and the
/// store (which is read only when one of them is given).
pub async fn checked(
    config: &Config,
    store: &Store,
    given_brand: Option<&str>,
    given_team: Option<&str>,
) -> anyhow::Result<(Option<String>, Option<String>)> {
    if given_brand.is_none() && given_team.is_none() {
        return Ok((None, None));
    }
    let (brands, teams) = store.call(|c| mentions::names(c)).await?;
    Ok((
        given_brand.map(|b| brand(config, b, &brands)).transpose()?,
        given_team.map(|t| team(config, t, &teams)).transpose()?,
    ))
}

/// The brand `given` names, as the config spells it. `stored` are the
/// brands the store has mentions of.
pub fn brand(config: &Config, given: &str, stored: &[String]) -> anyhow::Result<String> {
    let configured = config.brands.iter().map(|b| b.name.as_str());
    pick("--brand", "brand", given, configured, stored)
}

/// The team `given` names. `stored` are the teams the store has routed to.
pub fn team(config: &Config, given: &str, stored: &[String]) -> anyhow::Result<String> {
    let configured = config.policy.settings.teams.iter().map(|t| t.name.as_str());
    pick("--team", "team", given, configured, stored)
}

fn pick<'a>(
    flag: &str,
    what: &str,
    given: &str,
    configured: impl Iterator<Item = &'a str>,
    stored: &'a [String],
) -> anyhow::Result<String> {
    let known: Vec<&str> = configured
        .chain(stored.iter().map(String::as_str))
        .collect();
    if let Some(name) = known.iter().find(|k| k.eq_ignore_ascii_case(given)) {
        return Ok((*name).to_string());
    }
    let mut names = known;
    names.sort_unstable();
    names.dedup();
    let hint = closest(given, &names)
        .map(|c| format!("; did you mean {c:?}?"))
        .unwrap_or_default();
    if names.is_empty() {
        bail!("{flag} {given:?}: the config has no {what}");
    }
    bail!(
        "{flag} {given:?}: no such {what} (known: {}){hint}",
        names.join(", ")
    )
}
