//! The shared HTTP client: one connection pool, conditional GET, manual
//! redirects, a body-size cap and concurrency limits (overall and per host).
//!
//! Redirects are followed here rather than by reqwest so that a chain made
//! only of permanent redirects (301/308) can move the feed's stored URL, and
//! a loop is reported as a loop.

mod answer;

pub use answer::{describe_body, rate_limit_reset, retry_after};
use answer::{error_detail, max_age};

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::StatusCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

/// HTTP settings from the config.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpSettings {
    /// `User-Agent` header.
    pub user_agent: String,
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Longest silence while reading a response.
    pub read_timeout: Duration,
    /// Longest time for a whole request, body included.
    pub request_timeout: Duration,
    /// Largest body accepted, in bytes.
    pub max_body_bytes: u64,
    /// Requests in flight overall.
    pub max_concurrency: usize,
    /// Requests in flight to any one host.
    pub per_host_concurrency: usize,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Least time between two requests to one host, for web pages.
    pub host_delay: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            user_agent: format!(
                "Vigia/{} (brand-mention monitor)",
                env!("CARGO_PKG_VERSION")
            ),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            max_body_bytes: 10 * 1024 * 1024,
            max_concurrency: 32,
            per_host_concurrency: 2,
            max_redirects: 10,
            host_delay: Duration::from_secs(2),
        }
    }
}

/// A client shared by every HTTP source. Build once.
#[derive(Debug)]
pub struct HttpClient {
    client: reqwest::Client,
    settings: HttpSettings,
    overall: Arc<Semaphore>,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// Validators for a conditional GET.
#[derive(Debug, Default, Clone, Copy)]
pub struct Validators<'a> {
    /// Sent as `If-None-Match`.
    pub etag: Option<&'a str>,
    /// Sent as `If-Modified-Since`.
    pub last_modified: Option<&'a str>,
}

/// A response the caller should act on.
#[derive(Debug)]
pub struct HttpResponse {
    /// `None` when the resource has not changed since the validators.
    pub body: Option<Vec<u8>>,
    /// `ETag` of this response.
    pub etag: Option<String>,
    /// `Last-Modified` of this response.
    pub last_modified: Option<String>,
    /// URL the body came from, after redirects.
    pub final_url: Url,
    /// Set when every redirect on the way was permanent: the new address.
    pub moved_to: Option<Url>,
    /// `Cache-Control: max-age`, unless `Expires: 0` says not to cache.
    pub max_age: Option<Duration>,
    /// `Content-Type`, for the charset of a page.
    pub content_type: Option<String>,
    /// When the server says the client's requests are used up until a
    /// reset (`X-RateLimit-Remaining: 0`), how long until then.
    pub rate_limit_reset: Option<Duration>,
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The server answered with an error status.
    #[error("HTTP {status}{}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Status {
        /// The status.
        status: StatusCode,
        /// Parsed `Retry-After`.
        retry_after: Option<Duration>,
        /// What the error body says, when it says it briefly (an API's
        /// `message`, a page's `<title>`).
        detail: Option<String>,
    },
    /// No answer in time; which limit ran out.
    #[error("timed out: {0}")]
    Timeout(String),
    /// Could not connect.
    #[error("connection failed: {0}")]
    Connect(String),
    /// The body was larger than allowed.
    #[error("response body larger than {limit} bytes")]
    TooLarge {
        /// The cap.
        limit: u64,
    },
    /// A redirect went back to a URL already visited.
    #[error("redirect loop at {0}")]
    RedirectLoop(Url),
    /// Too many redirects.
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    /// A redirect without a usable `Location`.
    #[error("bad redirect: {0}")]
    BadRedirect(String),
    /// Anything else reqwest reports.
    #[error("request failed: {0}")]
    Other(String),
}

impl HttpError {
    /// Whether retrying later may help.
    pub fn is_transient(&self) -> bool {
        match self {
            HttpError::Status { status, .. } => {
                status.is_server_error() || matches!(status.as_u16(), 408 | 425 | 429)
            }
            HttpError::Timeout(_) | HttpError::Connect(_) | HttpError::Other(_) => true,
            HttpError::TooLarge { .. }
            | HttpError::RedirectLoop(_)
            | HttpError::TooManyRedirects(_)
            | HttpError::BadRedirect(_) => false,
        }
    }

