//! RSS 0.9x/1.0/2.0, Atom and JSON Feed, over HTTP(S) or from a file.
//!
//! Conditional GET follows Miniflux's `IsModified`: a 304 means unchanged,
//! and so does a 200 whose `ETag` (or, without one, `Last-Modified`) equals
//! the stored one, since some servers ignore the conditional headers.

use crate::name::SourceId;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::HeaderMap;
use url::Url;

use super::http::{HttpClient, HttpResponse, Validators};
use super::{Cursor, Fetched, RawItem, Source, SourceError};

/// A feed.
#[derive(Debug)]
pub struct FeedSource {
    id: SourceId,
    url: Url,
    interval: Duration,
    headers: HeaderMap,
    http: Arc<HttpClient>,
}

/// Why a feed could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The body is not a feed (the parser's message is in this one, not a
    /// `source`, so that an error chain says it once).
    #[error("not a valid feed: {0}")]
    Parse(feed_rs::parser::ParseFeedError),
    /// The body is something else, and says what.
    #[error("not a feed: {0}")]
    NotFeed(String),
}

impl FeedSource {
    /// A feed polled at `url` every `interval`, sending `headers` with each
    /// request.
    pub fn new(
        id: SourceId,
        url: Url,
        interval: Duration,
        headers: HeaderMap,
        http: Arc<HttpClient>,
    ) -> Self {
        FeedSource {
            id,
            url,
            interval,
            headers,
            http,
        }
    }

    async fn fetch_http(&self, url: &Url, cursor: &Cursor) -> Result<Fetched, SourceError> {
        let validators = Validators {
            etag: cursor.etag.as_deref(),
            last_modified: cursor.last_modified.as_deref(),
        };
        let response = self
            .http
            .get(url, validators, &self.headers)
            .await
            .map_err(SourceError::from)?;
        let location = match &response.moved_to {
            Some(moved) => Some(moved.to_string()),
            None => cursor.location.clone(),
        };
        let mut fetched = Fetched {
            not_before: response.max_age.max(response.rate_limit_reset),
            ..Fetched::default()
        };
        let modified = is_modified(cursor, &response);
        fetched.cursor = Cursor {
            location,
            etag: response
                .etag
                .clone()
                .or_else(|| cursor.etag.clone().filter(|_| !modified)),
            last_modified: response
                .last_modified
                .clone()
                .or_else(|| cursor.last_modified.clone().filter(|_| !modified)),
            position: None,
        };
        if let (true, Some(body)) = (modified, &response.body) {
            let served = (response.content_type.as_deref(), &response.final_url);
            let read = parse(body, served).map_err(SourceError::transient)?;
            fetched.items = read.items;
            fetched.not_before = fetched.not_before.max(read.ttl);
            fetched.warnings = read.repairs;
        }
        Ok(fetched)
    }

    async fn fetch_file(&self, cursor: &Cursor) -> Result<Fetched, SourceError> {
        let limit = self.http.settings().max_body_bytes;
        let file = super::read_local(&self.url, limit, cursor.etag.as_deref()).await?;
        let mut fetched = Fetched {
            cursor: Cursor {
                etag: Some(file.etag),
                ..Cursor::default()
            },
            ..Fetched::default()
        };
        let Some(body) = file.body else {
            return Ok(fetched);
        };
        let read = parse(&body, (None, &self.url)).map_err(SourceError::transient)?;
        fetched.items = read.items;
        fetched.not_before = read.ttl;
        fetched.warnings = read.repairs;
        Ok(fetched)
    }
}

#[async_trait]
impl Source for FeedSource {
    fn id(&self) -> &SourceId {
        &self.id
    }

