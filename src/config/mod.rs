//! Typed configuration: load the TOML, then validate it once, reporting
//! every problem with its file, line and key.
//!
//! [`raw`] mirrors the file; [`Config`] is what the daemon runs on, with
//! URLs parsed, durations and sizes converted and the brand queries compiled
//! into one [`KeywordMatcher`]. Relative paths in a config file resolve
//! against the directory that holds it. `vigia check` runs exactly this.

mod api_sources;
mod chat;
mod check;
mod delivery;
pub mod error;
mod http;
mod mail_sources;
pub mod opml;
pub mod raw;
mod recover;
mod sentiment;
mod sources;
mod status;
mod triage;
mod validate;
mod web;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use error::SourceFile;
pub use error::{closest, ConfigError, ConfigErrors};
use raw::{RawConfig, RawFeedsFile};
pub use sources::{Feed, Maildir, SourceParts, SourceSpec};

use crate::backoff::Backoff;
use crate::delivery::digest::DigestSettings;
use crate::delivery::spikes::SpikeRules;
use crate::delivery::MailSettings;
use crate::name::BrandName;
use crate::query::matcher::KeywordMatcher;
use crate::sentiment::{Language, Override, Thresholds};
use crate::source::http::HttpSettings;
use crate::source::web::PageSpec;
use crate::triage::Policy;

impl Config {
    /// Where the store is: the PostgreSQL database of `[storage] url`, else
    /// the SQLite file.
    pub fn store_place(&self) -> crate::store::Place {
        match &self.storage_url {
            Some(storage) => crate::store::Place::Postgres {
                url: storage.url.clone(),
                password: storage.password.clone(),
                ca_file: storage.ca_file.clone(),
            },
            None => crate::store::Place::File(self.storage_path.clone()),
        }
    }
}

/// `[storage] url`: a PostgreSQL database and where its password is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageUrl {
    /// `postgres://user@host/db?sslmode=…`, without a password.
    pub url: String,
    /// `password_env` or `password_file`.
    pub password: Option<crate::secret::PasswordSource>,
    /// `ca_file`: a private CA to trust (relative to the config).
    pub ca_file: Option<PathBuf>,
}

/// A validated config, ready to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was loaded from.
    pub path: PathBuf,
    /// SQLite database file (and, with a PostgreSQL database, where the
    /// daemon's other state files go by default).
    pub storage_path: PathBuf,
    /// The PostgreSQL database that replaces the file, when one is set.
    pub storage_url: Option<StorageUrl>,
    /// How long a daemon's lease on a source holds, with several daemons
    /// on one database.
    pub storage_lease: Duration,
    /// SQLite's page cache, in bytes.
    pub storage_cache_bytes: u64,
    /// HTTP client settings.
    pub http: HttpSettings,
    /// Default poll interval.
    pub poll_interval: Duration,
    /// Backoff after failures.
    pub backoff: Backoff,
    /// How long a reload waits for the polls in progress before it
    /// abandons them (to be fetched again by the new config).
    pub reload_timeout: Duration,
    /// Brands to look for.
    pub brands: Vec<Brand>,
    /// Every source to read: feeds, then Maildirs, IMAP mailboxes and
    /// web pages, each in the order written.
    pub sources: Vec<SourceSpec>,
    /// Sentiment label thresholds.
    pub thresholds: Thresholds,
    /// Lexicon entries the config adds or changes.
    pub lexicon_overrides: Vec<Override>,
    /// Every brand's queries in one automaton.
    pub matcher: KeywordMatcher,
    /// Teams, routing, severity and subjects.
    pub policy: Policy,
    /// How mail is sent.
    pub mail: MailSettings,
    /// The teams' chat channels (`[[team.chat]]`).
    pub chats: Vec<crate::delivery::chat::Channel>,
    /// Negative-spike alerts.
    pub spikes: SpikeRules,
    /// Bounds on what input can cost.
    pub limits: crate::limits::Limits,
    /// When digests go out.
    pub digest: DigestSettings,
    /// Where `/healthz` and `/metrics` are served, when they are.
    pub status_listen: Option<SocketAddr>,
    /// The web inbox, when `[web] listen` is set.
    pub web: Option<WebSettings>,
    /// What is valid but probably not meant (a feed URL listed twice).
    pub warnings: Vec<ConfigError>,
}

/// `[web]`: the web inbox.
#[derive(Debug, Clone, PartialEq)]
pub struct WebSettings {
    /// Where it listens (loopback unless allowed otherwise).
    pub listen: SocketAddr,
    /// Where people open it (behind their reverse proxy): the start of
    /// every link in mail.
    pub base_url: url::Url,
    /// Addresses that see and act on every team's mentions.
    pub admins: Vec<String>,
    /// How long a sign-in lasts.
    pub session: Duration,
    /// How long the one-click links in mail work.
    pub link_lifetime: Duration,
    /// The key file that signs them, when the config names one.
    pub link_key_file: Option<PathBuf>,
    /// Where a key is made when none is named (beside the database).
    pub state_dir: PathBuf,
}

impl WebSettings {
    /// The links mail carries into this inbox, signed by `signer`
    /// ([`Config::signer`]).
    pub fn mail_links(&self, signer: crate::links::Signer) -> crate::links::MailLinks {
        crate::links::MailLinks::new(signer, self.base_url.as_str(), self.link_lifetime)
    }
}