    /// The server's `Retry-After`, if it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            HttpError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

impl From<reqwest::Error> for HttpError {
    fn from(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            HttpError::Timeout(error_chain(&e))
        } else if e.is_connect() {
            HttpError::Connect(error_chain(&e))
        } else {
            HttpError::Other(error_chain(&e))
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

impl HttpClient {
    /// Builds the client.
    pub fn new(settings: HttpSettings) -> Result<Self, HttpError> {
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .connect_timeout(settings.connect_timeout)
            .read_timeout(settings.read_timeout)
            .timeout(settings.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .build()?;
        Ok(HttpClient {
            client,
            overall: Arc::new(Semaphore::new(settings.max_concurrency.max(1))),
            hosts: Mutex::new(HashMap::new()),
            settings,
        })
    }

    /// The settings the client was built with.
    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    /// A conditional GET of `url`, following redirects, reading at most
    /// the configured number of bytes. Waits for a free slot first.
    pub async fn get(
        &self,
        url: &Url,
        validators: Validators<'_>,
        extra: &HeaderMap,
    ) -> Result<HttpResponse, HttpError> {
        let _permits = self.permits(url).await;
        let mut current = url.clone();
        let mut visited = HashSet::from([current.clone()]);
        let mut all_permanent = true;
        let none = HeaderMap::new();
        for _ in 0..=self.settings.max_redirects {
            // The feed's own headers (credentials, often) go to its own
            // origin only, as browsers and reqwest do on redirects.
            let headers = if current.origin() == url.origin() {
                extra
            } else {
                &none
            };
            let started = Instant::now();
            let response = self
                .send(&current, validators, headers)
                .await
                .map_err(|e| self.attribute(e, started))?;
            let status = response.status();
            if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
                let moved_to = (current != *url && all_permanent).then(|| current.clone());
                return self.finish(response, current, moved_to, started).await;
            }
            all_permanent &= matches!(status.as_u16(), 301 | 308);
            let next = redirect_target(&current, response.headers())?;
            if !visited.insert(next.clone()) {
                return Err(HttpError::RedirectLoop(next));
            }
            current = next;
        }
        Err(HttpError::TooManyRedirects(self.settings.max_redirects))
    }

    async fn permits(&self, url: &Url) -> Vec<OwnedSemaphorePermit> {
        let host = url.host_str().unwrap_or_default().to_string();
        let per_host = {
            let mut hosts = self
                .hosts
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            hosts
                .entry(host)
                .or_insert_with(|| {
                    Arc::new(Semaphore::new(self.settings.per_host_concurrency.max(1)))
                })
                .clone()
        };
        // Host first, so a busy host does not hold overall slots while it waits.
        let mut permits = Vec::with_capacity(2);
        if let Ok(p) = per_host.acquire_owned().await {
            permits.push(p);
        }
        if let Ok(p) = self.overall.clone().acquire_owned().await {
            permits.push(p);
        }
        permits
    }

    async fn send(
        &self,
        url: &Url,
        validators: Validators<'_>,
        extra: &HeaderMap,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let mut request = self.client.get(url.clone()).headers(extra.clone());
        if !extra.contains_key(header::ACCEPT) {
            request = request.header(header::ACCEPT, "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8");
        }
        if let Some(etag) = validators.etag.and_then(|v| HeaderValue::from_str(v).ok()) {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = validators
            .last_modified
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            request = request.header(header::IF_MODIFIED_SINCE, lm);
        }
        request.send().await
    }

    /// reqwest's error, with a timeout named by the limit that ran out:
    /// the connect timeout, the whole request's, or the wait for data.
    fn attribute(&self, e: reqwest::Error, started: Instant) -> HttpError {
        if !e.is_timeout() {
            return e.into();
        }
        let s = &self.settings;
        let (what, limit) = if e.is_connect() {
            (
                "connecting took longer than [http] connect_timeout",
                s.connect_timeout,
            )
        } else if started.elapsed() + Duration::from_millis(100) >= s.request_timeout {
            (
                "the request took longer than [http] request_timeout",
                s.request_timeout,
            )
        } else {
            (
                "the server sent nothing for [http] read_timeout",
                s.read_timeout,
            )
        };
        HttpError::Timeout(format!("{what} ({})", humantime::format_duration(limit)))
    }

    async fn finish(
        &self,
        mut response: reqwest::Response,
        final_url: Url,
        moved_to: Option<Url>,
        started: Instant,
    ) -> Result<HttpResponse, HttpError> {
        let status = response.status();
        let headers = response.headers().clone();
        if !status.is_success() && status != StatusCode::NOT_MODIFIED {
            return Err(HttpError::Status {
                status,
                retry_after: retry_after(&headers).or_else(|| rate_limit_reset(&headers)),
                detail: error_detail(&mut response).await,
            });
        }
        let text = |name| {
            headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let body = if status == StatusCode::NOT_MODIFIED {
            None
        } else {
            let limit = self.settings.max_body_bytes;
            if response.content_length().is_some_and(|len| len > limit) {
                return Err(HttpError::TooLarge { limit });
            }
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| self.attribute(e, started))?
            {
                if body.len() as u64 + chunk.len() as u64 > limit {
                    return Err(HttpError::TooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            Some(body)
        };
        Ok(HttpResponse {
            body,
            etag: text(header::ETAG),
            last_modified: text(header::LAST_MODIFIED),
            final_url,
            moved_to,
            max_age: max_age(&headers),
            content_type: text(header::CONTENT_TYPE),
            rate_limit_reset: rate_limit_reset(&headers),
        })
    }
}

fn redirect_target(current: &Url, headers: &HeaderMap) -> Result<Url, HttpError> {
    let location = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| HttpError::BadRedirect("no Location header".into()))?;
    let next = current
        .join(location)
        .map_err(|e| HttpError::BadRedirect(format!("{location:?}: {e}")))?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(HttpError::BadRedirect(format!(
            "{location:?}: not an http(s) URL"
        )));
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_errors() {
        let status = |s: u16| HttpError::Status {
            status: StatusCode::from_u16(s).unwrap_or(StatusCode::IM_A_TEAPOT),
            retry_after: None,
            detail: None,
        };
        assert!(status(500).is_transient());
        assert!(status(429).is_transient());
        assert!(!status(404).is_transient());
        assert!(!status(410).is_transient());
        assert!(!HttpError::TooLarge { limit: 1 }.is_transient());
        assert!(HttpError::Timeout(String::new()).is_transient());
    }
}
