//! Web pages that have no feed: list pages read with CSS selectors (a
//! forum's thread list, a review site, a news page), and whole pages
//! watched for new paragraphs. Fetched politely ([`Politeness`]): robots.txt,
//! a least delay per host, and the shared HTTP client with its timeouts,
//! size cap, conditional GET and the driver's backoff.
//!
//! A selector that matches nothing does not fail the poll: it comes back as
//! a warning, logged and shown by `vigia feeds status`, since the usual
//! cause is a page that changed its layout.

pub mod extract;
mod polite;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{self, HeaderMap, HeaderValue};
use scraper::Selector;
use url::Url;
use xxhash_rust::xxh3::xxh3_64;

pub use polite::Politeness;

use super::dates::DateFormat;
use super::http::{HttpResponse, Validators};
use super::{Cursor, Fetched, RawItem, Source, SourceError};
use crate::name::SourceId;
use crate::text::escape::escape;
use extract::{ListPage, WholePage};

/// Pages followed through `next` links when the config does not say.
pub const DEFAULT_MAX_PAGES: usize = 5;

/// A CSS selector as written, with the attribute to read when the value
/// is not the element's text: `time@datetime`, `a.more@href`.
#[derive(Debug, Clone)]
pub struct Selection {
    /// As written.
    pub text: String,
    selector: Selector,
    /// Attribute to read instead of the text.
    pub attr: Option<String>,
}

/// Why a selector does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// Nothing to select with.
    #[error("is empty: give a CSS selector such as \"article h2\"")]
    Empty,
    /// Not CSS (the parser's message, as text: its error borrows the input).
    #[error("{text:?} is not a CSS selector: {why}")]
    Invalid {
        /// What was given.
        text: String,
        /// What the CSS parser said.
        why: String,
    },
}

impl Selection {
    /// Parses `selector` or `selector@attribute`.
    pub fn parse(text: &str) -> Result<Selection, SelectionError> {
        let text = text.trim();
        let (css, attr) = match text.rsplit_once('@') {
            Some((css, attr)) if is_attribute_name(attr.trim()) => {
                (css.trim(), Some(attr.trim().to_ascii_lowercase()))
            }
            _ => (text, None),
        };
        if css.is_empty() {
            return Err(SelectionError::Empty);
        }
        let selector = Selector::parse(css).map_err(|e| SelectionError::Invalid {
            text: text.to_string(),
            why: e.to_string(),
        })?;
        Ok(Selection {
            text: text.to_string(),
            selector,
            attr,
        })
    }

    /// The compiled selector.
    pub fn selector(&self) -> &Selector {
        &self.selector
    }
}

fn is_attribute_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'))
}

/// How to read the items of a list page.
#[derive(Debug, Clone)]
pub struct ListRules {
    /// Each item.
    pub item: Selection,
    /// Within an item: its title.
    pub title: Option<Selection>,
    /// Its link (`href`, unless an attribute is named); by default the
    /// title's link, else the item's first.
    pub link: Option<Selection>,
    /// Its text; by default the item's whole text.
    pub text: Option<Selection>,
    /// Its date (a `datetime` attribute when there is one).
    pub date: Option<Selection>,
    /// How dates are written.
    pub dates: DateFormat,
    /// The link to the next page.
    pub next: Option<Selection>,
    /// Pages read per poll, the first included.
    pub max_pages: usize,
}

/// How to read a page.
#[derive(Debug, Clone)]
pub enum Reading {
    /// Items picked by selectors.
    List(Box<ListRules>),
    /// The page's text (or the part `select` picks), watched for new
    /// paragraphs.
    Whole {
        /// The part of the page to watch; the whole body by default.
        select: Option<Selection>,
    },
}

/// A configured web page.
#[derive(Debug, Clone)]
pub struct PageSpec {
    /// Stable id: its name.
    pub id: SourceId,
    /// The page (`http`, `https` or `file`).
    pub url: Url,
    /// Poll interval.
    pub interval: Duration,
    /// Extra request headers (may hold credentials: never logged).
    pub headers: HeaderMap,
    /// How to read it.
    pub reading: Reading,
    /// Parts of the page to leave out (ads, counters, navigation).
    pub exclude: Vec<Selection>,
}

/// A web page source.
#[derive(Debug)]
pub struct WebSource {
    spec: Arc<PageSpec>,
    headers: HeaderMap,
    polite: Arc<Politeness>,
}

impl WebSource {
    /// A source reading `spec`, fetching through `polite`.
    pub fn new(spec: PageSpec, polite: Arc<Politeness>) -> Self {
        let mut headers = spec.headers.clone();
        headers
            .entry(header::ACCEPT)
            .or_insert(HeaderValue::from_static(
                "text/html, application/xhtml+xml;q=0.9, */*;q=0.8",
            ));
        WebSource {
            spec: Arc::new(spec),
            headers,
            polite,
        }
    }

    /// Fetches `url` (over HTTP or from a file). `None` when unchanged
    /// since `cursor`; otherwise the page and the cursor to keep.
    async fn get(&self, url: &Url, cursor: &Cursor) -> Result<Got, SourceError> {
        if url.scheme() == "file" {
            let limit = self.polite.http().settings().max_body_bytes;
            let file = super::read_local(url, limit, cursor.etag.as_deref()).await?;
            return Ok(Got {
                body: file.body,
                content_type: None,
                final_url: url.clone(),
                cursor: Cursor {
                    etag: Some(file.etag),
                    ..Cursor::default()
                },
                max_age: None,
            });
        }
        let validators = Validators {
            etag: cursor.etag.as_deref(),
            last_modified: cursor.last_modified.as_deref(),
        };
        let response = self.polite.get(url, validators, &self.headers).await?;
        let modified = super::rss::is_modified(cursor, &response);
        let keep = |new: &Option<String>, old: &Option<String>| {
            new.clone().or_else(|| old.clone().filter(|_| !modified))
        };
        let HttpResponse {
            body,
            etag,
            last_modified,
            final_url,
            moved_to,
            max_age,
            content_type,
            ..
        } = response;
        Ok(Got {
            cursor: Cursor {
                location: moved_to
                    .map(|m| m.to_string())
                    .or_else(|| cursor.location.clone()),
                etag: keep(&etag, &cursor.etag),
                last_modified: keep(&last_modified, &cursor.last_modified),
                position: None,
            },
            body: body.filter(|_| modified),
            content_type: check_html(content_type)?,
            final_url,
            max_age,
        })
    }

