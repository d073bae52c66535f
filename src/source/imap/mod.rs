//! An IMAP mailbox: alert mails and other mail read over IMAP.
//!
//! The cursor keeps, per folder, the UIDVALIDITY and the highest UID read,
//! so a restart reads nothing twice and misses nothing; a new UIDVALIDITY
//! means the folder was rebuilt, and it is read again from the start (the
//! store recognises what it already has). Messages are read with
//! `BODY.PEEK[]`, so reading marks nothing. What to do with a processed
//! message (`seen`, `move`) is done at the next fetch, to the messages the
//! committed cursor covers: an action never runs ahead of the store.
//!
//! One connection is kept between fetches; while waiting, the source IDLEs
//! on its first folder (RFC 2177) so that new mail is read at once. A
//! dropped connection is reopened at the next fetch, with the driver's
//! backoff.

mod conn;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use tracing::{debug, warn};

use super::{Cursor, Fetched, MailRole, Source, SourceError};
use crate::name::SourceId;
use crate::secret::{PasswordSource, SecretError};
use crate::tls::TlsMode;
use conn::ImapSession;

/// Most messages read in one fetch; the rest come at the next one.
const MAX_PER_FETCH: usize = 500;
/// Messages per `UID FETCH` of bodies.
const BATCH: usize = 20;
/// Servers may drop an IDLE after 30 minutes (RFC 2177); renew before.
const MAX_IDLE: Duration = Duration::from_secs(25 * 60);

/// What to do with a message once its items are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterRead {
    /// Nothing.
    Leave,
    /// Set `\Seen`.
    Seen,
    /// Move it to this folder.
    Move(String),
}

/// An `[[imap]]` source as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct ImapSettings {
    /// Source id.
    pub id: SourceId,
    /// Server.
    pub host: String,
    /// Port.
    pub port: u16,
    /// TLS mode.
    pub tls: TlsMode,
    /// Extra CA certificates to trust.
    pub ca_file: Option<PathBuf>,
    /// Login.
    pub user: String,
    /// Where the password is.
    pub password: PasswordSource,
    /// Folders to read.
    pub folders: Vec<String>,
    /// What to do after reading.
    pub after: AfterRead,
    /// Poll interval.
    pub interval: Duration,
    /// What its mail is read as.
    pub role: MailRole,
}

/// A user name as a URL's user part (RFC 3986): `@`, `:`, `/` and the
/// like percent-encoded, so that `ana@lumora.example` at `imap.example`
/// reads `ana%40lumora.example@imap.example`.
fn userinfo(user: &str) -> String {
    let mut out = String::with_capacity(user.len());
    for c in user.chars() {
        if c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

impl ImapSettings {
    /// `imaps://user@host:port/INBOX,Alerts`, for listings and as the
    /// source's stored location (changing it starts the source over).
    pub fn location(&self) -> String {
        let scheme = if self.tls == TlsMode::Implicit {
            "imaps"
        } else {
            "imap"
        };
        format!(
            "{scheme}://{}@{}:{}/{}",
            userinfo(&self.user),
            self.host,
            self.port,
            self.folders.join(",")
        )
    }

    fn password(&self) -> Result<String, ImapError> {
        self.password.read().map_err(ImapError::Password)
    }
}

/// Why reading the mailbox failed. Never carries the password.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    /// Network trouble: retried with backoff.
    #[error("{0}")]
    Io(String),
    /// The server said something unexpected: retried with backoff.
    #[error("IMAP error: {0}")]
    Protocol(String),
    /// The server refused the login.
    #[error("login refused for {user} at {location}: {reason}")]
    Login {
        /// Login name.
        user: String,
        /// Server.
        location: String,
        /// What the server said.
        reason: String,
    },
    /// The password could not be read.
    #[error("password: {0}")]
    Password(SecretError),
    /// A folder could not be opened.
    #[error("cannot open folder {folder:?}: {reason}")]
    Folder {
        /// The folder.
        folder: String,
        /// What the server said.
        reason: String,
    },
    /// The TLS or CA settings are unusable.
    #[error("{0}")]
    Config(String),
}

impl ImapError {
    fn protocol(e: async_imap::error::Error) -> Self {
        match e {
            async_imap::error::Error::Io(io) => ImapError::Io(format!("connection lost: {io}")),
            other => ImapError::Protocol(other.to_string()),
        }
    }
}

impl From<ImapError> for SourceError {
    fn from(e: ImapError) -> Self {
        match e {
            ImapError::Io(_) | ImapError::Protocol(_) => SourceError::transient(e),
            _ => SourceError::Permanent(Box::new(e)),
        }
    }
}

/// Per folder: the UIDVALIDITY seen, the highest UID read, and the highest
/// UID the after-read action was applied to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct FolderPosition {
    validity: u32,
    uid: u32,
    done: u32,
}

