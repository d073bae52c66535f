//! The checker every config section reports its problems to (by key, file
//! and position), and the value readers sections share: durations, time
//! zones, counts, request headers, source names and URLs, TLS modes and
//! password sources.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use super::error::SourceFile;
use super::raw::Text;
use super::ConfigError;
use crate::limits::{Limit, Limits};
use crate::name::SourceId;
use crate::secret::PasswordSource;
use crate::tls::TlsMode;

/// The shortest poll interval a source may ask for.
const MIN_INTERVAL: Duration = Duration::from_secs(10);

pub(super) struct Checker<'a> {
    pub(super) file: &'a SourceFile,
    pub(super) errors: Vec<ConfigError>,
}

impl Checker<'_> {
    pub(super) fn push(
        &mut self,
        span: Option<Range<usize>>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.errors.push(self.file.error(span, key, message));
    }

    pub(super) fn duration(
        &mut self,
        value: Option<&Text>,
        key: &str,
        default: Duration,
    ) -> Duration {
        let Some(value) = value else { return default };
        match humantime::parse_duration(value.get_ref()) {
            Ok(d) if d >= MIN_INTERVAL || key.ends_with("timeout") && d > Duration::ZERO => d,
            Ok(_) => {
                self.push(
                    Some(value.span()),
                    key,
                    format!("{:?} is too short (at least 10s)", value.get_ref()),
                );
                default
            }
            Err(_) => {
                let msg = format!(
                    "{:?} is not a duration (expected e.g. \"15m\", \"30s\", \"1h\")",
                    value.get_ref()
                );
                self.push(Some(value.span()), key, msg);
                default
            }
        }
    }

    /// A size such as "10MiB" (see [`parse_size`]), or `default` when
    /// absent or wrong (and then reported).
    pub(super) fn size(&mut self, value: Option<&Text>, key: &str, default: u64) -> u64 {
        let Some(value) = value else { return default };
        parse_size(value.get_ref()).unwrap_or_else(|| {
            let msg = format!(
                "{:?} is not a size (expected e.g. \"10MiB\", \"512KiB\", \"2000000\")",
                value.get_ref()
            );
            self.push(Some(value.span()), key, msg);
            default
        })
    }

    pub(super) fn timezone(
        &mut self,
        value: Option<&Text>,
        key: &str,
        default: chrono_tz::Tz,
    ) -> chrono_tz::Tz {
        let Some(value) = value else { return default };
        value.get_ref().parse().unwrap_or_else(|_| {
            let msg = format!(
                "{:?} is not an IANA time zone (e.g. \"Europe/Lisbon\")",
                value.get_ref()
            );
            self.push(Some(value.span()), key, msg);
            default
        })
    }

    pub(super) fn count(
        &mut self,
        value: Option<&toml::Spanned<i64>>,
        key: &str,
        default: usize,
    ) -> usize {
        match value {
            None => default,
            Some(v) if (1..=10_000).contains(v.get_ref()) => *v.get_ref() as usize,
            Some(v) => {
                self.push(
                    Some(v.span()),
                    key,
                    format!("{} is out of range (expected 1 to 10000)", v.get_ref()),
                );
                default
            }
        }
    }
}

/// `[limits]`: each bound within its range, the default where not given.
pub(super) fn limits(check: &mut Checker<'_>, raw: &super::raw::RawLimits) -> Limits {
    let d = Limits::default();
    let fields = [
        (&raw.title_chars, Limit::TitleChars, (40, 100_000)),
        (&raw.quote_chars, Limit::QuoteChars, (40, 10_000)),
        (&raw.url_bytes, Limit::UrlBytes, (256, 65_536)),
        (&raw.html_depth, Limit::HtmlDepth, (16, 4_096)),
        (&raw.html_elements, Limit::HtmlElements, (1_000, 10_000_000)),
        (&raw.items_per_poll, Limit::ItemsPerPoll, (10, 1_000_000)),
        (&raw.alert_items, Limit::AlertItems, (1, 1_000)),
        (&raw.alert_bytes, Limit::AlertBytes, (65_536, 100 << 20)),
    ];
    let mut values = Limit::ALL.map(|l| d.of(l));
    for (value, limit, (low, high)) in fields {
        let Some(v) = value else { continue };
        let key = format!("limits.{}", limit.key());
        match usize::try_from(*v.get_ref()) {
            Ok(n) if (low..=high).contains(&n) => values[limit as usize] = n,
            _ => check.push(
                Some(v.span()),
                &key,
                format!("{} is out of range (expected {low} to {high})", v.get_ref()),
            ),
        }
    }
    let [title_chars, quote_chars, url_bytes, html_depth, html_elements, items_per_poll, alert_items, alert_bytes] =
        values;
    Limits {
        title_chars,
        quote_chars,
        url_bytes,
        html_depth,
        html_elements,
        items_per_poll,
        alert_items,
        alert_bytes,
    }
}

