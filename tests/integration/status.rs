//! The status listener of a running daemon: `/healthz` and `/metrics`
//! (Prometheus text), checked against the store they report on.

use std::collections::HashMap;
use std::time::Duration;

use crate::helpers::{
    daemon_logging_to, free_port, lumora_feeds, lumora_server, setup_with, sighup, sigterm,
    wait_exit, wait_for, Reply,
};

/// `name{labels}` → value, from an exposition.
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (key, value) = l
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("not a sample: {l}"));
            let value = value.parse().unwrap_or_else(|e| panic!("{l}: {e}"));
            (key.to_string(), value)
        })
        .collect()
}

async fn get(url: &str) -> (u16, String, String) {
    let response = reqwest::get(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.text().await.unwrap_or_else(|e| panic!("{e}"));
    (status, kind, body)
}

#[tokio::test(flavor = "multi_thread")]
async fn healthz_and_metrics_report_the_running_daemon() {
    let server = lumora_server().await;
    server.set("/down.xml", Reply::Status(500, None));
    let mut feeds = lumora_feeds(&server);
    feeds.push(("down", server.url("/down.xml")));
    let port = free_port();
    let setup = setup_with(
        &feeds,
        &format!("\n[status]\nlisten = \"127.0.0.1:{port}\"\n"),
    );
    let log = setup.dir.path().join("vigia.log");
    let mut child = daemon_logging_to(&setup.config, &log);
    let base = format!("http://127.0.0.1:{port}");
    wait_for("every feed to be polled", Duration::from_secs(20), || {
        setup.db().exists()
            && ["tech", "forum", "wire", "down"]
                .iter()
                .all(|id| polled(&setup, id))
    });

    let (code, _, body) = get(&format!("{base}/healthz")).await;
    assert_eq!(code, 200, "{body}");
    assert!(body.starts_with("ok"), "{body}");

    let (code, kind, body) = get(&format!("{base}/metrics")).await;
    assert_eq!(code, 200, "{body}");
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    let m = samples(&body);
    let at = |key: &str| *m.get(key).unwrap_or_else(|| panic!("no {key} in\n{body}"));
    assert_eq!(at("vigia_up"), 1.0);
    for id in ["tech", "forum", "wire"] {
        let state = setup.state(id);
        let key = format!("vigia_source_polls_total{{source=\"{id}\",kind=\"rss\"}}");
        assert_eq!(at(&key), state.polls_total as f64, "{id}");
        assert!(at(&key) >= 1.0, "{id}");
        let key = format!("vigia_source_mentions_total{{source=\"{id}\",kind=\"rss\"}}");
        assert_eq!(at(&key), state.mentions_total as f64, "{id}");
        let key = format!("vigia_source_backoff_seconds{{source=\"{id}\",kind=\"rss\"}}");
        assert_eq!(at(&key), 0.0, "{id}");
    }
    // The failing feed: one error, backing off for the first step (1 min
    // plus up to half again of jitter).
    assert_eq!(
        at(r#"vigia_source_poll_errors_total{source="down",kind="rss"}"#),
        1.0
    );
    assert_eq!(
        at(r#"vigia_source_consecutive_failures{source="down",kind="rss"}"#),
        1.0
    );
    let backoff = at(r#"vigia_source_backoff_seconds{source="down",kind="rss"}"#);
    assert!((30.0..=90.0).contains(&backoff), "{backoff}");
    // Mentions by brand and sentiment add up to what the store holds.
    let stored = setup.mentions();
    let mut by_label: HashMap<String, f64> = HashMap::new();
    for mention in &stored {
        let label = mention.sentiment_label.clone().unwrap_or("unscored".into());
        *by_label.entry(label).or_default() += 1.0;
    }
    assert!(by_label.len() >= 2, "{by_label:?}");
    for (label, count) in &by_label {
        let key = format!("vigia_mentions{{brand=\"Lumora\",sentiment=\"{label}\"}}");
        assert_eq!(at(&key), *count, "{label}");
    }
    assert!(
        m.contains_key(r#"vigia_outbox_messages{state="pending"}"#),
        "{body}"
    );
    assert_eq!(at(r#"vigia_config_reloads_total{result="applied"}"#), 0.0);

    // A reload shows in the counters.
    sighup(&child);
    let mut reloaded = 0.0;
    for _ in 0..100 {
        let (_, _, body) = get(&format!("{base}/metrics")).await;
        reloaded = samples(&body)[r#"vigia_config_reloads_total{result="applied"}"#];
        if reloaded == 1.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(reloaded, 1.0);

    sigterm(&child);
    let status = wait_exit(&mut child, Duration::from_secs(15));
    assert_eq!(status.code(), Some(0));
    assert!(
        reqwest::get(format!("{base}/healthz")).await.is_err(),
        "the listener stops with the daemon"
    );
}

/// Whether `id` has been polled at least once.
fn polled(setup: &crate::helpers::Setup, id: &str) -> bool {
    let store = vigia::store::Store::open(&setup.db()).unwrap_or_else(|e| panic!("{e}"));
    let id = id.to_string();
    store
        .call_blocking(move |c| vigia::store::sources::load(c, &id))
        .ok()
        .flatten()
        .is_some_and(|s| s.polls_total > 0)
}
