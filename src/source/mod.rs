//! Places mentions come from.
//!
//! A [`Source`] performs one fetch and nothing else: no sleeping, retrying
//! or persistence. The [`poller`](crate::poll) owns the loop: it loads the cursor from
//! the store, calls `fetch`, hands the items to the pipeline and saves the
//! cursor, the error count and the next check time back.

pub mod alert_email;
pub mod dates;
pub mod feed_text;
pub mod http;
pub mod imap;
pub mod json;
pub mod maildir;
pub mod rss;
pub mod search;
pub mod tag_soup;
pub mod web;

use crate::name::SourceId;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

use http::HttpError;

/// One item as a source delivers it, before normalization.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawItem {
    /// The source's own identifier for the item (RSS guid, Atom id).
    pub guid: Option<String>,
    /// Link to the item, possibly relative or wrapped in a redirect.
    pub url: Option<String>,
    /// Title, possibly HTML.
    pub title: Option<String>,
    /// Summary, possibly HTML.
    pub summary: Option<String>,
    /// Full content, possibly HTML.
    pub content: Option<String>,
    /// Publication (or last update) time.
    pub published: Option<DateTime<Utc>>,
    /// Who or where it comes from, when the source says: the site an alert
    /// result is from, the sender of a mail.
    pub origin: Option<String>,
    /// The alert query that found it, for items from alert emails.
    pub query: Option<String>,
    /// Who wrote it, when the source says: a handle (`@ana@mastodon.social`,
    /// `ana.bsky.social`, `u/ana`) or a name.
    pub author: Option<String>,
    /// How far it reached, when the source counts it.
    pub reach: Option<Reach>,
    /// The item is one passage of the page at `url` (a new paragraph of a
    /// watched page, a list entry without a link of its own): other
    /// passages of that page from the same source are other mentions.
    pub excerpt: bool,
}

/// How far an item reached, as its source counts it: its author's
/// followers, its score (votes, points, likes), or its views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    /// The count.
    pub count: u64,
    /// What is counted.
    pub kind: ReachKind,
}

/// What a [`Reach`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReachKind {
    /// The author's followers.
    Followers,
    /// The item's score: votes, points, likes.
    #[default]
    Score,
    /// Times it was viewed.
    Views,
}

impl ReachKind {
    /// Every kind, as configs and the store name them.
    pub const ALL: [ReachKind; 3] = [ReachKind::Followers, ReachKind::Score, ReachKind::Views];

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            ReachKind::Followers => "followers",
            ReachKind::Score => "score",
            ReachKind::Views => "views",
        }
    }

    /// The kind called `name`.
    pub fn parse(name: &str) -> Option<ReachKind> {
        ReachKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Where a source left off, kept in the store between fetches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cursor {
    /// Where to fetch from when it differs from the configured URL (after a
    /// permanent redirect).
    pub location: Option<String>,
    /// `ETag` of the last full response.
    pub etag: Option<String>,
    /// `Last-Modified` of the last full response.
    pub last_modified: Option<String>,
    /// A source's own position: for a Maildir, the newest modification
    /// time it has read (nanoseconds since the epoch).
    pub position: Option<String>,
}

/// What one fetch returned.
#[derive(Debug, Default)]
pub struct Fetched {
    /// Items, empty when nothing changed (HTTP 304).
    pub items: Vec<RawItem>,
    /// The cursor to store for the next fetch.
    pub cursor: Cursor,
    /// The earliest the source asks to be fetched again (`Cache-Control:
    /// max-age`, RSS `<ttl>`).
    pub not_before: Option<Duration>,
    /// Problems that did not stop the fetch but need a person (a selector
    /// that matched nothing: the page changed its layout).
    pub warnings: Vec<String>,
    /// Replies to alert mails, from a mailbox read for them.
    pub replies: Vec<alert_email::Reply>,
}

/// What a mailbox source reads its mail as.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MailRole {
    /// Mentions: each alert result, or the mail itself.
    #[default]
    Mentions,
    /// Replies to Vigia's alert mails, which act on the mentions they
    /// name.
    Replies,
}