type Positions = BTreeMap<String, FolderPosition>;

/// An IMAP mailbox.
#[derive(Debug)]
pub struct ImapSource {
    settings: ImapSettings,
    location: String,
    max_bytes: u64,
    session: Mutex<Option<ImapSession>>,
}

impl ImapSource {
    /// A source reading `settings`, skipping messages over `max_bytes`.
    pub fn new(settings: ImapSettings, max_bytes: u64) -> Self {
        let location = settings.location();
        ImapSource {
            settings,
            location,
            max_bytes,
            session: Mutex::new(None),
        }
    }

    async fn read_folders(
        &self,
        session: &mut ImapSession,
        positions: &mut Positions,
    ) -> Result<Fetched, ImapError> {
        let mut fetched = Fetched::default();
        for folder in &self.settings.folders {
            let mailbox = session.select(folder).await.map_err(|e| match e {
                async_imap::error::Error::No(reason) | async_imap::error::Error::Bad(reason) => {
                    ImapError::Folder {
                        folder: folder.clone(),
                        reason,
                    }
                }
                other => ImapError::protocol(other),
            })?;
            let validity = mailbox.uid_validity.unwrap_or(0);
            let position = positions.entry(folder.clone()).or_default();
            if position.validity != validity {
                if position.validity != 0 {
                    warn!(source = %self.settings.id, folder = %folder, "UIDVALIDITY changed; reading the folder again.");
                }
                *position = FolderPosition {
                    validity,
                    uid: 0,
                    done: 0,
                };
            } else {
                self.apply_after(session, folder, position).await;
            }
            for (uid, raw) in self.new_messages(session, position.uid).await? {
                position.uid = position.uid.max(uid);
                if let Err(error) = fetched.add_mail(self.settings.role, &raw) {
                    warn!(source = %self.settings.id, folder = %folder, uid, %error, "Unreadable mail; skipped.")
                }
            }
        }
        Ok(fetched)
    }

    /// Applies the after-read action to messages stored since it last ran.
    /// A failure is logged and retried at the next fetch.
    async fn apply_after(
        &self,
        session: &mut ImapSession,
        folder: &str,
        position: &mut FolderPosition,
    ) {
        if position.uid <= position.done {
            return;
        }
        let range = format!("{}:{}", position.done + 1, position.uid);
        let result = match &self.settings.after {
            AfterRead::Leave => Ok(()),
            AfterRead::Seen => match session.uid_store(&range, "+FLAGS.SILENT (\\Seen)").await {
                Ok(stream) => stream.try_collect::<Vec<_>>().await.map(drop),
                Err(e) => Err(e),
            },
            AfterRead::Move(to) => {
                // The target folder may not exist yet; creating an existing
                // one fails harmlessly.
                let _ = session.create(to).await;
                session.uid_mv(&range, to).await
            }
        };
        match result {
            Ok(()) => position.done = position.uid,
            Err(error) => {
                warn!(source = %self.settings.id, folder, %error, "After-read action failed; retrying next time.")
            }
        }
    }

