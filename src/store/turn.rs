//! Taking turns at the one write lock SQLite gives a database.
//!
//! SQLite lets one connection write at a time and makes the others poll
//! for the lock. A daemon storing what hundreds of feeds publish starts its
//! next write transaction microseconds after the last one ends, so a
//! command polling for the lock (`vigia mentions ack`) almost never finds
//! it free, and gives up. Commands therefore say that they are waiting:
//! each holds an exclusive `flock` on a file beside the database (`-turn`,
//! like SQLite's own `-wal` and `-shm`) while it works, and the daemon,
//! before each of its transactions, waits until no command holds it. A
//! command then waits for at most the daemon's transaction in progress.
//!
//! The lock dies with its process, so a crashed command never holds the
//! daemon up; one that is merely stuck (stopped in a terminal) holds it up
//! for [`DAEMON_PATIENCE`] at most.

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rustix::fs::{flock, FlockOperation};
use tracing::warn;

/// The longest the daemon waits for one command's turn before it goes on
/// regardless (the command then waits on SQLite's lock like any writer).
const DAEMON_PATIENCE: Duration = Duration::from_secs(5);

/// The longest a command waits for other commands' turns.
const COMMAND_PATIENCE: Duration = Duration::from_secs(120);

/// After this long waiting, a command says so.
const SAY_AFTER: Duration = Duration::from_secs(2);

/// How often a waiting process looks again.
const POLL: Duration = Duration::from_millis(2);

/// The turn file of one database, as one process holds it.
#[derive(Debug)]
pub struct Turn {
    /// None when the file cannot be opened (a read-only directory): then
    /// nobody takes turns and SQLite's lock alone decides.
    file: Option<File>,
    /// This process is the daemon: it gives way instead of taking turns.
    yields: AtomicBool,
}

/// A command's turn, released when dropped.
#[derive(Debug)]
pub struct Held<'a>(&'a File);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let _ = flock(self.0, FlockOperation::Unlock);
    }
}

impl Turn {
    /// The turn file beside `db` (created when missing).
    pub fn open(db: &Path) -> Turn {
        let mut name = db.as_os_str().to_owned();
        name.push("-turn");
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&name)
            .ok();
        Turn {
            file,
            yields: AtomicBool::new(false),
        }
    }

    /// No turns: for a PostgreSQL store, whose writers wait on its lock
    /// in the order they came, none starving another.
    pub fn none() -> Turn {
        Turn {
            file: None,
            yields: AtomicBool::new(false),
        }
    }

    /// From now on this process gives way to commands (the daemon).
    pub fn give_way(&self) {
        self.yields.store(true, Ordering::Relaxed);
    }

    /// Before a use of the database: a command takes its turn (waiting for
    /// other commands), the daemon waits while a command holds one.
    pub fn before_use(&self) -> Option<Held<'_>> {
        let file = self.file.as_ref()?;
        if self.yields.load(Ordering::Relaxed) {
            give_way(file);
            None
        } else {
            take(file)
        }
    }
}

/// Whether `flock` said the lock is held by another (not that the file
/// system has no locks, as some network mounts say: then nobody takes
/// turns and SQLite's lock alone decides).
fn held_elsewhere(result: rustix::io::Result<()>) -> Option<bool> {
    match result {
        Ok(()) => Some(false),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Some(true),
        Err(_) => None,
    }
}

/// Waits, up to [`DAEMON_PATIENCE`], until no command holds its turn.
fn give_way(file: &File) {
    let started = Instant::now();
    loop {
        match held_elsewhere(flock(file, FlockOperation::NonBlockingLockShared)) {
            Some(true) => {}
            Some(false) => break,
            None => return,
        }
        if started.elapsed() >= DAEMON_PATIENCE {
            warn!(
                waited_secs = DAEMON_PATIENCE.as_secs(),
                "A command has held the database for long; writing anyway."
            );
            return;
        }
        std::thread::sleep(POLL);
    }
    let _ = flock(file, FlockOperation::Unlock);
}

/// Takes the turn, waiting behind other commands, saying so when it takes
/// long; None (go on without) after [`COMMAND_PATIENCE`].
fn take(file: &File) -> Option<Held<'_>> {
    let started = Instant::now();
    let mut said = false;
    loop {
        match held_elsewhere(flock(file, FlockOperation::NonBlockingLockExclusive)) {
            Some(true) => {}
            Some(false) => break,
            None => return None,
        }
        if !said && started.elapsed() >= SAY_AFTER {
            said = true;
            warn!("Waiting for another vigia command to finish with the database.");
        }
        if started.elapsed() >= COMMAND_PATIENCE {
            return None;
        }
        std::thread::sleep(POLL);
    }
    Some(Held(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_daemon_waits_while_a_command_holds_its_turn() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("v.db");
        let (daemon, command) = (Turn::open(&db), Turn::open(&db));
        daemon.give_way();
        assert!(dir.path().join("v.db-turn").exists());
        let held = command.before_use();
        assert!(held.is_some());
        // The command writes for 200 ms; the daemon waits for it.
        let started = Instant::now();
        let waiter = std::thread::spawn(move || {
            daemon.before_use();
            started.elapsed()
        });
        std::thread::sleep(Duration::from_millis(200));
        drop(held);
        let waited = waiter.join().unwrap_or_default();
        assert!(waited >= Duration::from_millis(200), "{waited:?}");
        // A second command takes its turn once the first is done.
        assert!(command.before_use().is_some());
    }
}
