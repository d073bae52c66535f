//! SIGHUP reloads the config in a running daemon: a new feed is polled, a
//! fetch in flight runs to its commit (not fetched twice), a broken config
//! is refused while the old one keeps polling, a config refused late (a
//! password file missing) leaves the store as it was; SIGTERM then exits
//! 0 with everything stored.

use std::path::Path;
use std::time::Duration;

use crate::helpers::{
    config_text, daemon_logging_to, fixture, log_events, setup_with, sighup, sigterm, wait_exit,
    wait_for, FeedServer, Reply, Setup,
};

/// A `[[feed]]` table polled as often as the config allows.
fn feed(name: &str, url: &str) -> String {
    format!("\n[[feed]]\nname = \"{name}\"\nurl = \"{url}\"\ninterval = \"10s\"\n")
}

fn mentions_from(setup: &Setup, source: &str) -> usize {
    setup
        .mentions()
        .iter()
        .filter(|m| m.source == source)
        .count()
}

/// Requests for `path` received so far, answered or not.
fn asked(server: &FeedServer, path: &str) -> usize {
    server.requests().iter().filter(|(p, _)| p == path).count()
}

fn logged(log: &Path, message: &str) -> Vec<serde_json::Value> {
    log_events(log)
        .into_iter()
        .filter(|e| e["message"] == message)
        .collect()
}

/// A server with a feed at `slow` that answers after `delay`, and a forum
/// feed at /forum.atom that answers at once.
async fn server_with_slow(slow: &str, delay: Duration) -> FeedServer {
    let server = FeedServer::start().await;
    server.set(
        slow,
        Reply::Slow(delay, fixture("config/feeds/press.rss1.xml")),
    );
    server.set(
        "/forum.atom",
        Reply::Feed(fixture("config/feeds/reclamacoes.atom.xml")),
    );
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_applies_a_new_config_and_refuses_a_broken_one() {
    // wire is in flight when the first SIGHUP comes: the reload lets it
    // finish (within the 2 s request timeout of the test config).
    let server = server_with_slow("/wire.rdf", Duration::from_millis(1800)).await;
    server.set(
        "/tech.xml",
        Reply::Feed(fixture("config/feeds/tech-news.rss2.xml")),
    );
    let first = feed("tech", &server.url("/tech.xml")) + &feed("wire", &server.url("/wire.rdf"));
    let setup = setup_with(&[], &first);
    let log = setup.dir.path().join("vigia.log");
    let mut child = daemon_logging_to(&setup.config, &log);
    wait_for(
        "tech to be stored and wire asked for",
        Duration::from_secs(20),
        || {
            setup.db().exists()
                && mentions_from(&setup, "tech") > 0
                && asked(&server, "/wire.rdf") == 1
        },
    );
    assert!(
        server.hits("/wire.rdf").is_empty(),
        "wire is still in flight"
    );

    // A new feed appears.
    let second = first.clone() + &feed("forum", &server.url("/forum.atom"));
    std::fs::write(&setup.config, config_text(&[], &second)).unwrap();
    sighup(&child);
    wait_for("the reload", Duration::from_secs(20), || {
        !logged(&log, "Configuration reloaded.").is_empty()
    });
    // The reload waited for the fetch in flight, which was stored, not
    // dropped and made again.
    assert!(mentions_from(&setup, "wire") > 0, "wire was stored");
    assert_eq!(asked(&server, "/wire.rdf"), 1, "wire fetched once");
    wait_for("forum to be stored", Duration::from_secs(20), || {
        mentions_from(&setup, "forum") > 0
    });
    let reloaded = logged(&log, "Configuration reloaded.");
    assert_eq!(reloaded.len(), 1, "{reloaded:?}");
    assert_eq!(reloaded[0]["added"], "[\"forum\"]", "{reloaded:?}");

    // A broken config: refused with the key and the file named.
    let broken = second.replace(
        "interval = \"10s\"\n",
        "interval = \"10s\"\ncolour = \"blue\"\n",
    );
    std::fs::write(&setup.config, config_text(&[], &broken)).unwrap();
    sighup(&child);
    wait_for("the refusal", Duration::from_secs(10), || {
        !logged(&log, "Configuration refused; the running one stays.").is_empty()
    });
    let refusal = logged(&log, "Configuration refused; the running one stays.");
    let error = refusal[0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("colour"), "{error}");
    assert!(error.contains("vigia.toml"), "{error}");

    // A config that reads well but cannot run (the SMTP password file is
    // missing), and that moves forum to another URL: refused, and forum's
    // row keeps its URL and cursor, untouched by the refused config.
    let forum_before = setup.state("forum");
    let moved = second.replace("/forum.atom", "/forum-moved.atom")
        + "\n[mail]\nfrom = \"vigia@example.com\"\nto = [\"team@example.com\"]\n\
           host = \"localhost\"\ntls = \"plain\"\nuser = \"vigia\"\n\
           password_file = \"no-such-secret\"\n";
    std::fs::write(&setup.config, config_text(&[], &moved)).unwrap();
    sighup(&child);
    wait_for("the second refusal", Duration::from_secs(20), || {
        logged(&log, "Configuration refused; the running one stays.").len() == 2
    });
    let refusal = logged(&log, "Configuration refused; the running one stays.");
    let error = refusal[1]["error"].as_str().unwrap_or_default();
    assert!(error.contains("no-such-secret"), "{error}");
    let forum_after = setup.state("forum");
    assert_eq!(forum_after.config_url, forum_before.config_url);
    assert_eq!(forum_after.cursor, forum_before.cursor);
    assert!(
        forum_after.next_check_at > 0,
        "forum is not made due afresh"
    );
    // The old config keeps polling (tech asks for 30 minutes between
    // polls with its <ttl>; the other two are due every 10 s).
    let (wire, forum) = (
        server.hits("/wire.rdf").len(),
        server.hits("/forum.atom").len(),
    );
    wait_for(
        "more polls after the refusal",
        Duration::from_secs(25),
        || server.hits("/wire.rdf").len() > wire && server.hits("/forum.atom").len() > forum,
    );
    assert!(child.try_wait().unwrap().is_none());

    let before = setup.mentions();
    sigterm(&child);
    let status = wait_exit(&mut child, Duration::from_secs(15));
    assert_eq!(status.code(), Some(0));
    let after = setup.mentions();
    assert_eq!(after.len(), before.len());
    assert!(server.hits("/forum-moved.atom").is_empty());
    for source in ["tech", "wire", "forum"] {
        assert!(setup.state(source).polls_total >= 1, "{source}");
    }
}

/// SIGTERM while a reload waits for a fetch in flight: the fetch is
/// abandoned, the new config is not started, and the daemon exits 0.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_a_reload_stops_without_starting_the_new_config() {
    let server = server_with_slow("/wire.rdf", Duration::from_millis(1800)).await;
    let first = feed("wire", &server.url("/wire.rdf"));
    let setup = setup_with(&[], &first);
    let log = setup.dir.path().join("vigia.log");
    let mut child = daemon_logging_to(&setup.config, &log);
    wait_for("wire to be asked for", Duration::from_secs(20), || {
        asked(&server, "/wire.rdf") == 1
    });
    let second = first + &feed("forum", &server.url("/forum.atom"));
    std::fs::write(&setup.config, config_text(&[], &second)).unwrap();
    sighup(&child);
    wait_for("the reload to begin", Duration::from_secs(10), || {
        !logged(&log, "SIGHUP: reloading the configuration.").is_empty()
    });
    sigterm(&child);
    let status = wait_exit(&mut child, Duration::from_secs(15));
    assert_eq!(status.code(), Some(0));
    assert!(logged(&log, "Configuration reloaded.").is_empty());
    assert_eq!(
        logged(
            &log,
            "Shutting down during the reload; the new configuration is not started."
        )
        .len(),
        1
    );
    assert_eq!(mentions_from(&setup, "wire"), 0, "the fetch was abandoned");
    assert!(server.hits("/forum.atom").is_empty(), "forum never started");
}

