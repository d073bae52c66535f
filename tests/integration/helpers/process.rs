//! The daemon as a child process: start it, signal it, wait for it, read
//! its logs.

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::{vigia_cmd, Setup};

/// A child process that is killed when dropped, so that a failing test
/// leaves no daemon behind.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl std::ops::Deref for Guard {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Guard {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

/// `vigia run` with JSON logs on a pipe, once it has stored `mentions`.
pub fn json_daemon_with_mentions(setup: &Setup, mentions: usize) -> Guard {
    let child = Guard(
        vigia_cmd(&setup.config)
            .args(["--log-format", "json", "run"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let db = setup.db();
    wait_for(
        "the first feed to be stored",
        Duration::from_secs(20),
        || db.exists() && setup.mentions().len() == mentions,
    );
    child
}

/// Sends SIGTERM.
pub fn sigterm(child: &Child) {
    signal(child, "TERM");
}

/// Sends SIGHUP.
pub fn sighup(child: &Child) {
    signal(child, "HUP");
}

fn signal(child: &Child, name: &str) {
    let sent = std::process::Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{name} failed");
}

/// Waits for the child to exit, killing it after `timeout`.
pub fn wait_exit(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            panic!("vigia did not exit within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Polls `done` until it holds, failing after `timeout`.
pub fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The port the daemon logging (JSON) to `log` serves `/healthz` on, its
/// `[status] listen` being port 0: no port is guessed free beforehand, so
/// tests running at once never race for one.
pub fn status_port(log: &Path) -> u16 {
    let mut port = None;
    wait_for("the status listener", Duration::from_secs(30), || {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        port = text
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| v["message"] == "Serving /healthz and /metrics.")
            .and_then(|v| v["addr"].as_str().map(str::to_string))
            .and_then(|addr| addr.rsplit(':').next().and_then(|p| p.parse().ok()));
        port.is_some()
    });
    port.unwrap_or_default()
}

/// `vigia run` with JSON logs written to `log` (a file, so a chatty
/// daemon never blocks on a full pipe).
pub fn daemon_logging_to(config: &Path, log: &Path) -> Guard {
    let file = std::fs::File::create(log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    Guard(
        vigia_cmd(config)
            .args(["--log-format", "json", "run"])
            .stderr(file)
            .spawn()
            .unwrap(),
    )
}

/// The JSON log events in `log` so far.
pub fn log_events(log: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}
