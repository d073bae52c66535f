//! Any JSON API as a source: a URL (or several: one request each), its
//! headers and token, field paths for the items and their title, link,
//! text, date, author and reach, and how to ask for the next page.
//!
//! A poll reads the first page of each URL and goes on to the next while
//! every item on the page is newer than the newest one read before (the
//! cursor's position), up to `max_pages`: the first poll reads the pages
//! there are, later ones only until they reach what they already read.
//! The search providers ([`super::search`]) are instances of it.

pub mod path;
mod token;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use serde_json::Value;
use url::Url;

use super::dates::DateFormat;
use super::http::{describe_body, HttpClient, Validators};
use super::{Cursor, Fetched, RawItem, Reach, ReachKind, Source, SourceError};
use crate::name::SourceId;
pub use path::{Field, Path, PathError};
pub use token::{Token, TokenPlace};

/// What an item's fields are read from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields {
    /// Its id within the source.
    pub id: Option<Field>,
    /// Its title.
    pub title: Option<Field>,
    /// Its link (relative links resolve against the response's URL).
    pub link: Option<Field>,
    /// Its text (HTML is read as HTML).
    pub text: Option<Field>,
    /// When it was published.
    pub date: Option<Field>,
    /// Who wrote it.
    pub author: Option<Field>,
    /// Where it is from (a subreddit, a publication).
    pub origin: Option<Field>,
    /// How far it reached, and what that counts.
    pub reach: Option<(Field, ReachKind)>,
}

/// How to ask for the next page.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Paging {
    /// One page per poll.
    #[default]
    None,
    /// A value in the response: the next page's URL, or, with `param`, a
    /// cursor sent back as that query parameter.
    Cursor {
        /// Where the response says it.
        path: Path,
        /// The query parameter that takes it.
        param: Option<String>,
    },
    /// A value of the page's last item, sent as `param`: Mastodon's
    /// `max_id`, the `before` of many APIs.
    Last {
        /// Where the last item has it.
        path: Path,
        /// The query parameter that takes it.
        param: String,
    },
    /// A page number in `param`, the first page being `start`.
    Number {
        /// The query parameter.
        param: String,
        /// The first page's number.
        start: u64,
    },
    /// How many items to skip, in `param`.
    Offset {
        /// The query parameter.
        param: String,
    },
}

/// A JSON source as configured.
#[derive(Debug, Clone)]
pub struct JsonSpec {
    /// Stable id.
    pub id: SourceId,
    /// What status listings call it (`json`, or a provider's name).
    pub kind: &'static str,
    /// The first page of each request.
    pub urls: Vec<Url>,
    /// Poll interval.
    pub interval: Duration,
    /// Extra request headers.
    pub headers: HeaderMap,
    /// The secret, when the API wants one.
    pub token: Option<Token>,
    /// Where the items are.
    pub items: Path,
    /// What each item's fields are read from.
    pub fields: Fields,
    /// How its dates are written, when they are strings.
    pub dates: DateFormat,
    /// The next page.
    pub paging: Paging,
    /// Pages read per request and poll, the first included.
    pub max_pages: usize,
}

/// The default number of pages read per poll.
pub const DEFAULT_MAX_PAGES: usize = 3;

/// Why a response could not be read.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// The body is not JSON (an error page, a login wall).
    #[error("not JSON: {0}")]
    NotJson(String),
    /// The items' path is not in the response.
    #[error("the response has no {path:?}{}", said.as_deref().map(|s| format!(" (it says: {s})")).unwrap_or_default())]
    NoItems {
        /// The items' path as configured.
        path: String,
        /// What the response says instead, when it says something.
        said: Option<String>,
    },
    /// The token could not be read.
    #[error("cannot read the token: {0}")]
    Token(String),
}

/// A JSON source.
#[derive(Debug)]
pub struct JsonSource {
    spec: JsonSpec,
    http: Arc<HttpClient>,
}

impl JsonSource {
    /// The source `spec` describes, fetched through `http`.
    pub fn new(spec: JsonSpec, http: Arc<HttpClient>) -> Self {
        JsonSource { spec, http }
    }