    /// Messages with a UID above `last`, oldest first, bodies read within
    /// the size cap (larger ones are skipped, and counted as read).
    async fn new_messages(
        &self,
        session: &mut ImapSession,
        last: u32,
    ) -> Result<Vec<(u32, Vec<u8>)>, ImapError> {
        let listing: Vec<_> = session
            .uid_fetch(format!("{}:*", last + 1), "(UID RFC822.SIZE)")
            .await
            .map_err(ImapError::protocol)?
            .try_collect()
            .await
            .map_err(ImapError::protocol)?;
        // `N:*` also returns the highest message when it is below N.
        let mut uids: Vec<(u32, u32)> = listing
            .iter()
            .filter_map(|f| Some((f.uid?, f.size.unwrap_or(0))))
            .filter(|(uid, _)| *uid > last)
            .collect();
        uids.sort_unstable();
        uids.truncate(MAX_PER_FETCH);
        let mut out = Vec::with_capacity(uids.len());
        for (uid, size) in uids
            .iter()
            .filter(|(_, size)| u64::from(*size) > self.max_bytes)
        {
            warn!(source = %self.settings.id, uid, size_bytes = size, "Mail too large; skipped.");
            out.push((*uid, Vec::new()));
        }
        let wanted: Vec<u32> = uids
            .iter()
            .filter(|(_, s)| u64::from(*s) <= self.max_bytes)
            .map(|(u, _)| *u)
            .collect();
        for batch in wanted.chunks(BATCH) {
            let set = batch
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let fetched: Vec<_> = session
                .uid_fetch(set, "(UID BODY.PEEK[])")
                .await
                .map_err(ImapError::protocol)?
                .try_collect()
                .await
                .map_err(ImapError::protocol)?;
            out.extend(
                fetched
                    .iter()
                    .filter_map(|f| Some((f.uid?, f.body()?.to_vec()))),
            );
        }
        out.sort_by_key(|(uid, _)| *uid);
        Ok(out)
    }

    /// IDLEs on the first folder until something happens or `timeout`.
    async fn idle(
        &self,
        mut session: ImapSession,
        timeout: Duration,
    ) -> Result<ImapSession, ImapError> {
        let folder = self
            .settings
            .folders
            .first()
            .map_or("INBOX", String::as_str);
        session.select(folder).await.map_err(ImapError::protocol)?;
        let mut handle = session.idle();
        handle.init().await.map_err(ImapError::protocol)?;
        let (wait, _interrupt) = handle.wait_with_timeout(timeout.min(MAX_IDLE));
        let response = wait.await.map_err(ImapError::protocol)?;
        debug!(source = %self.settings.id, ?response, "IDLE ended.");
        handle.done().await.map_err(ImapError::protocol)
    }
}

#[async_trait]
impl Source for ImapSource {
    fn id(&self) -> &SourceId {
        &self.settings.id
    }

    fn kind(&self) -> &'static str {
        "imap"
    }

    fn location(&self) -> &str {
        &self.location
    }

    fn interval(&self) -> Duration {
        self.settings.interval
    }

    async fn fetch(&self, cursor: &Cursor) -> Result<Fetched, SourceError> {
        let mut positions: Positions = cursor
            .position
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default();
        let mut slot = self.session.lock().await;
        let mut session = match slot.take() {
            Some(session) => session,
            None => conn::open(&self.settings, &self.settings.password()?).await?,
        };
        // On error the session is dropped: the next fetch reconnects.
        let mut fetched = self.read_folders(&mut session, &mut positions).await?;
        *slot = Some(session);
        let position =
            serde_json::to_string(&positions).map_err(|e| SourceError::transient(e.to_string()))?;
        fetched.cursor = Cursor {
            position: Some(position),
            ..Cursor::default()
        };
        Ok(fetched)
    }

    fn can_wake(&self) -> bool {
        true
    }

    async fn wait_for_change(&self, timeout: Duration) {
        let started = Instant::now();
        let mut slot = self.session.lock().await;
        let Some(session) = slot.take() else {
            drop(slot);
            tokio::time::sleep(timeout).await;
            return;
        };
        // A failed IDLE (the connection dropped) ends the wait: the fetch that
        // follows reconnects, or backs off if the server is gone.
        match self.idle(session, timeout).await {
            Ok(session) => *slot = Some(session),
            Err(error) => {
                debug!(source = %self.settings.id, %error, "IDLE failed; reconnecting now.")
            }
        }
        drop(slot);
        // Never spin: a server that ends every IDLE at once gets a second.
        if started.elapsed() < Duration::from_secs(1) {
            tokio::time::sleep(Duration::from_secs(1).min(timeout)).await;
        }
    }
}
