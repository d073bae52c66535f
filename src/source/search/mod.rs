//! Search sources by name: `[[search]] provider = "reddit"` with the
//! brand's own queries (or one of its own) becomes the feed or JSON
//! request that provider answers, its query written in the provider's
//! syntax ([`syntax`]).
//!
//! Each provider is an instance of the feed source or of the JSON source
//! ([`super::json`]), so paging, `Retry-After`, rate-limit headers, error
//! pages and relative dates are handled once, there.

pub mod providers;
pub mod syntax;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use url::Url;

use super::json::JsonSpec;
use super::rss::FeedSource;
use super::{Cursor, Fetched, RawItem, Source, SourceError};
use crate::name::SourceId;
use crate::query::Query;
use crate::secret::PasswordSource;
pub use providers::Provider;

/// A search as configured.
#[derive(Debug, Clone)]
pub struct SearchSpec {
    /// Stable id.
    pub id: SourceId,
    /// Who answers it.
    pub provider: Provider,
    /// What to look for, in Vigia's query language.
    pub query: Query,
    /// The provider's options.
    pub options: SearchOptions,
    /// Poll interval.
    pub interval: Duration,
    /// Pages read per request and poll.
    pub max_pages: usize,
}

/// What a provider may be told besides the query.
#[derive(Debug, Clone, Default)]
pub struct SearchOptions {
    /// Language of results (`pt-BR`, `en`): Google and Bing News.
    pub language: Option<String>,
    /// Country of results (`BR`): Google and Bing News.
    pub country: Option<String>,
    /// Only this subreddit: Reddit.
    pub subreddit: Option<String>,
    /// This hashtag's timeline, without a token: Mastodon.
    pub hashtag: Option<String>,
    /// This channel's feed: YouTube.
    pub channel: Option<String>,
    /// This playlist's feed: YouTube.
    pub playlist: Option<String>,
    /// Where the provider answers, instead of its public address: a
    /// Mastodon instance, a Bluesky AppView, a proxy.
    pub endpoint: Option<Url>,
    /// The token or API key, when the provider wants one.
    pub token: Option<PasswordSource>,
}

/// What a search reads: a feed, or a JSON API.
#[derive(Debug, Clone)]
pub enum Plan {
    /// A feed at this URL.
    Feed(Url),
    /// JSON requests.
    Json(Box<JsonSpec>),
}

/// Why a search cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SearchError {
    /// The query needs more searches than allowed.
    #[error(transparent)]
    TooMany(#[from] syntax::TooManySearches),
    /// A key the provider needs is missing.
    #[error("{0}")]
    Needs(String),
    /// The provider's address, with the endpoint given, is not usable.
    #[error("cannot make the provider's address: {0}")]
    Endpoint(String),
}

impl SearchSpec {
    /// What this search reads.
    pub fn plan(&self) -> Result<Search, SearchError> {
        Ok(Search {
            id: self.id.clone(),
            provider: self.provider,
            interval: self.interval,
            plan: providers::plan(self)?,
        })
    }
}

/// A search made: what it reads.
#[derive(Debug, Clone)]
pub struct Search {
    /// Stable id.
    pub id: SourceId,
    /// Who answers it.
    pub provider: Provider,
    /// Poll interval.
    pub interval: Duration,
    /// What it reads.
    pub plan: Plan,
}

/// Queries as one query that matches what any of them matches.
pub fn any_of<'a>(queries: impl Iterator<Item = &'a String>) -> String {
    queries
        .map(|q| format!("({q})"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

impl Search {
    /// Where it reads first (without its token).
    pub fn location(&self) -> &str {
        self.urls().first().map_or("", |u| u.as_str())
    }

    /// Every request's first page (without its token).
    pub fn urls(&self) -> Vec<&Url> {
        match &self.plan {
            Plan::Feed(url) => vec![url],
            Plan::Json(spec) => spec.urls.iter().collect(),
        }
    }

    /// The running source.
    pub fn build(&self, http: &Arc<super::http::HttpClient>) -> Arc<dyn Source> {
        match &self.plan {
            Plan::Feed(url) => Arc::new(SearchFeed {
                kind: self.provider.name(),
                tidy: self.provider.tidy(),
                feed: FeedSource::new(
                    self.id.clone(),
                    url.clone(),
                    self.interval,
                    Default::default(),
                    http.clone(),
                ),
            }),
            Plan::Json(spec) => {
                Arc::new(super::json::JsonSource::new((**spec).clone(), http.clone()))
            }
        }
    }
}

/// A provider's feed, its items tidied as the provider writes them.
struct SearchFeed {
    kind: &'static str,
    tidy: fn(&mut RawItem),
    feed: FeedSource,
}

#[async_trait]
impl Source for SearchFeed {
    fn id(&self) -> &SourceId {
        self.feed.id()
    }

    fn kind(&self) -> &'static str {
        self.kind
    }

    fn location(&self) -> &str {
        self.feed.location()
    }

    fn interval(&self) -> Duration {
        self.feed.interval()
    }

    async fn fetch(&self, cursor: &Cursor) -> Result<Fetched, SourceError> {
        let mut fetched = self.feed.fetch(cursor).await?;
        fetched.items.iter_mut().for_each(self.tidy);
        Ok(fetched)
    }
}
