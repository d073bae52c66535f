//! Sharing the sources among several daemons on one database
//! (PostgreSQL): a daemon polls a due source only once it holds its lease,
//! which it renews while the fetch runs, so that a slow fetch keeps it and
//! a daemon that dies loses its leases within one lease's length. A store
//! of one daemon (SQLite) needs no lease: the source's state is read.

use std::future::Future;
use std::time::Duration;

use tracing::warn;

use crate::store::sources::{self, Lease};
use crate::store::{self, Store, StoreError};

/// How long a lease holds unless renewed, by default: a dead daemon's
/// sources are polled by another within this.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(120);

/// This daemon's leases.
#[derive(Debug)]
pub(super) struct Leases {
    /// Who holds them: host and process, as `feeds status` shows.
    owner: String,
    /// How long one holds, seconds.
    secs: i64,
}

impl Leases {
    /// Leases held for `length` by this process.
    pub fn new(length: Duration) -> Leases {
        let host = rustix::system::uname();
        // The number tells apart two containers whose host name and
        // process id are the same.
        Leases {
            owner: format!(
                "{} pid {} #{:04x}",
                host.nodename().to_string_lossy(),
                std::process::id(),
                fastrand::u16(..)
            ),
            secs: length.as_secs().max(1) as i64,
        }
    }

    /// Who holds them.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Takes source `id`'s lease when it is free and (with `due_only`)
    /// due.
    pub async fn take(&self, store: &Store, id: &str, due_only: bool) -> Result<Lease, StoreError> {
        let (key, owner, secs) = (id.to_string(), self.owner.clone(), self.secs);
        store
            .call(move |c| sources::lease(c, &key, (&owner, store::now(), secs), due_only))
            .await
    }

    /// Runs `fetch` while renewing source `id`'s lease every third of its
    /// length (on a shared store; elsewhere `fetch` alone).
    pub async fn hold<F: Future>(&self, store: &Store, id: &str, fetch: F) -> F::Output {
        if !store.is_shared() {
            return fetch.await;
        }
        let every = Duration::from_secs((self.secs as u64 / 3).max(1));
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tokio::pin!(fetch);
        loop {
            tokio::select! {
                biased;
                done = &mut fetch => return done,
                _ = ticks.tick() => {
                    let (key, owner, secs) = (id.to_string(), self.owner.clone(), self.secs);
                    let renewed = store
                        .call(move |c| sources::renew(c, &key, (&owner, store::now(), secs)))
                        .await;
                    match renewed {
                        Ok(true) => {}
                        Ok(false) => warn!(source = id, "The lease on this source expired during its fetch; another daemon may poll it too."),
                        Err(error) => warn!(source = id, %error, "Cannot renew the lease on this source."),
                    }
                }
            }
        }
    }
}