pub(super) fn headers(
    check: &mut Checker<'_>,
    key: &str,
    raw: &std::collections::BTreeMap<String, Text>,
) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in raw {
        let header_key = format!("{key}.headers.{name}");
        let Ok(header_name) = HeaderName::from_bytes(name.as_bytes()) else {
            check.push(
                Some(value.span()),
                header_key,
                format!("{name:?} is not a valid header name"),
            );
            continue;
        };
        // Values may be credentials: say what is wrong, never echo them.
        match HeaderValue::from_str(value.get_ref()) {
            Ok(mut v) => {
                v.set_sensitive(true);
                map.insert(header_name, v);
            }
            Err(_) => check.push(
                Some(value.span()),
                header_key,
                "value has characters not allowed in a header",
            ),
        }
    }
    map
}

/// Source ids already taken, with where (file, key).
pub(super) type Seen = HashMap<SourceId, (PathBuf, String)>;

/// A mail source's name: not empty, and not taken by another source.
pub(super) fn source_name(
    check: &mut Checker<'_>,
    key: &str,
    name: &Text,
    seen: &mut Seen,
) -> SourceId {
    let id = SourceId::from(name.get_ref().trim());
    if id.is_empty() {
        check.push(Some(name.span()), format!("{key}.name"), "is empty");
    } else if let Some((_, first)) =
        seen.insert(id.clone(), (check.file.path.clone(), key.to_string()))
    {
        check.push(
            Some(name.span()),
            format!("{key}.name"),
            format!("{:?} is already the name of {first}", id.as_str()),
        );
    }
    id
}

/// A `tls` key (IMAP or SMTP): "implicit" (the default), "starttls", or
/// "plain", which sends the password in clear and is allowed only to this
/// machine.
pub(super) fn tls(check: &mut Checker<'_>, key: &str, value: Option<&Text>, host: &str) -> TlsMode {
    let Some(value) = value else {
        return TlsMode::Implicit;
    };
    match value.get_ref().as_str() {
        "implicit" => TlsMode::Implicit,
        "starttls" => TlsMode::StartTls,
        "plain" if matches!(host, "localhost" | "127.0.0.1" | "::1") => TlsMode::Plain,
        "plain" => {
            let msg = format!("\"plain\" sends the password in clear and is allowed only for localhost, not {host:?}");
            check.push(Some(value.span()), format!("{key}.tls"), msg);
            TlsMode::Plain
        }
        other => {
            let msg = format!(
                "{other:?} is not a TLS mode (expected \"implicit\", \"starttls\" or \"plain\")"
            );
            check.push(Some(value.span()), format!("{key}.tls"), msg);
            TlsMode::Implicit
        }
    }
}

/// `[storage] url`, when set: a `postgres://` URL without a password
/// (that comes from `password_env` or `password_file`), instead of `path`.
pub(super) fn storage_url(
    check: &mut Checker<'_>,
    raw: &super::raw::RawStorage,
    dir: &std::path::Path,
) -> Option<super::StorageUrl> {
    let password = password(
        check,
        "storage",
        (&raw.password_env, &raw.password_file),
        dir,
    );
    let Some(url) = &raw.url else {
        let given = [&raw.password_env, &raw.password_file, &raw.ca_file];
        if let Some(key) = given.into_iter().flatten().next() {
            check.push(
                Some(key.span()),
                "storage",
                "password_env, password_file and ca_file are for a PostgreSQL url; set url too",
            );
        }
        return None;
    };
    if let Some(path) = &raw.path {
        check.push(
            Some(path.span()),
            "storage.path",
            "set path (SQLite) or url (PostgreSQL), not both",
        );
    }
    match url::Url::parse(url.get_ref()) {
        Ok(parsed) if matches!(parsed.scheme(), "postgres" | "postgresql") => {
            if parsed.password().is_some() || parsed.query_pairs().any(|(k, _)| k == "password") {
                check.push(
                    Some(url.span()),
                    "storage.url",
                    "has a password; passwords are not written in the config (use password_env or password_file)",
                );
            }
        }
        Ok(_) => check.push(Some(url.span()), "storage.url", "is not a postgres:// URL"),
        Err(e) => check.push(
            Some(url.span()),
            "storage.url",
            format!("is not a URL: {e}"),
        ),
    }
    Some(super::StorageUrl {
        url: url.get_ref().clone(),
        password,
        ca_file: raw.ca_file.as_ref().map(|f| dir.join(f.get_ref())),
    })
}

