//! A local Maildir: what a server's own MTA delivers to.
//!
//! Each poll reads the messages in `new/` and `cur/` changed since the
//! newest one read last time (a message keeps its modification time when a
//! mail client moves it from `new/` to `cur/`), less a minute of slack for
//! deliveries whose clocks disagree. The messages inside that minute are
//! remembered by their unique name (the file name before `:2,`, which a
//! client's flags do not change), so each message is read once, however
//! many share one modification time. The Maildir itself is never modified.

use crate::name::SourceId;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
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
        let since = Position::of(cursor.position.as_deref());
        let (path, id) = (self.path.clone(), self.id.clone());
        let (max_bytes, role) = (self.max_bytes, self.role);
        tokio::task::spawn_blocking(move || read_maildir(&path, &id, since, (max_bytes, role)))
            .await
            .map_err(|e| SourceError::transient(e.to_string()))?
    }
}

/// Where a Maildir was left: the newest modification time read
/// (nanoseconds since the epoch), and the unique names of the messages
/// read within [`SLACK`] of it.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Position {
    newest: u128,
    #[serde(default)]
    read: Vec<String>,
}

impl Position {
    /// The stored position (a bare number before names were kept).
    fn of(stored: Option<&str>) -> Position {
        let Some(stored) = stored else {
            return Position::default();
        };
        serde_json::from_str(stored).unwrap_or_else(|_| Position {
            newest: stored.parse().unwrap_or(0),
            read: Vec::new(),
        })
    }
}

/// A message's unique name: its file name before the flags (`:2,S`).
fn unique(file: &Path) -> String {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.split_once(":2,")
        .map_or(&*name, |(unique, _)| unique)
        .to_string()
}

fn read_maildir(
    path: &Path,
    id: &str,
    position: Position,
    (max_bytes, role): (u64, MailRole),
) -> Result<Fetched, SourceError> {
    let since = position.newest;
    let threshold = since.saturating_sub(SLACK.as_nanos());
    let read_before: std::collections::HashSet<String> = position.read.into_iter().collect();
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
    let mut newest = messages.last().map_or(since, |m| m.0.max(since));
    let mut fetched = Fetched::default();
    // Read, or never to be read (too large, not mail): each once.
    let mut done = read_before;
    for (modified, file, len) in &messages {
        let name = unique(file);
        if done.contains(&name) {
            continue;
        }
        if *len > max_bytes {
            warn!(source = %id, file = %file.display(), size_bytes = len, "Mail too large; skipped.");
            done.insert(name);
            continue;
        }
        // A file gone since the listing was moved or deleted by a mail
        // client; it is read where it went next time (under the same
        // unique name, with the same time: the next poll looks back to
        // it), or it is gone.
        let Ok(raw) = std::fs::read(file) else {
            newest = newest.min(*modified);
            continue;
        };
        if let Err(error) = fetched.add_mail(role, &raw) {
            warn!(source = %id, file = %file.display(), %error, "Unreadable mail; skipped.")
        }
        done.insert(name);
    }
    // What the next poll looks at again (the minute before the newest),
    // and need not read again.
    let window = newest.saturating_sub(SLACK.as_nanos());
    let mut read: Vec<String> = messages
        .iter()
        .filter(|(modified, _, _)| *modified >= window)
        .map(|(_, file, _)| unique(file))
        .filter(|name| done.contains(name))
        .collect();
    read.sort_unstable();
    read.dedup();
    let position = Position { newest, read };
    fetched.cursor = Cursor {
        position: serde_json::to_string(&position).ok(),
        ..Cursor::default()
    };
    Ok(fetched)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(n: u32) -> String {
        format!(
            "From: c{n}@cliente.example\r\nSubject: Pedido {n}\r\nMessage-ID: <{n}@cliente.example>\r\n\r\nO pedido {n} da Lumora nao chegou.\r\n"
        )
    }

    /// Writes message `name` into `dir` with modification time `at`.
    fn deliver(dir: &Path, name: &str, n: u32, at: std::time::SystemTime) {
        let path = dir.join(name);
        std::fs::write(&path, mail(n)).unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(at).unwrap();
    }

    fn poll(root: &Path, cursor: &Cursor) -> Fetched {
        let position = Position::of(cursor.position.as_deref());
        read_maildir(root, "m", position, (1 << 20, MailRole::Mentions)).unwrap()
    }

    #[test]
    fn each_message_is_read_once_whatever_its_time_or_flags() {
        let root = tempfile::tempdir().unwrap();
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(root.path().join(sub)).unwrap();
        }
        let at = std::time::SystemTime::now();
        for n in 1..=3 {
            deliver(&root.path().join("new"), &format!("100{n}.M1.host"), n, at);
        }
        let first = poll(root.path(), &Cursor::default());
        assert_eq!(first.items.len(), 3);
        // Nothing new: nothing read, though all share one time.
        let again = poll(root.path(), &first.cursor);
        assert_eq!(again.items.len(), 0);
        // A client moves one to cur/ and flags it seen: still read once.
        std::fs::rename(
            root.path().join("new/1001.M1.host"),
            root.path().join("cur/1001.M1.host:2,S"),
        )
        .unwrap();
        let moved = poll(root.path(), &again.cursor);
        assert_eq!(moved.items.len(), 0);
        // A new message at the very same time is read, alone.
        deliver(&root.path().join("new"), "1004.M1.host", 4, at);
        let fourth = poll(root.path(), &moved.cursor);
        assert_eq!(fourth.items.len(), 1);
        assert_eq!(poll(root.path(), &fourth.cursor).items.len(), 0);
    }

    #[test]
    fn a_position_from_before_names_were_kept_still_counts() {
        let old = Position::of(Some("1700000000000000000"));
        assert_eq!((old.newest, old.read.len()), (1_700_000_000_000_000_000, 0));
        assert_eq!(Position::of(None).newest, 0);
    }
}
