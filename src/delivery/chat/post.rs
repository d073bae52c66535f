//! Posting chat messages: claim one due, POST it, record what the
//! receiver said.

use std::time::Duration;

use reqwest::StatusCode;
use ring::hmac;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};
use url::Url;

use super::{Channel, Channels, Target};
use crate::backoff::Backoff;
use crate::source::http::{describe_body, retry_after};
use crate::store::{self, outbox, Store, StoreError};

/// Posts chat messages.
#[derive(Debug, Clone)]
pub struct Poster {
    client: reqwest::Client,
}

/// What a receiver made of a message.
enum Outcome {
    /// It took it (2xx).
    Taken,
    /// Try again later (5xx, 429, no answer), after `retry_after` when it
    /// said.
    Later(String, Option<Duration>),
    /// It refused it for good.
    Never(String),
}

impl Poster {
    /// A poster whose requests end after `timeout`.
    pub fn new(timeout: Duration) -> Result<Poster, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(format!("Vigia/{}", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Poster { client })
    }

    /// Posts outbox message `id` to `channel`.
    async fn post(&self, channel: &Channel, id: i64, payload: Vec<u8>) -> Outcome {
        let secret = |s: &crate::secret::PasswordSource, what: &str| {
            s.read()
                .map_err(|e| Outcome::Later(format!("cannot read the {what}: {e}"), None))
        };
        let url = |text: String, what: &str| {
            Url::parse(text.trim()).map_err(|_| Outcome::Never(format!("the {what} is not a URL")))
        };
        let request = match &channel.target {
            Target::Slack { url: source } | Target::Teams { url: source } => {
                let target = match secret(source, "webhook URL").and_then(|t| url(t, "webhook URL"))
                {
                    Ok(u) => u,
                    Err(outcome) => return outcome,
                };
                self.client.post(target)
            }
            Target::Telegram { token, api, .. } => {
                let token = match secret(token, "bot token") {
                    Ok(t) => t,
                    Err(outcome) => return outcome,
                };
                match api.join(&format!("./bot{}/sendMessage", token.trim())) {
                    Ok(u) => self.client.post(u),
                    Err(_) => return Outcome::Never("the bot token makes no URL".into()),
                }
            }
            Target::Webhook {
                url: target,
                secret: key,
            } => {
                let at = store::now().to_string();
                let mut request = self
                    .client
                    .post(target.clone())
                    .header("x-vigia-delivery", id.to_string())
                    .header("x-vigia-timestamp", &at);
                if let Some(key) = key {
                    let key = match secret(key, "signing secret") {
                        Ok(k) => k,
                        Err(outcome) => return outcome,
                    };
                    request = request.header(
                        "x-vigia-signature",
                        signature(key.as_bytes(), &at, &payload),
                    );
                }
                request
            }
        };
        let response = request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(payload)
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            // The URL may hold a secret (a webhook's, a bot token): never said.
            Err(e) => return Outcome::Later(e.without_url().to_string(), None),
        };
        let status = response.status();
        let wait = retry_after(response.headers());
        let body = response.bytes().await.unwrap_or_default();
        let said = describe_body(&body)
            .map(|d| format!("HTTP {status}: {d}"))
            .unwrap_or_else(|| format!("HTTP {status}"));
        if status.is_success() {
            Outcome::Taken
        } else if status == StatusCode::TOO_MANY_REQUESTS {
            // Telegram says how long in its JSON.
            let told = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["parameters"]["retry_after"].as_u64())
                .map(Duration::from_secs);
            Outcome::Later(said, wait.or(told))
        } else if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
            Outcome::Later(said, wait)
        } else {
            Outcome::Never(said)
        }
    }
}

/// `sha256=` and the hex HMAC-SHA256, under `key`, of `TIMESTAMP.BODY`.
pub fn signature(key: &[u8], timestamp: &str, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut context = hmac::Context::with_key(&key);
    context.update(timestamp.as_bytes());
    context.update(b".");
    context.update(body);
    let tag = context.sign();
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// Posts every chat message due, one at a time, until none is or `stop`
/// is cancelled; returns (taken, failed attempts).
pub async fn send_due(
    store: &Store,
    (poster, channels): (&Poster, &Channels),
    backoff: &Backoff,
    owner: &str,
    stop: &CancellationToken,
) -> Result<(usize, usize), StoreError> {
    let (mut sent, mut failed) = (0, 0);
    while !stop.is_cancelled() {
        let owner = owner.to_string();
        let Some(due) = store
            .call(move |c| outbox::claim_chat(c, &owner, store::now(), 120))
            .await?
        else {
            break;
        };
        let id = due.id;
        let name = due.to.first().cloned().unwrap_or_default();
        let outcome = match channels.named(&name) {
            Some(channel) => poster.post(channel, id, due.message).await,
            None => Outcome::Never(format!("no chat channel {name:?} in the config any more")),
        };
        let (message, retry) = match outcome {
            Outcome::Taken => {
                sent += 1;
                info!(outbox_id = id, channel = %name, "Chat message taken by the receiver.");
                store
                    .call(move |c| outbox::mark_sent(c, id, store::now()))
                    .await?;
                continue;
            }
            Outcome::Later(message, wait) => {
                let delay = backoff.delay(due.attempts + 1, wait, false);
                (message, Some(store::now() + delay.as_secs() as i64))
            }
            Outcome::Never(message) => (message, None),
        };
        failed += 1;
        warn!(outbox_id = id, channel = %name, attempt = due.attempts + 1, error = %message,
            retry_in_secs = retry.map(|r| r - store::now()), "Chat message not taken.");
        store
            .call(move |c| outbox::mark_failed(c, id, &message, retry, store::now()))
            .await?;
    }
    Ok((sent, failed))
}