    async fn read_list(&self, first: Got, rules: &ListRules) -> Result<Fetched, SourceError> {
        let mut fetched = Fetched {
            cursor: first.cursor.clone(),
            not_before: first.max_age,
            ..Fetched::default()
        };
        let mut visited = HashSet::from([first.final_url.clone()]);
        let mut page = Some(first);
        let mut number = 1;
        while let Some(got) = page.take() {
            let Some(body) = got.body else { break };
            let (spec, base) = (self.spec.clone(), got.final_url.clone());
            let content_type = got.content_type;
            let ListPage {
                items,
                next,
                warnings,
            } = blocking(move || {
                let Reading::List(rules) = &spec.reading else {
                    return ListPage::default();
                };
                let html = extract::decode(&body, content_type.as_deref());
                extract::list(&html, &base, rules, &spec.exclude)
            })
            .await?;
            fetched
                .items
                .extend(items.into_iter().map(|item| item.into_raw(&got.final_url)));
            fetched
                .warnings
                .extend(warnings.into_iter().map(|w| page_note(number, &w)));
            let Some(next) = next.filter(|n| number < rules.max_pages && visited.insert(n.clone()))
            else {
                break;
            };
            number += 1;
            match self.get(&next, &Cursor::default()).await {
                Ok(got) => page = Some(got),
                // The first pages' items are worth keeping; the rest waits
                // for the next poll.
                Err(error) => fetched
                    .warnings
                    .push(format!("page {number} ({next}) failed: {error}")),
            }
        }
        Ok(fetched)
    }

    async fn read_whole(&self, got: Got, cursor: &Cursor) -> Result<Fetched, SourceError> {
        let mut fetched = Fetched {
            cursor: got.cursor,
            not_before: got.max_age,
            ..Fetched::default()
        };
        let Some(body) = got.body else {
            fetched.cursor.position = cursor.position.clone();
            return Ok(fetched);
        };
        let (spec, content_type) = (self.spec.clone(), got.content_type);
        let WholePage {
            paragraphs,
            title,
            warnings,
        } = blocking(move || {
            let Reading::Whole { select } = &spec.reading else {
                return WholePage::default();
            };
            let html = extract::decode(&body, content_type.as_deref());
            extract::whole(&html, select.as_ref(), &spec.exclude)
        })
        .await?;
        let seen: HashSet<&str> = cursor
            .position
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        let hashes: Vec<String> = paragraphs
            .iter()
            .map(|p| format!("{:016x}", xxh3_64(p.as_bytes())))
            .collect();
        let page = got.final_url.as_str();
        fetched.items = paragraphs
            .iter()
            .zip(&hashes)
            .filter(|(_, hash)| !seen.contains(hash.as_str()))
            .map(|(paragraph, hash)| RawItem {
                guid: Some(format!("{page}#{hash}")),
                url: Some(page.to_string()),
                content: Some(escape(paragraph)),
                origin: title.clone(),
                excerpt: true,
                ..RawItem::default()
            })
            .collect();
        fetched.cursor.position = Some(hashes.join(" "));
        fetched.warnings = warnings;
        Ok(fetched)
    }
}

/// A page as fetched.
#[derive(Debug)]
struct Got {
    /// `None` when unchanged.
    body: Option<Vec<u8>>,
    content_type: Option<String>,
    final_url: Url,
    cursor: Cursor,
    max_age: Option<Duration>,
}

/// The content type, unless it says the body is not a page (a PDF, an
/// image): those would read as noise.
fn check_html(content_type: Option<String>) -> Result<Option<String>, SourceError> {
    let Some(ct) = content_type else {
        return Ok(None);
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if mime.starts_with("text/") || mime.contains("html") || mime.contains("xml") {
        Ok(Some(ct))
    } else {
        Err(SourceError::Permanent(
            format!("not a web page: the server sent {mime}").into(),
        ))
    }
}

fn page_note(number: usize, warning: &str) -> String {
    if number == 1 {
        warning.to_string()
    } else {
        format!("page {number}: {warning}")
    }
}

/// Parsing a large page takes milliseconds: off the async executor.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, SourceError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| SourceError::transient(format!("page parser stopped: {e}")))
}

#[async_trait]
impl Source for WebSource {
    fn id(&self) -> &SourceId {
        &self.spec.id
    }

    fn kind(&self) -> &'static str {
        "web"
    }

    fn location(&self) -> &str {
        self.spec.url.as_str()
    }

    fn interval(&self) -> Duration {
        self.spec.interval
    }

    async fn fetch(&self, cursor: &Cursor) -> Result<Fetched, SourceError> {
        let url = match cursor.location.as_deref().map(Url::parse) {
            Some(Ok(moved)) => moved,
            _ => self.spec.url.clone(),
        };
        let got = self.get(&url, cursor).await?;
        match &self.spec.reading {
            Reading::List(rules) => self.read_list(got, rules).await,
            Reading::Whole { .. } => self.read_whole(got, cursor).await,
        }
    }
}

#[cfg(test)]
mod tests;