impl Fetched {
    /// Adds one raw mail, read as `role`: its items or its reply.
    pub fn add_mail(&mut self, role: MailRole, raw: &[u8]) -> Result<(), alert_email::MailError> {
        match role {
            MailRole::Mentions => self.items.extend(alert_email::parse_mail(raw)?.items),
            MailRole::Replies => self.replies.push(alert_email::parse_reply(raw)?),
        }
        Ok(())
    }
}

/// A boxed error cause.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a fetch failed, sorted by what the driver should do.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Try again later, with backoff.
    #[error("{cause}")]
    Transient {
        /// The source's own request to wait (`Retry-After`).
        retry_after: Option<Duration>,
        /// What went wrong.
        cause: BoxError,
    },
    /// Retrying soon will not help; an operator should look (404, 410,
    /// 401). Still retried, at the longest backoff.
    #[error("{0}")]
    Permanent(BoxError),
}

impl SourceError {
    /// A transient error with no `Retry-After`.
    pub fn transient(cause: impl Into<BoxError>) -> Self {
        SourceError::Transient {
            retry_after: None,
            cause: cause.into(),
        }
    }
}

/// A place mentions come from.
#[async_trait]
pub trait Source: Send + Sync {
    /// Stable identifier, used as the key of the source's state in the store.
    fn id(&self) -> &SourceId;
    /// Kind of source, for status listings (`rss`, `imap`, `web`).
    fn kind(&self) -> &'static str;
    /// The configured location, shown in status listings.
    fn location(&self) -> &str;
    /// How often to poll when all is well.
    fn interval(&self) -> Duration;
    /// Fetches once from where `cursor` left off.
    async fn fetch(&self, cursor: &Cursor) -> Result<Fetched, SourceError>;

    /// Waits until the source may have something new, or `timeout` has
    /// passed. Sources that can be told (IMAP IDLE) return early; the
    /// default just sleeps.
    async fn wait_for_change(&self, timeout: Duration) {
        tokio::time::sleep(timeout).await;
    }

    /// Whether [`Source::wait_for_change`] can end before its timeout:
    /// such a source is run by a task of its own, the rest wait in one
    /// queue ([`crate::poll::run_sources`]).
    fn can_wake(&self) -> bool {
        false
    }
}

impl From<HttpError> for SourceError {
    fn from(error: HttpError) -> Self {
        if error.is_transient() {
            SourceError::Transient {
                retry_after: error.retry_after(),
                cause: Box::new(error),
            }
        } else {
            SourceError::Permanent(Box::new(error))
        }
    }
}

/// A local file a source reads (`file://` feeds and pages).
#[derive(Debug)]
pub struct LocalFile {
    /// Size and modification time, which play the part of an `ETag`.
    pub etag: String,
    /// The bytes, `None` when the `etag` is the one already seen.
    pub body: Option<Vec<u8>>,
}

/// Why a local file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {path}: {error}")]
pub struct FileError {
    /// The file.
    pub path: String,
    /// Why (in the message, not a `source`: an error chain would print it
    /// twice).
    pub error: std::io::Error,
}

/// Reads the file at `url` unless it is larger than `limit` or unchanged
/// since `etag`.
pub async fn read_local(
    url: &Url,
    limit: u64,
    etag: Option<&str>,
) -> Result<LocalFile, SourceError> {
    let path = url
        .to_file_path()
        .map_err(|()| SourceError::Permanent(format!("{url} is not a local file path").into()))?;
    let file_error = |error| FileError {
        path: path.display().to_string(),
        error,
    };
    let meta = tokio::fs::metadata(&path)
        .await
        .map_err(|e| SourceError::transient(file_error(e)))?;
    if meta.len() > limit {
        return Err(SourceError::Permanent(Box::new(HttpError::TooLarge {
            limit,
        })));
    }
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    let current = format!("{}-{}", meta.len(), modified.map_or(0, |d| d.as_nanos()));
    if etag == Some(current.as_str()) {
        return Ok(LocalFile {
            etag: current,
            body: None,
        });
    }
    let body = tokio::fs::read(&path)
        .await
        .map_err(|e| SourceError::transient(file_error(e)))?;
    Ok(LocalFile {
        etag: current,
        body: Some(body),
    })
}
