//! Writers that share one SQLite file: follow-up commands beside a daemon
//! busy storing what 200 feeds keep publishing.

use std::time::Duration;

use crate::helpers::*;

/// Ids of the stored mentions.
fn mention_ids(setup: &Setup) -> Vec<String> {
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout(
        &setup.vigia(&["mentions", "--format", "json", "--limit", "100000"]),
    ))
    .unwrap_or_default();
    rows.iter().map(|r| r["id"].to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn follow_up_commands_get_their_turn_beside_a_busy_daemon() {
    let server = FeedServer::start().await;
    let feeds: Vec<(String, String)> = (0..200)
        .map(|i| {
            let path = format!("/busy/{i}");
            server.set(&path, Reply::Growing(Duration::from_secs(2)));
            (format!("busy{i}"), server.url(&path))
        })
        .collect();
    let feeds: Vec<(&str, String)> = feeds.iter().map(|(n, u)| (n.as_str(), u.clone())).collect();
    let setup = setup_with(&feeds, "");
    // Every feed polled every 10 s, 32 at a time: the daemon writes
    // back to back.
    let config = std::fs::read_to_string(&setup.config)
        .unwrap_or_default()
        .replace("interval = \"15m\"", "interval = \"10s\"")
        .replace("min_backoff = \"1m\"", "min_backoff = \"10s\"")
        .replace(
            "[http]\n",
            "[http]\nmax_concurrency = 32\nper_host_concurrency = 32\n",
        );
    std::fs::write(&setup.config, config).unwrap();
    let log = setup.dir.path().join("vigia.log");
    let daemon = daemon_logging_to(&setup.config, &log);
    let acked = tokio::task::spawn_blocking(move || {
        // Past the first cycle (2,000 mentions) the daemon's writes follow
        // each other without a pause.
        wait_for("1,000 mentions", Duration::from_secs(120), || {
            setup.db().exists() && mention_ids(&setup).len() >= 1000
        });
        let ids = mention_ids(&setup);
        let before = ids.len();
        let mut refused = Vec::new();
        for id in &ids[..40] {
            let out = setup.vigia(&["mentions", "ack", id]);
            if !out.status.success() {
                refused.push(String::from_utf8_lossy(&out.stderr).into_owned());
            }
        }
        (setup, before, refused)
    })
    .await;
    let (setup, before, refused) = acked.unwrap();
    assert!(
        refused.is_empty(),
        "{} of 40 refused: {refused:?}",
        refused.len()
    );
    // The daemon goes on storing (its feeds grow every 2 s; its next
    // cycle may start after the acks are done).
    wait_for("the daemon to store more", Duration::from_secs(30), || {
        mention_ids(&setup).len() > before
    });
    let acks = stdout(&setup.vigia(&[
        "mentions",
        "--status",
        "acknowledged",
        "--format",
        "json",
        "--limit",
        "500",
    ]));
    let acks: Vec<serde_json::Value> = serde_json::from_str(&acks).unwrap_or_default();
    assert_eq!(acks.len(), 40);
    sigterm(&daemon.0);
    let mut daemon = daemon;
    assert!(wait_exit(&mut daemon.0, Duration::from_secs(30)).success());
}
