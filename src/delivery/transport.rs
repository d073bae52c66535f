//! The two ways out: an SMTP server (lettre, rustls) or `.eml` files.
//!
//! An SMTP attempt (connect, greeting, TLS, login, each command, DATA) is
//! bounded as a whole by `[mail] timeout`: lettre bounds only the connect,
//! and a server that accepts and never answers would hold the sender for
//! as long as the server pleases. Each attempt has a connection of its own
//! (no pool), so an attempt cut short leaves nothing half-spoken behind.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{MailSettings, SmtpSettings, TransportSettings};
use crate::tls::TlsMode;

/// Why a message did not go out. Never carries the password.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// Whose fault it is, and so what to do.
    pub kind: Failure,
    /// What happened.
    pub message: String,
}

/// What a failure calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Try this mail again later (a 4xx, a dropped connection, a timeout).
    Later,
    /// The server refused this mail for good (a 5xx about the mail).
    Never,
    /// The mail set-up is wrong (the login refused, the certificate not
    /// trusted): no mail can go until it is fixed, so sending pauses and
    /// the mail waits.
    Setup,
}

impl SendError {
    /// A failure to try again later.
    pub fn transient(message: impl Into<String>) -> SendError {
        SendError {
            kind: Failure::Later,
            message: message.into(),
        }
    }

    /// A failure of this mail for good.
    pub fn permanent(message: impl Into<String>) -> SendError {
        SendError {
            kind: Failure::Never,
            message: message.into(),
        }
    }
}

/// SMTP replies that say the login is wrong, not the mail: 530 (login
/// required), 534 (mechanism too weak), 535 (credentials refused), 538
/// (encryption required for the mechanism).
const SETUP_CODES: &[&str] = &["530", "534", "535", "538"];

/// What lettre's error calls for.
fn failure(e: &lettre::transport::smtp::Error) -> Failure {
    let code = e.status().map(|c| c.to_string());
    if e.is_tls() || code.as_deref().is_some_and(|c| SETUP_CODES.contains(&c)) {
        Failure::Setup
    } else if e.is_permanent() {
        Failure::Never
    } else {
        Failure::Later
    }
}

/// A built transport.
#[derive(Clone)]
pub enum Transport {
    /// An SMTP server, and how long one attempt may take.
    Smtp(AsyncSmtpTransport<Tokio1Executor>, Duration),
    /// `.eml` files in a folder.
    Files(PathBuf),
}

/// How long writing one `.eml` file may take before it counts as failed.
const FILE_TIMEOUT: Duration = Duration::from_secs(30);

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Smtp(..) => f.write_str("Transport::Smtp"),
            Transport::Files(dir) => write!(f, "Transport::Files({})", dir.display()),
        }
    }
}

impl Transport {
    /// Builds the transport: reads the password and the CA file now, so
    /// that a mistake shows at start-up.
    pub fn new(settings: &MailSettings) -> Result<Transport, SendError> {
        match &settings.transport {
            TransportSettings::Files(dir) => Ok(Transport::Files(dir.clone())),
            TransportSettings::Smtp(s) => smtp(s).map(|t| Transport::Smtp(t, s.timeout)),
        }
    }

    /// The longest one attempt takes.
    pub fn attempt_limit(&self) -> Duration {
        match self {
            Transport::Smtp(_, timeout) => *timeout,
            Transport::Files(_) => FILE_TIMEOUT,
        }
    }

    /// Sends one rendered message; `id` names its file in the files
    /// transport, so that sending it again replaces it.
    pub async fn send(
        &self,
        id: i64,
        envelope: &Envelope,
        message: &[u8],
    ) -> Result<(), SendError> {
        let limit = self.attempt_limit();
        let attempt = async {
            match self {
                Transport::Smtp(smtp, _) => smtp
                    .send_raw(envelope, message)
                    .await
                    .map(|_| ())
                    .map_err(|e| SendError {
                        kind: failure(&e),
                        message: format!("SMTP: {e}"),
                    }),
                Transport::Files(dir) => write_file(dir, id, message).await,
            }
        };
        match tokio::time::timeout(limit, attempt).await {
            Ok(result) => result,
            Err(_) => Err(SendError::transient(match self {
                Transport::Smtp(..) => format!(
                    "SMTP: the server did not finish the conversation within [mail] timeout ({}s)",
                    limit.as_secs()
                ),
                Transport::Files(dir) => format!(
                    "{}: writing took longer than {}s",
                    dir.display(),
                    limit.as_secs()
                ),
            })),
        }
    }
}

fn smtp(s: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, SendError> {
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host)
        .port(s.port)
        .timeout(Some(s.timeout));
    if s.tls != TlsMode::Plain {
        let mut params = TlsParameters::builder(s.host.clone());
        if let Some(path) = &s.ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                SendError::transient(format!("cannot read ca_file {}: {e}", path.display()))
            })?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|e| SendError::transient(format!("ca_file {}: {e}", path.display())))?;
            params = params.add_root_certificate(cert);
        }
        let params = params
            .build()
            .map_err(|e| SendError::transient(format!("TLS set-up: {e}")))?;
        builder = builder.tls(match s.tls {
            TlsMode::Implicit => Tls::Wrapper(params),
            _ => Tls::Required(params),
        });
    }
    if let Some((user, password)) = &s.login {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            password
                .read()
                .map_err(|e| SendError::transient(e.to_string()))?,
        ));
    }
    Ok(builder.build())
}

/// Writes `NNNNNNNN.eml` through a temporary file and a rename, so that a
/// crash never leaves half a message and a repeat replaces the first.
async fn write_file(dir: &Path, id: i64, message: &[u8]) -> Result<(), SendError> {
    let io = |e: std::io::Error| SendError::transient(format!("{}: {e}", dir.display()));
    tokio::fs::create_dir_all(dir).await.map_err(io)?;
    let name = format!("{id:08}.eml");
    let tmp = dir.join(format!(".{name}.tmp"));
    tokio::fs::write(&tmp, message).await.map_err(io)?;
    tokio::fs::rename(&tmp, dir.join(name)).await.map_err(io)
}