    fn kind(&self) -> &'static str {
        "rss"
    }

    fn location(&self) -> &str {
        self.url.as_str()
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    async fn fetch(&self, cursor: &Cursor) -> Result<Fetched, SourceError> {
        if self.url.scheme() == "file" {
            return self.fetch_file(cursor).await;
        }
        let url = match cursor.location.as_deref().map(Url::parse) {
            Some(Ok(moved)) => moved,
            _ => self.url.clone(),
        };
        self.fetch_http(&url, cursor).await
    }
}

/// Whether a response carries new content (Miniflux `IsModified`).
pub(super) fn is_modified(stored: &Cursor, response: &HttpResponse) -> bool {
    if response.body.is_none() {
        return false;
    }
    match (&response.etag, &stored.etag) {
        (Some(new), Some(old)) => return new != old,
        (Some(_), None) => return true,
        _ => {}
    }
    match (&response.last_modified, &stored.last_modified) {
        (Some(new), Some(old)) => new != old,
        _ => true,
    }
}

/// What a feed document holds.
#[derive(Debug)]
pub(super) struct Read {
    /// Its items.
    pub items: Vec<RawItem>,
    /// Its `<ttl>`.
    pub ttl: Option<Duration>,
    /// What had to be repaired to read it ([`super::feed_text`]).
    pub repairs: Vec<String>,
}

/// A feed document served as `content_type` from `base`, repaired where a
/// strict parser would refuse it.
pub(super) fn parse(
    body: &[u8],
    (content_type, base): (Option<&str>, &Url),
) -> Result<Read, FeedError> {
    let prepared = super::feed_text::prepare(body, content_type);
    if let Some(what) = super::feed_text::not_a_feed(&prepared.text) {
        return Err(FeedError::NotFeed(what));
    }
    // feed-rs makes up an id for an entry without one, at random when the
    // entry has no link or title either; an empty id lets the pipeline key
    // the item by its URL or text, which stay the same from poll to poll.
    let parsed = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        .id_generator(|_, _, _| String::new())
        .build()
        .parse(prepared.text.as_bytes());
    let feed = match parsed {
        Ok(feed) => feed,
        // Not well-formed (an unescaped `&`, a tag left open, a document
        // cut short): the items it holds are read as tag soup, and the
        // feed is ok with a warning; with none, it fails with the reason.
        Err(error) => {
            let items = super::tag_soup::items(&prepared.text, base);
            if items.is_empty() {
                return Err(FeedError::Parse(error));
            }
            let mut repairs = prepared.repairs;
            repairs.push(format!(
                "not well-formed XML ({error}): {} item(s) read from it as tag soup",
                items.len()
            ));
            return Ok(Read {
                items,
                ttl: None,
                repairs,
            });
        }
    };
    let ttl = feed
        .ttl
        .map(|minutes| Duration::from_secs(u64::from(minutes) * 60));
    let items = feed.entries.into_iter().map(raw_item).collect();
    Ok(Read {
        items,
        ttl,
        repairs: prepared.repairs,
    })
}

