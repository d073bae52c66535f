//! The sources a config names, each one variant of [`SourceSpec`], and how
//! each becomes a running [`Source`]: one list, one match, instead of a
//! list and a wiring chain per kind.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use url::Url;

use crate::name::SourceId;
use crate::source::http::HttpClient;
use crate::source::imap::{ImapSettings, ImapSource};
use crate::source::json::{JsonSource, JsonSpec};
use crate::source::maildir::MaildirSource;
use crate::source::rss::FeedSource;
use crate::source::search::Search;
use crate::source::web::{PageSpec, Politeness, WebSource};
use crate::source::MailRole;
use crate::source::Source;

/// A feed.
#[derive(Debug, Clone)]
pub struct Feed {
    /// Stable id: the name, or the URL as configured.
    pub id: SourceId,
    /// URL (`http`, `https` or `file`).
    pub url: Url,
    /// Poll interval.
    pub interval: Duration,
    /// Extra request headers (may hold credentials: never logged).
    pub headers: HeaderMap,
}

/// A local Maildir.
#[derive(Debug, Clone, PartialEq)]
pub struct Maildir {
    /// Stable id: its name.
    pub id: SourceId,
    /// The folder holding `new/` and `cur/`.
    pub path: PathBuf,
    /// Poll interval.
    pub interval: Duration,
    /// What its mail is read as.
    pub role: MailRole,
}

/// One configured source.
#[derive(Debug, Clone)]
pub enum SourceSpec {
    /// An RSS or Atom feed (`[[feed]]`, or a feed file).
    Feed(Feed),
    /// A local Maildir (`[[maildir]]`).
    Maildir(Maildir),
    /// An IMAP mailbox (`[[imap]]`).
    Imap(ImapSettings),
    /// A web page (`[[page]]`).
    Page(PageSpec),
    /// A JSON API (`[[json]]`).
    Json(Box<JsonSpec>),
    /// A search by provider name (`[[search]]`).
    Search(Search),
}

/// What the sources share once built: the HTTP client, the per-host
/// politeness state and the size limit on what is read.
#[derive(Clone)]
pub struct SourceParts {
    /// The HTTP client of feeds and pages.
    pub http: Arc<HttpClient>,
    /// robots.txt rules and per-host request spacing, for pages.
    pub polite: Arc<Politeness>,
    /// The largest body (or mail) read, in bytes.
    pub max_body_bytes: u64,
}

impl SourceSpec {
    /// The source's stable id.
    pub fn id(&self) -> &SourceId {
        match self {
            SourceSpec::Feed(feed) => &feed.id,
            SourceSpec::Maildir(maildir) => &maildir.id,
            SourceSpec::Imap(imap) => &imap.id,
            SourceSpec::Page(page) => &page.id,
            SourceSpec::Json(json) => &json.id,
            SourceSpec::Search(search) => &search.id,
        }
    }

    /// Where it reads, as the store records it.
    pub fn location(&self) -> String {
        match self {
            SourceSpec::Feed(feed) => feed.url.to_string(),
            SourceSpec::Maildir(maildir) => maildir.path.display().to_string(),
            SourceSpec::Imap(imap) => imap.location(),
            SourceSpec::Page(page) => page.url.to_string(),
            SourceSpec::Json(json) => json.urls.first().map(Url::to_string).unwrap_or_default(),
            SourceSpec::Search(search) => search.location().to_string(),
        }
    }

    /// The config table it comes from.
    pub fn table(&self) -> &'static str {
        match self {
            SourceSpec::Feed(_) => "feed",
            SourceSpec::Maildir(_) => "maildir",
            SourceSpec::Imap(_) => "imap",
            SourceSpec::Page(_) => "page",
            SourceSpec::Json(_) => "json",
            SourceSpec::Search(_) => "search",
        }
    }

    /// The running source.
    pub fn build(&self, parts: &SourceParts) -> Arc<dyn Source> {
        match self {
            SourceSpec::Feed(feed) => Arc::new(FeedSource::new(
                feed.id.clone(),
                feed.url.clone(),
                feed.interval,
                feed.headers.clone(),
                parts.http.clone(),
            )),
            SourceSpec::Maildir(maildir) => Arc::new(
                MaildirSource::new(
                    maildir.id.clone(),
                    maildir.path.clone(),
                    maildir.interval,
                    parts.max_body_bytes,
                )
                .with_role(maildir.role),
            ),
            SourceSpec::Imap(imap) => Arc::new(ImapSource::new(imap.clone(), parts.max_body_bytes)),
            SourceSpec::Page(page) => Arc::new(WebSource::new(page.clone(), parts.polite.clone())),
            SourceSpec::Json(json) => {
                Arc::new(JsonSource::new((**json).clone(), parts.http.clone()))
            }
            SourceSpec::Search(search) => search.build(&parts.http),
        }
    }
}