    /// Reads the pages of one request into `fetched`.
    async fn read_request(
        &self,
        start: &Url,
        (headers, secret): (&HeaderMap, Option<&(String, String)>),
        since: Option<i64>,
        fetched: &mut Fetched,
    ) -> Result<Paged, SourceError> {
        let now = Utc::now();
        let mut url = start.clone();
        let mut skipped = 0u64;
        let mut used_up = false;
        for page in 0..self.spec.max_pages.max(1) {
            let mut sent = url.clone();
            if let Some((param, value)) = secret {
                sent.query_pairs_mut().append_pair(param, value);
            }
            let read = match self.get(&sent, (headers, secret)).await {
                Ok(read) => read,
                // A later page failing keeps what the earlier ones read.
                Err(e) if page > 0 => {
                    let limited = waited(&e);
                    fetched
                        .warnings
                        .push(format!("page {} of {start}: {e}", page + 1));
                    fetched.not_before = fetched.not_before.max(limited);
                    return Ok(Paged {
                        cut: true,
                        limited: limited.is_some(),
                    });
                }
                Err(e) => return Err(e),
            };
            fetched.not_before = fetched.not_before.max(read.rate_limit_reset);
            let (items, next) = self
                .spec
                .read_page(&read.doc, &read.url, now)
                .map_err(SourceError::transient)?;
            let count = items.len() as u64;
            let all_new = items.iter().all(|item| match (since, item.published) {
                (None, _) => true,
                (Some(since), Some(at)) => at.timestamp() > since,
                (Some(_), None) => false,
            });
            fetched.items.extend(items);
            used_up = read.rate_limit_reset.is_some();
            if count == 0 || !all_new {
                break;
            }
            if used_up {
                // Requests used up before reaching what was read before.
                return Ok(Paged {
                    cut: true,
                    limited: true,
                });
            }
            skipped += count;
            let next = match (&self.spec.paging, next) {
                (Paging::None, _) | (Paging::Cursor { .. } | Paging::Last { .. }, None) => break,
                (Paging::Cursor { param: None, .. }, Some(link)) => match read.url.join(&link) {
                    Ok(next) => next,
                    Err(_) => break,
                },
                (Paging::Cursor { param: Some(p), .. }, Some(value))
                | (Paging::Last { param: p, .. }, Some(value)) => with_param(start, p, &value),
                (
                    Paging::Number {
                        param,
                        start: first,
                    },
                    _,
                ) => with_param(start, param, &(first + page as u64 + 1).to_string()),
                (Paging::Offset { param }, _) => with_param(start, param, &skipped.to_string()),
            };
            if next == url {
                break;
            }
            url = next;
        }
        Ok(Paged {
            cut: false,
            limited: used_up,
        })
    }

    async fn get(
        &self,
        url: &Url,
        (headers, secret): (&HeaderMap, Option<&(String, String)>),
    ) -> Result<Read, SourceError> {
        let response = match self.http.get(url, Validators::default(), headers).await {
            Ok(response) => response,
            // What failed may say the URL, and the URL the token.
            Err(e) => return Err(token::redacted(SourceError::from(e), secret)),
        };
        let body = response.body.unwrap_or_default();
        // The token (a query parameter) stays out of what is kept.
        let shown = match secret {
            Some((param, _)) => without_param(&response.final_url, param),
            None => response.final_url,
        };
        let doc = serde_json::from_slice(&body).map_err(|_| {
            let what = describe_body(&body)
                .map(|said| format!("the server sent {said:?}"))
                .unwrap_or_else(|| "the server sent an HTML page or text".into());
            SourceError::transient(JsonError::NotJson(what))
        })?;
        Ok(Read {
            doc,
            url: shown,
            rate_limit_reset: response.rate_limit_reset,
        })
    }
}

impl JsonSpec {
    /// The items of one page (`doc`, from `base`, read at `now`), and what
    /// it says of the next page.
    pub fn read_page(
        &self,
        doc: &Value,
        base: &Url,
        now: DateTime<Utc>,
    ) -> Result<(Vec<RawItem>, Option<String>), JsonError> {
        let found = self.items.select(doc);
        if found.is_empty() {
            let said = match doc {
                Value::Object(_) => describe_body(doc.to_string().as_bytes()),
                _ => None,
            };
            return Err(JsonError::NoItems {
                path: self.items.to_string(),
                said,
            });
        }
        let values: Vec<&Value> = match found.as_slice() {
            [Value::Array(list)] => list.iter().collect(),
            _ => found,
        };
        let items = values
            .iter()
            .filter(|v| v.is_object())
            .map(|v| item(self, v, base, now))
            .collect();
        let text = |v: &Value| match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        let next = match &self.paging {
            Paging::Cursor { path, .. } => path.first(doc).and_then(text),
            Paging::Last { path, .. } => values
                .last()
                .and_then(|last| path.first(last))
                .and_then(text),
            _ => None,
        };
        Ok((items, next))
    }
}

