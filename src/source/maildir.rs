//! A local Maildir: what a server's own MTA delivers to.
//!
//! Each poll reads the messages in `new/` and `cur/` changed since the
//! newest one read last time (a message keeps its modification time when a
//! mail client moves it from `new/` to `cur/`), less a minute of slack for
//! deliveries whose clocks disagree. Re-reading a message is harmless: the
//! store knows its items already. The Maildir itself is never modified.

use crate::name::SourceId;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use async_trait::async_trait;
use tracing::warn;

use super::{Cursor, Fetched, MailRole, Source, SourceError};

/// How far before the newest message read a poll looks again.
const SLACK: Duration = Duration::from_secs(60);

/// A Maildir source.
#[derive(Debug)]
pub struct MaildirSource {
    id: SourceId,
    path: PathBuf,
    location: String,
    interval: Duration,
    max_bytes: u64,
    role: MailRole,
}

impl MaildirSource {
    /// Reads the Maildir at `path` every `interval`, skipping messages
    /// larger than `max_bytes`.
    pub fn new(id: SourceId, path: PathBuf, interval: Duration, max_bytes: u64) -> Self {
        let location = path.display().to_string();
        MaildirSource {
            id,
            path,
            location,
            interval,
            max_bytes,
            role: MailRole::Mentions,
        }
    }

    /// Reads its mail as `role`.
    pub fn with_role(mut self, role: MailRole) -> Self {
        self.role = role;
        self
    }
}

#[async_trait]
impl Source for MaildirSource {
    fn id(&self) -> &SourceId {
        &self.id
    }

    fn kind(&self) -> &'static str {
        "maildir"
    }

    fn location(&self) -> &str {
        &self.location
    }

    fn interval(&self) -> Duration {
        self.interval
    }

    async fn fetch(&self, cursor: &Cursor) -> Result<Fetched, SourceError> {
        let since = cursor
            .position
            .as_deref()
            .and_then(|p| p.parse::<u128>().ok())
            .unwrap_or(0);
        let (path, id) = (self.path.clone(), self.id.clone());
        let (max_bytes, role) = (self.max_bytes, self.role);
        tokio::task::spawn_blocking(move || read_maildir(&path, &id, since, (max_bytes, role)))
            .await
            .map_err(|e| SourceError::transient(e.to_string()))?
    }
}

fn read_maildir(
    path: &Path,
    id: &str,
    since: u128,
    (max_bytes, role): (u64, MailRole),
) -> Result<Fetched, SourceError> {
    let threshold = since.saturating_sub(SLACK.as_nanos());
    let mut messages = Vec::new();
    for sub in ["new", "cur"] {
        let dir = path.join(sub);
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| SourceError::transient(format!("cannot read {}: {e}", dir.display())))?;
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok());
            let modified = modified.map_or(0, |d| d.as_nanos());
            if meta.is_file() && modified >= threshold {
                messages.push((modified, entry.path(), meta.len()));
            }
        }
    }
    messages.sort();
    let newest = messages.last().map_or(since, |m| m.0.max(since));
    let mut fetched = Fetched::default();
    for (_, file, len) in &messages {
        if *len > max_bytes {
            warn!(source = %id, file = %file.display(), size_bytes = len, "Mail too large; skipped.");
            continue;
        }
        // A file gone since the listing was moved or deleted by a mail
        // client; it is read where it went next time, or it is gone.
        let Ok(raw) = std::fs::read(file) else {
            continue;
        };
        if let Err(error) = fetched.add_mail(role, &raw) {
            warn!(source = %id, file = %file.display(), %error, "Unreadable mail; skipped.")
        }
    }
    fetched.cursor = Cursor {
        position: Some(newest.to_string()),
        ..Cursor::default()
    };
    Ok(fetched)
}
