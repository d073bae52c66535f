//! The daemon as a process: SIGTERM stops it cleanly; kill -9 in the middle
//! of a poll loses and duplicates nothing.

use std::collections::HashSet;
use std::io::Read;
use std::time::Duration;

use crate::helpers::{
    json_daemon_with_mentions, setup, setup_with, sigterm, vigia_cmd, wait_exit, wait_for,
    FeedServer, Guard, Reply,
};

/// A feed of `items` distinct stories that all mention Lumora. Texts are
/// random draws from a vocabulary so that no two are near-duplicates.
fn story_feed(feed: usize, items: usize, rng: &mut fastrand::Rng) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "customers",
        "delivery",
        "lamp",
        "bulb",
        "store",
        "app",
        "update",
        "refund",
        "review",
        "support",
        "price",
        "warranty",
        "colour",
        "bright",
        "dim",
        "broken",
        "excellent",
        "slow",
        "fast",
        "night",
        "kitchen",
        "bedroom",
        "office",
        "garden",
        "battery",
        "cable",
        "switch",
        "timer",
        "schedule",
        "voice",
        "assistant",
        "firmware",
        "router",
        "wifi",
        "bluetooth",
        "hub",
        "scene",
        "sunset",
        "morning",
        "energy",
        "bill",
        "savings",
        "design",
        "glass",
        "metal",
        "wood",
        "shelf",
        "desk",
        "ceiling",
        "floor",
        "entrega",
        "atraso",
        "loja",
        "preço",
        "garantia",
        "suporte",
        "luz",
        "quarto",
        "sala",
        "cozinha",
    ];
    let mut xml =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>");
    for item in 0..items {
        let words: Vec<&str> = (0..40).map(|_| WORDS[rng.usize(..WORDS.len())]).collect();
        xml.push_str(&format!(
            "<item><title>Lumora note {feed}-{item}</title><link>https://site{feed}.example/{item}</link>\
             <guid>f{feed}-i{item}</guid><description>Lumora {}</description></item>",
            words.join(" ")
        ));
    }
    xml.push_str("</channel></rss>");
    xml.into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_finishes_and_exits_zero_with_json_logs() {
    let server = FeedServer::start().await;
    let mut rng = fastrand::Rng::with_seed(7);
    server.set("/a.xml", Reply::Feed(story_feed(0, 5, &mut rng)));
    server.set(
        "/b.xml",
        Reply::Slow(Duration::from_secs(30), story_feed(1, 5, &mut rng)),
    );
    let setup = setup(&[("a", server.url("/a.xml")), ("b", server.url("/b.xml"))]);
    let mut child = json_daemon_with_mentions(&setup, 5);
    // Feed b is still waiting on its slow server: shutdown abandons that fetch.
    sigterm(&child);
    let status = wait_exit(&mut child, Duration::from_secs(10));
    assert_eq!(status.code(), Some(0));
    let mut logs = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        stderr.read_to_string(&mut logs).unwrap();
    }
    let events: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let messages: Vec<&str> = events
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    for expected in [
        "Vigia started.",
        "Polled source.",
        "Signal received.",
        "Shutting down.",
        "Vigia stopped.",
    ] {
        assert!(
            messages.contains(&expected),
            "{expected:?} not in {messages:?}"
        );
    }
    assert!(
        events
            .iter()
            .any(|e| e["source"] == "a" && e["new_mentions"] == 5),
        "{logs}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_during_a_poll_then_restart_loses_and_duplicates_nothing() {
    const FEEDS: usize = 30;
    const ITEMS: usize = 10;
    let server = FeedServer::start().await;
    let mut rng = fastrand::Rng::with_seed(42);
    let mut feeds = Vec::new();
    for i in 0..FEEDS {
        let path = format!("/f{i}.xml");
        server.set(
            &path,
            Reply::Slow(Duration::from_millis(150), story_feed(i, ITEMS, &mut rng)),
        );
        feeds.push((format!("f{i}"), server.url(&path)));
    }
    let feeds: Vec<(&str, String)> = feeds.iter().map(|(n, u)| (n.as_str(), u.clone())).collect();
    let setup = setup_with(&feeds, "");

    let log = |name: &str| std::fs::File::create(setup.dir.path().join(name)).unwrap();
    let daemon = |name: &str| {
        Guard(
            vigia_cmd(&setup.config)
                .arg("run")
                .stderr(log(name))
                .spawn()
                .unwrap(),
        )
    };
    let mut child = daemon("first.log");
    wait_for(
        "a third of the feeds to be served",
        Duration::from_secs(30),
        || server.total_hits() >= FEEDS / 3,
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = setup.mentions().len();
    assert!(
        partial > 0 && partial < FEEDS * ITEMS,
        "the kill should land mid-cycle, with some feeds stored ({partial} stored)"
    );

    // Restart the daemon; it polls what the killed one had not finished.
    let mut child = daemon("second.log");
    let all_stored = (0..1200).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        setup.mentions().len() >= FEEDS * ITEMS
    });
    let second = std::fs::read_to_string(setup.dir.path().join("second.log")).unwrap_or_default();
    assert!(
        all_stored,
        "{} of {} stored; restarted daemon logged:\n{second}",
        setup.mentions().len(),
        FEEDS * ITEMS
    );
    sigterm(&child);
    assert_eq!(
        wait_exit(&mut child, Duration::from_secs(10)).code(),
        Some(0)
    );
    let mentions = setup.mentions();
    let titles: HashSet<&str> = mentions.iter().map(|m| m.title.as_str()).collect();
    assert_eq!(mentions.len(), FEEDS * ITEMS, "every story stored");
    assert_eq!(titles.len(), FEEDS * ITEMS, "none twice");
    assert!(
        mentions.iter().all(|m| m.sightings == 1),
        "no sighting recorded twice"
    );

    // And a further pass finds nothing new.
    let out = setup.vigia(&["poll", "--once", "--quiet"]);
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains(" 0 new mentions, 0 new sightings, 0 failed"),
        "{summary}"
    );
    assert_eq!(setup.mentions().len(), FEEDS * ITEMS);
}

/// A daemon whose standard error has gone away (the terminal closed, the
/// log reader died) still stops on SIGTERM. Writing a log line used to
/// panic the signal task, and the daemon ignored every SIGTERM after.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_the_daemon_even_when_stderr_is_closed() {
    let server = FeedServer::start().await;
    let mut rng = fastrand::Rng::with_seed(3);
    server.set("/a.xml", Reply::Feed(story_feed(0, 3, &mut rng)));
    let setup = setup(&[("a", server.url("/a.xml"))]);
    let mut child = json_daemon_with_mentions(&setup, 3);
    drop(child.stderr.take());
    sigterm(&child);
    assert_eq!(
        wait_exit(&mut child, Duration::from_secs(10)).code(),
        Some(0)
    );
}
