//! Validation of `[http]`: the shared client's settings.

use super::check::Checker;
use super::raw::RawHttp;
use crate::source::http::HttpSettings;

pub(super) fn http(check: &mut Checker<'_>, raw: &RawHttp) -> HttpSettings {
    let default = HttpSettings::default();
    let max_body_bytes = check.size(
        raw.max_body_size.as_ref(),
        "http.max_body_size",
        default.max_body_bytes,
    );
    let host_delay = match &raw.host_delay {
        None => default.host_delay,
        Some(v) => humantime::parse_duration(v.get_ref()).unwrap_or_else(|_| {
            let msg = format!(
                "{:?} is not a duration (expected e.g. \"2s\", \"500ms\", \"0s\")",
                v.get_ref()
            );
            check.push(Some(v.span()), "http.host_delay", msg);
            default.host_delay
        }),
    };
    HttpSettings {
        user_agent: raw
            .user_agent
            .as_ref()
            .map_or(default.user_agent, |u| u.get_ref().clone()),
        connect_timeout: check.duration(
            raw.connect_timeout.as_ref(),
            "http.connect_timeout",
            default.connect_timeout,
        ),
        read_timeout: check.duration(
            raw.read_timeout.as_ref(),
            "http.read_timeout",
            default.read_timeout,
        ),
        request_timeout: check.duration(
            raw.request_timeout.as_ref(),
            "http.request_timeout",
            default.request_timeout,
        ),
        max_body_bytes,
        max_concurrency: check.count(
            raw.max_concurrency.as_ref(),
            "http.max_concurrency",
            default.max_concurrency,
        ),
        per_host_concurrency: check.count(
            raw.per_host_concurrency.as_ref(),
            "http.per_host_concurrency",
            default.per_host_concurrency,
        ),
        max_redirects: check.count(
            raw.max_redirects.as_ref(),
            "http.max_redirects",
            default.max_redirects,
        ),
        host_delay,
    }
}
