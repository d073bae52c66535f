//! What a response says beside its body: how long to wait
//! (`Retry-After`, a used-up rate limit), how long it may be kept
//! (`Cache-Control`), and, for an error, what its body says.

use std::time::Duration;

use reqwest::header::{self, HeaderMap};

/// `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let secs = (at.timestamp() - chrono::Utc::now().timestamp()).max(0);
    Some(Duration::from_secs(secs.unsigned_abs()))
}

/// How long until a used-up rate limit resets: `X-RateLimit-Remaining`
/// (or `RateLimit-Remaining`) is 0 and `X-RateLimit-Reset` says when, as
/// seconds from now (Reddit), a Unix time (GitHub) or an ISO 8601 date
/// (Mastodon).
pub fn rate_limit_reset(headers: &HeaderMap) -> Option<Duration> {
    let value = |names: [&str; 2]| {
        names
            .iter()
            .find_map(|n| headers.get(*n)?.to_str().ok())
            .map(str::trim)
    };
    let remaining: f64 = value(["x-ratelimit-remaining", "ratelimit-remaining"])?
        .parse()
        .ok()?;
    if remaining >= 1.0 {
        return None;
    }
    let reset = value(["x-ratelimit-reset", "ratelimit-reset"])?;
    let now = chrono::Utc::now();
    let secs = match reset.parse::<f64>() {
        Ok(n) if n >= 1e9 => n - now.timestamp() as f64,
        Ok(n) => n,
        Err(_) => {
            let at = chrono::DateTime::parse_from_rfc3339(reset).ok()?;
            (at.timestamp_millis() - now.timestamp_millis()) as f64 / 1000.0
        }
    };
    Some(Duration::from_secs_f64(secs.clamp(0.0, 86_400.0).ceil()))
}

/// The first few kilobytes of an error response, read for what they say:
/// a JSON `message`, `error_description`, `description` or `error` (as
/// text or an object holding a message), or an HTML page's `<title>`.
pub(super) async fn error_detail(response: &mut reqwest::Response) -> Option<String> {
    let mut body = Vec::new();
    while body.len() < 4096 {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    describe_body(&body)
}

/// What an error body says, in one short line (see [`error_detail`]).
pub fn describe_body(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let said = if let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) {
        json_message(&json)?
    } else if let Some(start) = text.to_ascii_lowercase().find("<title>") {
        let rest = &text[start + 7..];
        rest[..rest.find('<').unwrap_or(rest.len())].to_string()
    } else if !text.trim_start().starts_with('<') {
        text.lines().next().unwrap_or_default().to_string()
    } else {
        return None;
    };
    let line: String = crate::text::normalize::html_to_text(&said)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect();
    (!line.is_empty()).then_some(line)
}

fn json_message(json: &serde_json::Value) -> Option<String> {
    for key in [
        "message",
        "error_description",
        "description",
        "error",
        "errors",
    ] {
        match json.get(key) {
            Some(serde_json::Value::String(s)) => return Some(s.clone()),
            Some(inner @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => {
                let inner = inner.get(0).unwrap_or(inner);
                if let Some(said) = json_message(inner) {
                    return Some(said);
                }
            }
            _ => {}
        }
    }
    None
}

/// `Cache-Control: max-age`, ignored when `Expires: 0` (as Miniflux does,
/// since some servers send both and mean "do not cache").
pub(super) fn max_age(headers: &HeaderMap) -> Option<Duration> {
    if headers
        .get(header::EXPIRES)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "0")
    {
        return None;
    }
    let cache_control = headers.get(header::CACHE_CONTROL)?.to_str().ok()?;
    cache_control.split(',').find_map(|directive| {
        let (name, value) = directive.trim().split_once('=')?;
        name.eq_ignore_ascii_case("max-age")
            .then(|| value.trim().parse::<u64>().ok().map(Duration::from_secs))?
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn reads_cache_headers() {
        type Case = (&'static [(&'static str, &'static str)], Option<u64>);
        let cases: [Case; 5] = [
            (&[("cache-control", "public, max-age=600")], Some(600)),
            (&[("cache-control", "max-age=600"), ("expires", "0")], None),
            (&[("cache-control", "no-cache")], None),
            (&[("cache-control", "max-age=abc")], None),
            (&[], None),
        ];
        for (pairs, want) in cases {
            assert_eq!(
                max_age(&headers(pairs)),
                want.map(Duration::from_secs),
                "{pairs:?}"
            );
        }
    }

    #[test]
    fn reads_retry_after() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "120")])),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            retry_after(&headers(&[(
                "retry-after",
                "Wed, 21 Oct 2015 07:28:00 GMT"
            )])),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
    }

    #[test]
    fn reads_rate_limits_and_error_bodies() {
        let used = |reset: &'static str| {
            rate_limit_reset(&headers(&[
                ("x-ratelimit-remaining", "0.0"),
                ("x-ratelimit-reset", reset),
            ]))
        };
        assert_eq!(used("42"), Some(Duration::from_secs(42)));
        assert_eq!(used("2001-01-01T00:00:00Z"), Some(Duration::ZERO));
        let later = (chrono::Utc::now().timestamp() + 600).to_string();
        let wait = rate_limit_reset(&{
            let mut h = headers(&[("x-ratelimit-remaining", "0")]);
            h.insert("x-ratelimit-reset", HeaderValue::from_str(&later).unwrap());
            h
        });
        assert!(
            wait.is_some_and(|w| (598..=600).contains(&w.as_secs())),
            "{wait:?}"
        );
        assert_eq!(
            rate_limit_reset(&headers(&[
                ("x-ratelimit-remaining", "57"),
                ("x-ratelimit-reset", "42")
            ])),
            None
        );
        let said = |body: &str| describe_body(body.as_bytes());
        assert_eq!(
            said(r#"{"error":{"code":403,"message":"The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>."}}"#).as_deref(),
            Some("The request cannot be completed because you have exceeded your quota.")
        );
        assert_eq!(
            said(r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#)
                .as_deref(),
            Some("Bad Request: chat not found")
        );
        assert_eq!(
            said("<html><head><title>Too Many Requests</title></head></html>").as_deref(),
            Some("Too Many Requests")
        );
        assert_eq!(said("invalid_token").as_deref(), Some("invalid_token"));
        assert_eq!(said("<html><body>x</body></html>"), None);
    }
}