/// `password_env` or `password_file` (relative to the config), never
/// both; None when neither is given.
pub(super) fn password(
    check: &mut Checker<'_>,
    key: &str,
    given: (&Option<Text>, &Option<Text>),
    dir: &std::path::Path,
) -> Option<PasswordSource> {
    secret(check, (key, "password"), given, dir)
}

/// A secret from `NAME_env` or `NAME_file` (relative to the config),
/// never both; None when neither is given.
pub(super) fn secret(
    check: &mut Checker<'_>,
    (key, name): (&str, &str),
    (env, file): (&Option<Text>, &Option<Text>),
    dir: &std::path::Path,
) -> Option<PasswordSource> {
    match (env, file) {
        (Some(var), None) if !var.get_ref().is_empty() => {
            Some(PasswordSource::Env(var.get_ref().clone()))
        }
        (None, Some(file)) if !file.get_ref().is_empty() => {
            Some(PasswordSource::File(dir.join(file.get_ref())))
        }
        (Some(_), Some(file)) => {
            check.push(
                Some(file.span()),
                key.to_string(),
                format!("set {name}_env or {name}_file, not both"),
            );
            Some(PasswordSource::File(dir.join(file.get_ref())))
        }
        _ => None,
    }
}

/// Sizes such as `10MiB`, `512 KiB`, `5MB` or plain bytes.
fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "kib" | "k" => 1 << 10,
        "mb" => 1_000_000,
        "mib" | "m" => 1 << 20,
        "gb" => 1_000_000_000,
        "gib" | "g" => 1 << 30,
        _ => return None,
    };
    number.checked_mul(factor).filter(|&n| n > 0)
}

/// Why a source URL cannot be used; shown after the URL as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum UrlError {
    /// `file:` followed by a path the platform cannot turn into a URL.
    #[error("is not a usable file path")]
    FilePath,
    /// Not a URL at all.
    #[error("is not a valid URL ({0})")]
    Invalid(#[from] url::ParseError),
    /// A scheme Vigia does not read.
    #[error("has scheme {0:?} (expected http, https or file)")]
    Scheme(String),
}

/// A source URL: absolute `http(s)` or `file` URLs, or `file:rel/path`
/// relative to the config file's directory.
pub(super) fn resolve_url(text: &str, dir: &Path) -> Result<Url, UrlError> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("file:").filter(|r| !r.starts_with('/')) {
        return Url::from_file_path(dir.join(rest)).map_err(|()| UrlError::FilePath);
    }
    let url = Url::parse(text)?;
    match url.scheme() {
        // The URL standard gives http(s) URLs a host or fails to parse.
        "http" | "https" | "file" => Ok(url),
        other => Err(UrlError::Scheme(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10MiB"), Some(10 << 20));
        assert_eq!(parse_size("512 KiB"), Some(512 << 10));
        assert_eq!(parse_size("5MB"), Some(5_000_000));
        assert_eq!(parse_size("2000"), Some(2000));
        assert_eq!(parse_size("0"), None);
        assert_eq!(parse_size("ten"), None);
        assert_eq!(parse_size("5 parsecs"), None);
    }

    #[test]
    fn urls() {
        let dir = std::path::Path::new("/etc/vigia");
        assert_eq!(
            resolve_url("file:feeds/a.xml", dir).map(String::from),
            Ok("file:///etc/vigia/feeds/a.xml".into())
        );
        assert_eq!(
            resolve_url("file:///x/a.xml", dir).map(String::from),
            Ok("file:///x/a.xml".into())
        );
        assert!(resolve_url("https://example.com/feed", dir).is_ok());
        assert_eq!(
            resolve_url("ftp://example.com/feed", dir),
            Err(UrlError::Scheme("ftp".into()))
        );
        assert!(matches!(
            resolve_url("example.com/feed", dir),
            Err(UrlError::Invalid(_))
        ));
        assert!(matches!(
            resolve_url("https://", dir),
            Err(UrlError::Invalid(url::ParseError::EmptyHost))
        ));
        assert!(resolve_url("htp:/x", dir).is_err());
    }
}