/// A brand.
#[derive(Debug, Clone, PartialEq)]
pub struct Brand {
    /// Name.
    pub name: BrandName,
    /// Queries, as written.
    pub queries: Vec<String>,
    /// Languages pinned for its sentiment; empty means detect.
    pub languages: Vec<Language>,
}

impl Config {
    /// Reads and validates `path` and the feed files it names, reporting
    /// every problem of every file at once.
    pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
        let main = read(path)?;
        let mut errors = Vec::new();
        let raw: RawConfig = match recover::deserialize(&main) {
            Ok((raw, mut problems)) => {
                errors.append(&mut problems);
                raw
            }
            Err(problems) => return Err(ConfigErrors(problems)),
        };
        let dir = base_dir(path);
        let mut feed_files = Vec::new();
        for (i, file) in raw.feed_files.iter().enumerate() {
            let file_path = dir.join(file.get_ref());
            // A file that cannot be read is a problem of the key naming it.
            let read = read(&file_path).map_err(|e| {
                e.0.into_iter()
                    .map(|e| {
                        main.error(
                            Some(file.span()),
                            format!("feed_files[{i}]"),
                            format!("{}: {}", file_path.display(), e.message),
                        )
                    })
                    .collect::<Vec<_>>()
            });
            let parsed = read.and_then(|f| {
                recover::deserialize::<RawFeedsFile>(&f)
                    .map(|(feeds, problems)| (feeds, f, problems))
            });
            match parsed {
                Ok((feeds, f, mut problems)) => {
                    errors.append(&mut problems);
                    feed_files.push((feeds, f));
                }
                Err(mut problems) => errors.append(&mut problems),
            }
        }
        // What could be read is validated too, so that one run shows all.
        match validate::from_raw(&main, raw, &feed_files) {
            Ok(config) if errors.is_empty() => return Ok(config),
            Ok(_) => {}
            Err(ConfigErrors(mut more)) => errors.append(&mut more),
        }
        // File by file (the main one first), in line order.
        errors.sort_by_key(|e| {
            (
                e.file != main.path,
                e.file.clone(),
                e.position.is_none(),
                e.position,
            )
        });
        Err(ConfigErrors(errors))
    }
}

impl Config {
    /// The installation's key, which signs the links in mail and the
    /// tokens replies answer with: see [`crate::links::Signer::load`]
    /// (`[web] link_key_file`, else `link-key` beside the database).
    pub fn signer(&self) -> Result<crate::links::Signer, crate::links::KeyError> {
        let file = self.web.as_ref().and_then(|w| w.link_key_file.as_deref());
        let state_dir = self.storage_path.parent().unwrap_or(Path::new("."));
        crate::links::Signer::load(file, state_dir)
    }

    /// What mail carries to act by: one-click links when `[web]` is on,
    /// reply tokens when `[mail] reply_to` is set; the key is read (or
    /// made) only when one of them needs it.
    pub fn ways(&self) -> Result<crate::delivery::Ways, crate::links::KeyError> {
        let chats = crate::delivery::chat::Channels::new(self.chats.clone());
        if self.web.is_none() && self.mail.reply_to.is_none() {
            return Ok(crate::delivery::Ways {
                chats,
                ..Default::default()
            });
        }
        let signer = self.signer()?;
        Ok(crate::delivery::Ways {
            links: self.web.as_ref().map(|w| w.mail_links(signer.clone())),
            replies: self.mail.reply_to.is_some().then_some(signer),
            chats,
        })
    }

    /// Every configured source as (id, location), the location as the
    /// store records it.
    pub fn source_locations(&self) -> Vec<(String, String)> {
        self.sources
            .iter()
            .map(|s| (s.id().to_string(), s.location()))
            .collect()
    }

    /// The feeds among the sources.
    pub fn feeds(&self) -> impl Iterator<Item = &Feed> {
        self.sources.iter().filter_map(|s| match s {
            SourceSpec::Feed(feed) => Some(feed),
            _ => None,
        })
    }

    /// The web pages among the sources.
    pub fn pages(&self) -> impl Iterator<Item = &PageSpec> {
        self.sources.iter().filter_map(|s| match s {
            SourceSpec::Page(page) => Some(page),
            _ => None,
        })
    }
}

/// The directory relative paths in `config` resolve against.
pub fn base_dir(config: &Path) -> PathBuf {
    let dir = config.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

fn read(path: &Path) -> Result<SourceFile, ConfigErrors> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(SourceFile {
            path: path.to_path_buf(),
            text,
        }),
        Err(e) => Err(ConfigErrors(vec![SourceFile::file_error(
            path,
            format!("cannot read: {e}"),
        )])),
    }
}

/// The table a byte offset of a TOML file falls in, as `poll` or
/// `feed[2]`, so that a parse error names where the bad key lives.
pub(crate) fn table_at(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    // A position in a header line is in that header's table.
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = if text[line_start..line_end].trim_start().starts_with('[') {
        line_end
    } else {
        offset
    };
    let before = &text[..end];
    let Some(header) = before.lines().map(str::trim).rfind(|l| l.starts_with('[')) else {
        return String::new();
    };
    match header.strip_prefix("[[").and_then(|h| h.split("]]").next()) {
        Some(name) => {
            let name = name.trim();
            let index = before
                .lines()
                .filter(|l| l.trim().starts_with(&format!("[[{name}]]")))
                .count();
            format!("{name}[{}]", index.saturating_sub(1))
        }
        None => header
            .trim_start_matches('[')
            .split(']')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

#[cfg(test)]
mod tests;
