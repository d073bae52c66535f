//! A JSON source's token: read from the environment or a file at each
//! poll, sent as `Authorization: Bearer`, a header of its own or a query
//! parameter, and blotted out of whatever a failure says.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::JsonError;
use crate::secret::PasswordSource;
use crate::source::{BoxError, SourceError};

/// Where a token goes.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenPlace {
    /// `Authorization: Bearer TOKEN`.
    Bearer,
    /// A header of its own (`X-Api-Key: TOKEN`).
    Header(String),
    /// A query parameter (`key=TOKEN`), never shown in listings.
    Query(String),
}

/// A secret sent with each request.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// Where it is read from.
    pub source: PasswordSource,
    /// Where it goes.
    pub place: TokenPlace,
}

/// The headers of each request, with the token where it goes, and the
/// query parameter that carries it instead.
pub(super) fn credentials(
    headers: &HeaderMap,
    token: Option<&Token>,
) -> Result<(HeaderMap, Option<(String, String)>), SourceError> {
    let mut headers = headers.clone();
    let Some(token) = token else {
        return Ok((headers, None));
    };
    let secret = token
        .source
        .read()
        .map_err(|e| SourceError::Permanent(Box::new(JsonError::Token(e.to_string()))))?;
    let header = |name: &str, value: String| -> Result<_, SourceError> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|e| SourceError::Permanent(Box::new(e)))?;
        let mut value = HeaderValue::from_str(&value).map_err(|_| {
            SourceError::Permanent(Box::new(JsonError::Token(
                "it has characters not allowed in a header".into(),
            )))
        })?;
        value.set_sensitive(true);
        Ok((name, value))
    };
    match &token.place {
        TokenPlace::Bearer => {
            let (name, value) = header("authorization", format!("Bearer {secret}"))?;
            headers.insert(name, value);
        }
        TokenPlace::Header(name) => {
            let (name, value) = header(name, secret)?;
            headers.insert(name, value);
        }
        TokenPlace::Query(param) => return Ok((headers, Some((param.clone(), secret)))),
    }
    Ok((headers, None))
}

/// `e` with the token's value (sent as a query parameter) blotted out of
/// its message.
pub(super) fn redacted(e: SourceError, secret: Option<&(String, String)>) -> SourceError {
    let Some((_, value)) = secret.filter(|(_, v)| !v.is_empty()) else {
        return e;
    };
    let blot = |cause: BoxError| -> BoxError {
        cause.to_string().replace(value.as_str(), "[token]").into()
    };
    match e {
        SourceError::Transient { retry_after, cause } => SourceError::Transient {
            retry_after,
            cause: blot(cause),
        },
        SourceError::Permanent(cause) => SourceError::Permanent(blot(cause)),
    }
}