/// How one request's pages went.
struct Paged {
    /// It stopped before reaching what was read before (a page failed,
    /// the requests ran out): the position must not move past it.
    cut: bool,
    /// The provider asked to wait: no more requests this poll.
    limited: bool,
}

/// How long a failure asks to wait, when it does.
fn waited(e: &SourceError) -> Option<Duration> {
    match e {
        SourceError::Transient { retry_after, .. } => *retry_after,
        SourceError::Permanent(_) => None,
    }
}

/// One page as read.
struct Read {
    doc: Value,
    url: Url,
    rate_limit_reset: Option<Duration>,
}

/// `url` with `param` set to `value`.
fn with_param(url: &Url, param: &str, value: &str) -> Url {
    let mut next = without_param(url, param);
    next.query_pairs_mut().append_pair(param, value);
    next
}

/// `url` without `param` in its query.
fn without_param(url: &Url, param: &str) -> Url {
    let mut out = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != param)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    out.query_pairs_mut().clear().extend_pairs(kept);
    out
}

/// An item's fields, as `spec` reads them.
fn item(spec: &JsonSpec, value: &Value, base: &Url, now: DateTime<Utc>) -> RawItem {
    let text = |f: &Option<Field>| f.as_ref().and_then(|f| f.text(value));
    let fields = &spec.fields;
    let published = fields.date.as_ref().and_then(|f| {
        let v = f.value(value)?;
        super::dates::from_json(v, &spec.dates, now)
    });
    RawItem {
        guid: text(&fields.id),
        url: text(&fields.link).and_then(|l| base.join(l.trim()).ok().map(String::from)),
        title: text(&fields.title),
        content: text(&fields.text),
        published,
        origin: text(&fields.origin),
        author: text(&fields.author),
        reach: fields.reach.as_ref().and_then(|(f, kind)| {
            Some(Reach {
                count: f.count(value)?,
                kind: *kind,
            })
        }),
        ..RawItem::default()
    }
}

#[async_trait]
impl Source for JsonSource {
    fn id(&self) -> &SourceId {
        &self.spec.id
    }

    fn kind(&self) -> &'static str {
        self.spec.kind
    }

    fn location(&self) -> &str {
        self.spec.urls.first().map_or("", Url::as_str)
    }

    fn interval(&self) -> Duration {
        self.spec.interval
    }

    async fn fetch(&self, cursor: &Cursor) -> Result<Fetched, SourceError> {
        let since = cursor.position.as_deref().and_then(|p| p.parse().ok());
        let (headers, secret) = token::credentials(&self.spec.headers, self.spec.token.as_ref())?;
        let mut fetched = Fetched::default();
        // One request failing (one of a search's alternatives) keeps the
        // others' items; the poll fails only when every request did.
        let (mut failure, mut read_one, mut cut) = (None, false, false);
        for url in &self.spec.urls {
            let paged = self
                .read_request(url, (&headers, secret.as_ref()), since, &mut fetched)
                .await;
            let limited = match paged {
                Ok(paged) => {
                    read_one = true;
                    cut |= paged.cut;
                    paged.limited
                }
                Err(e) => {
                    cut = true;
                    let limited = waited(&e);
                    fetched.not_before = fetched.not_before.max(limited);
                    let limited = limited.is_some();
                    fetched.warnings.push(format!("{url}: {e}"));
                    failure.get_or_insert(e);
                    limited
                }
            };
            if limited {
                break;
            }
        }
        match failure {
            Some(e) if !read_one => return Err(e),
            _ => {}
        }
        // Cut short, the next poll reads again from where this one began
        // (what it repeats, the store knows).
        let newest = fetched
            .items
            .iter()
            .filter_map(|i| i.published)
            .map(|p| p.timestamp().min(Utc::now().timestamp()))
            .filter(|_| !cut)
            .chain(since)
            .max();
        fetched.cursor = Cursor {
            position: newest.map(|n| n.to_string()),
            ..Cursor::default()
        };
        Ok(fetched)
    }
}
