//! Life under systemd: the notifications the daemon sends on a real
//! `NOTIFY_SOCKET` (READY, WATCHDOG pings, RELOADING, STOPPING), and the unit file as
//! `systemd-analyze` sees it.

use std::os::unix::net::UnixDatagram;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::helpers::{
    lumora_feeds, lumora_server, setup, sighup, sigterm, vigia_cmd, wait_exit, Guard,
};

/// Messages on `socket` until `until` holds for one of them or `timeout`.
fn receive(socket: &UnixDatagram, until: &str, timeout: Duration) -> Vec<String> {
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while start.elapsed() < timeout {
        if let Ok(n) = socket.recv(&mut buf) {
            let message = String::from_utf8_lossy(&buf[..n]).to_string();
            let done = message.lines().any(|l| l == until);
            got.push(message);
            if done {
                return got;
            }
        }
    }
    panic!("no {until:?} within {timeout:?}; got {got:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tells_systemd_ready_watchdog_reloading_and_stopping() {
    let server = lumora_server().await;
    let setup = setup(&lumora_feeds(&server));
    let socket_path = setup.dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut child = Guard(
        vigia_cmd(&setup.config)
            .arg("run")
            .env("NOTIFY_SOCKET", &socket_path)
            .env("WATCHDOG_USEC", "600000")
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let ready = receive(&socket, "READY=1", Duration::from_secs(20));
    assert!(
        ready
            .last()
            .is_some_and(|m| m.contains("STATUS=watching 3 sources")),
        "{ready:?}"
    );
    // Beats every 0.3 s (half of WatchdogSec), each after a store write.
    for _ in 0..3 {
        receive(&socket, "WATCHDOG=1", Duration::from_secs(5));
    }
    // A reload: RELOADING=1 with the monotonic time systemd 253+ wants,
    // then READY=1 once the new config runs.
    sighup(&child);
    let reloading = receive(&socket, "RELOADING=1", Duration::from_secs(10));
    let message = reloading.last().cloned().unwrap_or_default();
    assert!(message.contains("MONOTONIC_USEC="), "{message}");
    receive(&socket, "READY=1", Duration::from_secs(10));
    sigterm(&child);
    receive(&socket, "STOPPING=1", Duration::from_secs(5));
    let status = wait_exit(&mut child, Duration::from_secs(15));
    assert!(status.success(), "{status:?}");
}

#[test]
fn the_unit_file_verifies_and_is_hardened() {
    let unit = crate::helpers::repo().join("systemd/vigia.service");
    let analyze = |args: &[&str]| {
        std::process::Command::new("systemd-analyze")
            .args(args)
            .arg(&unit)
            .output()
            .unwrap_or_else(|e| {
                panic!("systemd-analyze is needed (Debian package systemd; scripts/test.sh installs it): {e}")
            })
    };
    let verify = analyze(&["verify", "--man=no"]);
    let stderr = String::from_utf8_lossy(&verify.stderr);
    // The binary is not installed at /usr/bin here: that complaint alone
    // is expected; anything else about the unit is a failure.
    let problems: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.contains("/usr/bin/vigia") && !l.trim().is_empty())
        .collect();
    assert!(problems.is_empty(), "{stderr}");

    let security = analyze(&["security", "--offline=yes", "--no-pager"]);
    let report = String::from_utf8_lossy(&security.stdout);
    let overall = report
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .unwrap_or_else(|| panic!("{report}"));
    let exposure: f64 = overall
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("{overall}"));
    assert!(exposure <= 2.0, "{overall}");
}