/// A fetch that hangs does not hold a reload up for ever: after the grace
/// (`poll.reload_timeout`, 3 s here) it is abandoned, the new config
/// starts, and the hung source is fetched again by it.
#[tokio::test(flavor = "multi_thread")]
async fn a_reload_abandons_a_hung_fetch_after_the_grace() {
    let server = server_with_slow("/hung.rdf", Duration::from_secs(600)).await;
    // Timeouts longer than the grace, so that only the grace can end it.
    let patient = |text: String| {
        text.replace("request_timeout = \"2s\"", "request_timeout = \"300s\"")
            .replace("read_timeout = \"2s\"", "read_timeout = \"300s\"")
            .replace("[poll]\n", "[poll]\nreload_timeout = \"3s\"\n")
    };
    let first = feed("hung", &server.url("/hung.rdf"));
    let setup = setup_with(&[], &first);
    std::fs::write(&setup.config, patient(config_text(&[], &first))).unwrap();
    let log = setup.dir.path().join("vigia.log");
    let mut child = daemon_logging_to(&setup.config, &log);
    wait_for("hung to be asked for", Duration::from_secs(20), || {
        asked(&server, "/hung.rdf") == 1
    });
    let second = first + &feed("forum", &server.url("/forum.atom"));
    std::fs::write(&setup.config, patient(config_text(&[], &second))).unwrap();
    sighup(&child);
    wait_for("the reload", Duration::from_secs(90), || {
        !logged(&log, "Configuration reloaded.").is_empty()
    });
    let abandoned =
        "Polls in progress did not finish in time; abandoning them (they are fetched again).";
    assert_eq!(logged(&log, abandoned).len(), 1);
    wait_for(
        "forum to be stored, hung asked again",
        Duration::from_secs(20),
        || mentions_from(&setup, "forum") > 0 && asked(&server, "/hung.rdf") == 2,
    );
    sigterm(&child);
    let status = wait_exit(&mut child, Duration::from_secs(15));
    assert_eq!(status.code(), Some(0));
}
