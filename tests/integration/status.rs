//! The status listener of a running daemon: `/healthz` and `/metrics`
//! (Prometheus text), checked against the store they report on.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use vigia::daemon::Runtime;
use vigia::poll::Stop;
use vigia::status::Heartbeat;
use vigia::status::Status;

use crate::helpers::{
    daemon_logging_to, lumora_feeds, lumora_server, setup_with, sighup, sigterm, status_port,
    wait_exit, wait_for, Reply,
};

/// The exposition as the Prometheus project's Python client parses it
/// (python3-prometheus-client, installed by scripts/test.sh): each metric
/// family's name, type, help and sample count.
fn parsed_by_prometheus_client(text: &str) -> Vec<serde_json::Value> {
    const PARSE: &str = "import json, sys\n\
        from prometheus_client.parser import text_string_to_metric_families as parse\n\
        print(json.dumps([{'name': f.name, 'type': f.type, 'help': f.documentation,\n\
                           'samples': len(f.samples)} for f in parse(sys.stdin.read())]))";
    let mut child = Command::new("/usr/bin/python3")
        .args(["-c", PARSE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("/usr/bin/python3: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(text.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("No module named 'prometheus_client'"),
        "prometheus_client is missing: install python3-prometheus-client (scripts/test.sh does)"
    );
    assert!(
        out.status.success(),
        "the exposition does not parse: {stderr}\n{text}"
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every family declared once, typed and documented, and no sample left
/// outside one.
fn assert_well_formed(text: &str) {
    let families = parsed_by_prometheus_client(text);
    let mut names = HashSet::new();
    for family in &families {
        let name = family["name"].as_str().unwrap_or_default();
        assert!(names.insert(name.to_string()), "{name} twice in\n{text}");
        assert!(
            ["counter", "gauge"].contains(&family["type"].as_str().unwrap_or_default()),
            "{family} has no TYPE"
        );
        assert!(
            family["help"].as_str().is_some_and(|h| !h.is_empty()),
            "{family}"
        );
    }
    let samples: u64 = families.iter().filter_map(|f| f["samples"].as_u64()).sum();
    let lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty());
    assert_eq!(
        samples,
        lines.count() as u64,
        "samples lost in parsing\n{text}"
    );
}

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
    let body = response.text().await.unwrap();
    (status, kind, body)
}

#[tokio::test(flavor = "multi_thread")]
async fn healthz_and_metrics_report_the_running_daemon() {
    let server = lumora_server().await;
    server.set("/down.xml", Reply::Status(500, None));
    let mut feeds = lumora_feeds(&server);
    feeds.push(("down", server.url("/down.xml")));
    let setup = setup_with(&feeds, "\n[status]\nlisten = \"127.0.0.1:0\"\n");
    let log = setup.dir.path().join("vigia.log");
    let mut child = daemon_logging_to(&setup.config, &log);
    let port = status_port(&log);
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
    assert_well_formed(&body);
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
    let store = vigia::store::Store::open(&setup.db()).unwrap();
    let id = id.to_string();
    store
        .call_blocking(move |c| vigia::store::sources::load(c, &id))
        .ok()
        .flatten()
        .is_some_and(|s| s.polls_total > 0)
}

/// `/healthz` says whether the scheduler keeps time, not only whether the
/// process lives: a runtime whose sources are due and that polls nothing
/// is unhealthy, and healthy again once it runs.
#[tokio::test(flavor = "multi_thread")]
async fn healthz_fails_while_the_scheduler_polls_nothing() {
    let server = lumora_server().await;
    let setup = setup_with(&lumora_feeds(&server), "");
    let runtime = Arc::new(Runtime::start(&setup.load()).await.unwrap());
    let heart = Heartbeat::new(runtime.store.clone(), Duration::from_secs(5));
    heart.beat().await.unwrap();
    let status = Status::new(runtime.store.clone(), heart.clone());
    // As if it had run for an hour: registered sources are due at once,
    // and nothing has polled them.
    status.set_running(runtime.clone(), vigia::store::now() - 3600);

    let (ok, text) = status.health().await;
    assert!(!ok, "{text}");
    for id in ["tech", "forum", "wire"] {
        let stalled = format!("source {id} has been due for 360");
        assert!(text.contains(&stalled), "{text}");
    }
    assert!(text.contains("is not being polled"), "{text}");
    let metrics = status.metrics().await.unwrap();
    assert!(metrics.lines().any(|l| l == "vigia_up 0"), "{metrics}");

    // The scheduler runs: every source is polled and on schedule.
    let stop = Stop::on(&CancellationToken::new());
    let running = tokio::spawn(runtime.clone().run(stop.clone()));
    wait_for("every feed to be polled", Duration::from_secs(20), || {
        ["tech", "forum", "wire"]
            .iter()
            .all(|id| polled(&setup, id))
    });
    heart.beat().await.unwrap();
    let (ok, text) = status.health().await;
    assert!(ok, "{text}");
    assert!(text.contains("3 sources on schedule"), "{text}");
    stop.finish.cancel();
    running.await.unwrap();
}
