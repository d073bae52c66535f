//! Politeness towards the sites whose pages Vigia reads: their robots.txt
//! (RFC 9309, parsed by `robotxt`) is fetched once a day per origin and
//! obeyed, and requests to one host are spaced by the configured delay, or
//! by the site's `Crawl-delay` when that is longer (up to a minute).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderMap;
use robotxt::{AccessResult, Robots};
use tokio::time::Instant;
use url::Url;

use crate::source::http::{HttpClient, HttpError, HttpResponse, Validators};
use crate::source::SourceError;

/// How long a robots.txt is trusted before it is fetched again.
const ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);
/// The longest `Crawl-delay` honoured: a longer one would hold a poll for
/// many minutes for a handful of pages.
const MAX_CRAWL_DELAY: Duration = Duration::from_secs(60);

/// Robots rules and request spacing, shared by every web source.
#[derive(Debug)]
pub struct Politeness {
    http: Arc<HttpClient>,
    /// The product token robots.txt groups name (`vigia`).
    agent: String,
    delay: Duration,
    /// By origin: the rules and when they were fetched.
    robots: Mutex<HashMap<String, (Instant, Arc<Robots>)>>,
    /// By host: the earliest time of the next request.
    turns: Mutex<HashMap<String, Instant>>,
}

impl Politeness {
    /// Politeness over `http`, with its user agent and host delay.
    pub fn new(http: Arc<HttpClient>) -> Self {
        let settings = http.settings();
        let agent = settings
            .user_agent
            .split(['/', ' '])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Politeness {
            agent,
            delay: settings.host_delay,
            http,
            robots: Mutex::new(HashMap::new()),
            turns: Mutex::new(HashMap::new()),
        }
    }

    /// The HTTP client.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// GETs `url` when its robots.txt allows it, once the host's turn
    /// comes. A disallowed URL is a permanent error naming the rule's
    /// source; an unreachable robots.txt is a transient one, since RFC
    /// 9309 says to crawl nothing until it answers.
    pub async fn get(
        &self,
        url: &Url,
        validators: Validators<'_>,
        headers: &HeaderMap,
    ) -> Result<HttpResponse, SourceError> {
        let robots = self.robots(url).await?;
        if !robots.is_url_allowed(url) {
            let rules = url
                .join("/robots.txt")
                .map_or_else(|_| url.to_string(), String::from);
            return Err(SourceError::Permanent(
                format!(
                    "{rules} does not allow {:?} (user agent {:?}) to fetch {url}",
                    self.agent,
                    robots.user_agent()
                )
                .into(),
            ));
        }
        self.turn(url, robots.crawl_delay()).await;
        Ok(self.http.get(url, validators, headers).await?)
    }

    async fn robots(&self, url: &Url) -> Result<Arc<Robots>, SourceError> {
        let origin = url.origin().ascii_serialization();
        if let Some((at, robots)) = lock(&self.robots).get(&origin) {
            if at.elapsed() < ROBOTS_TTL {
                return Ok(robots.clone());
            }
        }
        let robots_url = url
            .join("/robots.txt")
            .map_err(|e| SourceError::Permanent(format!("{url}: {e}").into()))?;
        self.turn(&robots_url, None).await;
        let agent = self.agent.as_str();
        let none = HeaderMap::new();
        let robots = match self.http.get(&robots_url, Validators::default(), &none).await {
            Ok(response) => Robots::parse(response.body.as_deref().unwrap_or_default(), agent),
            // RFC 9309 2.3.1: a 4xx (but 429), too many redirects or a file
            // too large to read leaves the site unrestricted.
            Err(HttpError::Status { status, .. })
                if status.is_client_error() && status.as_u16() != 429 =>
            {
                Robots::from_access(AccessResult::Unavailable, agent)
            }
            Err(
                HttpError::TooManyRedirects(_)
                | HttpError::RedirectLoop(_)
                | HttpError::BadRedirect(_)
                | HttpError::TooLarge { .. },
            ) => Robots::from_access(AccessResult::Unavailable, agent),
            Err(error) => {
                return Err(SourceError::Transient {
                    retry_after: error.retry_after(),
                    cause: format!("{robots_url} is unreachable ({error}): pages on that site wait until it answers").into(),
                })
            }
        };
        let robots = Arc::new(robots);
        lock(&self.robots).insert(origin, (Instant::now(), robots.clone()));
        Ok(robots)
    }

    /// Waits for the host's turn: at least the delay after the previous
    /// request to it, whichever source made that one.
    async fn turn(&self, url: &Url, crawl_delay: Option<Duration>) {
        let delay = self
            .delay
            .max(crawl_delay.unwrap_or_default().min(MAX_CRAWL_DELAY));
        let host = url.host_str().unwrap_or_default().to_string();
        let at = {
            let mut turns = lock(&self.turns);
            let next = turns.entry(host).or_insert_with(Instant::now);
            let at = (*next).max(Instant::now());
            *next = at + delay;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
