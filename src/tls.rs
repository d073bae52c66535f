//! How a mail connection (IMAP or SMTP) is secured.

/// The TLS mode of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (IMAP 993, SMTP 465).
    Implicit,
    /// Plain, upgraded with STARTTLS before login (IMAP 143, SMTP 587).
    StartTls,
    /// No TLS; the config allows it for localhost only.
    Plain,
}