fn raw_item(entry: feed_rs::model::Entry) -> RawItem {
    let link = entry
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(entry.links.first())
        .map(|l| l.href.clone());
    // Media RSS (YouTube's feeds): the description and the view count.
    let media = entry.media.first();
    let description = media
        .and_then(|m| m.description.as_ref())
        .map(|d| d.content.clone());
    let views = media
        .and_then(|m| m.community.as_ref())
        .and_then(|c| c.stats_views);
    RawItem {
        guid: Some(entry.id).filter(|id| !id.is_empty()),
        url: link,
        title: entry.title.map(|t| t.content),
        summary: entry.summary.map(|t| t.content).or(description),
        content: entry.content.and_then(|c| c.body),
        published: entry.published.or(entry.updated),
        origin: entry.source.filter(|s| !s.trim().is_empty()),
        author: entry
            .authors
            .first()
            .map(|a| a.name.clone())
            .filter(|n| !n.trim().is_empty()),
        reach: views.map(|count| super::Reach {
            count,
            kind: super::ReachKind::Views,
        }),
        query: None,
        excerpt: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(etag: Option<&str>, last_modified: Option<&str>, body: bool) -> HttpResponse {
        HttpResponse {
            body: body.then(Vec::new),
            etag: etag.map(str::to_string),
            last_modified: last_modified.map(str::to_string),
            final_url: Url::parse("http://x/").unwrap(),
            moved_to: None,
            max_age: None,
            content_type: None,
            rate_limit_reset: None,
        }
    }

    #[test]
    fn decides_whether_modified() {
        let cursor = |e: Option<&str>, l: Option<&str>| Cursor {
            etag: e.map(str::to_string),
            last_modified: l.map(str::to_string),
            location: None,
            position: None,
        };
        let cases = [
            (
                "304",
                cursor(Some("a"), None),
                response(Some("a"), None, false),
                false,
            ),
            (
                "same etag",
                cursor(Some("a"), None),
                response(Some("a"), None, true),
                false,
            ),
            (
                "new etag",
                cursor(Some("a"), None),
                response(Some("b"), None, true),
                true,
            ),
            (
                "etag beats last-modified",
                cursor(Some("a"), Some("x")),
                response(Some("b"), Some("x"), true),
                true,
            ),
            (
                "first etag",
                cursor(None, None),
                response(Some("a"), None, true),
                true,
            ),
            (
                "same last-modified",
                cursor(None, Some("x")),
                response(None, Some("x"), true),
                false,
            ),
            (
                "new last-modified",
                cursor(None, Some("x")),
                response(None, Some("y"), true),
                true,
            ),
            (
                "no validators",
                cursor(None, None),
                response(None, None, true),
                true,
            ),
        ];
        for (name, stored, resp, want) in cases {
            assert_eq!(is_modified(&stored, &resp), want, "{name}");
        }
    }

    #[test]
    fn parses_rss_atom_and_rdf_with_relative_links() {
        let base = Url::parse("https://example.com/blog/feed").unwrap();
        for file in [
            "tech-news.rss2.xml",
            "reclamacoes.atom.xml",
            "press.rss1.xml",
        ] {
            let path = format!("{}/config/feeds/{file}", env!("CARGO_MANIFEST_DIR"));
            let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let items = parse(&body, (None, &base))
                .unwrap_or_else(|e| panic!("{file}: {e}"))
                .items;
            assert!(items.len() >= 3, "{file}: {} items", items.len());
            assert!(
                items
                    .iter()
                    .all(|i| i.url.as_deref().is_some_and(|u| u.starts_with("http"))),
                "{file}"
            );
        }
    }

    #[test]
    fn entries_without_ids_get_no_made_up_guid() {
        let base = Url::parse("https://example.com/").unwrap();
        let body = b"<rss version=\"2.0\"><channel><item><description>Lumora is late</description></item></channel></rss>";
        let first = parse(body, (None, &base)).unwrap().items;
        assert_eq!(first[0].guid, None);
        let again = parse(body, (None, &base)).unwrap().items;
        assert_eq!(
            crate::pipeline::normalize(&first[0]).item_key,
            crate::pipeline::normalize(&again[0]).item_key
        );
    }

    #[test]
    fn rejects_what_is_not_a_feed() {
        let base = Url::parse("https://example.com/").unwrap();
        assert!(parse(b"<html><body>hi</body></html>", (None, &base)).is_err());
        // Broken XML with nothing to read in it fails, with the reason.
        let error = parse(b"<rss><channel><item></item", (None, &base)).unwrap_err();
        assert!(error.to_string().starts_with("not a valid feed"), "{error}");
        // With an item in it, the item is read, and the repair said.
        let read = parse(b"<rss><channel><item><title>Lumora & co", (None, &base)).unwrap();
        assert_eq!(read.items[0].title.as_deref(), Some("Lumora & co"));
        assert!(
            read.repairs.iter().any(|r| r.contains("tag soup")),
            "{:?}",
            read.repairs
        );
    }
}
