//! Delivery: every email and chat message Vigia sends goes through the
//! outbox ([`chat`] for the chat channels).
//!
//! Mail is rendered and written to the `outbox` table in the same
//! transaction that records what it covers (for alerts: the alert queue
//! rows it empties). The sender ([`sender`]) then delivers pending mail
//! through the configured [`Transport`], with exponential backoff, and
//! records the result. A crash before delivery leaves the mail pending, so
//! it goes out once after the restart; the window in which a mail could go
//! out twice is between the server's final "250 OK" and the `sent_at`
//! update, and the Message-ID (stable per outbox row) lets mail clients
//! fold such a repeat.

pub mod chat;
pub mod digest;
pub mod render;
pub mod sender;
pub mod spikes;
mod transport;
pub mod watch;
pub mod words;

use std::path::PathBuf;
use std::time::Duration;

pub use transport::{Failure, SendError, Transport};

use crate::secret::PasswordSource;
use crate::tls::TlsMode;

/// How mail leaves, as configured in `[mail]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MailSettings {
    /// Sender address (`Name <addr>` or `addr`).
    pub from: String,
    /// Recipients for teams that list none.
    pub fallback_to: Vec<String>,
    /// SMTP or files.
    pub transport: TransportSettings,
    /// Delay before the first retry; it doubles up to an hour.
    pub retry: Duration,
    /// Where replies to alert mails go, when they act.
    pub reply_to: Option<String>,
}

/// What mail carries for its readers to act by, beside the inbox's
/// address, each signed with the installation's key
/// ([`crate::config::Config::ways`]).
#[derive(Debug, Default)]
pub struct Ways {
    /// One-click links, when `[web]` is on: each recipient gets a mail of
    /// their own.
    pub links: Option<crate::links::MailLinks>,
    /// Reply tokens, when `[mail] reply_to` is set: alert mails ask for
    /// replies there, and a reply names the mail it answers by its token.
    pub replies: Option<crate::links::Signer>,
    /// The teams' chat channels: each alert, spike and digest is posted
    /// there too.
    pub chats: chat::Channels,
}

/// Where mail goes.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportSettings {
    /// An SMTP server.
    Smtp(SmtpSettings),
    /// One `.eml` file per message in this folder (the default without a
    /// server: nothing is lost, and a person or a script can send them).
    Files(PathBuf),
}

/// An SMTP server.
#[derive(Debug, Clone, PartialEq)]
pub struct SmtpSettings {
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Implicit TLS, STARTTLS, or plain (localhost only).
    pub tls: TlsMode,
    /// Extra CA certificate (PEM) to trust.
    pub ca_file: Option<PathBuf>,
    /// Login and where its password is.
    pub login: Option<(String, PasswordSource)>,
    /// Connection and command timeout.
    pub timeout: Duration,
}

impl MailSettings {
    /// The sender and the recipients of a mail to `to` (or, when that is
    /// empty, to `[mail] to`); None when there is nobody to send to.
    pub fn addresses(
        &self,
        to: &[String],
    ) -> Option<(lettre::message::Mailbox, Vec<lettre::message::Mailbox>)> {
        let to = if to.is_empty() {
            &self.fallback_to[..]
        } else {
            to
        };
        let mailboxes: Vec<_> = to.iter().filter_map(|t| t.parse().ok()).collect();
        let from = self.from.parse().ok()?;
        (!mailboxes.is_empty()).then_some((from, mailboxes))
    }

    /// Where mail goes, for logs and `vigia check`: never the password.
    pub fn describe(&self) -> String {
        match &self.transport {
            TransportSettings::Smtp(s) => {
                let mode = match s.tls {
                    TlsMode::Implicit => "smtps",
                    TlsMode::StartTls => "smtp+starttls",
                    TlsMode::Plain => "smtp",
                };
                format!("{mode}://{}:{}", s.host, s.port)
            }
            TransportSettings::Files(dir) => format!("files in {}", dir.display()),
        }
    }
}
