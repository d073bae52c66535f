//! Several daemons on one PostgreSQL database split the work: three
//! `vigia run` on 500 local feeds that keep publishing, one of them killed
//! with SIGKILL at a random moment five times (and started again). Every
//! item that mentions the brand is stored once, each feed is fetched once
//! per interval (one overlap allowed where a killed daemon's lease
//! expired), and every queued mail reaches the SMTP server once (at most
//! one copy more per kill, a mail interrupted mid-send).

use std::collections::{BTreeMap, HashMap};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, State};
use axum::routing::get;
use axum::Router;

use crate::helpers::postgres::Postgres;
use crate::helpers::{sigterm, stdout, vigia_cmd, wait_exit, wait_for, Guard};
use crate::smtp::{mail_config, SmtpServer};

const FEEDS: usize = 500;
const DAEMONS: usize = 3;
const KILLS: usize = 5;
/// Each feed publishes an item this often, and keeps its last [`KEEP`].
const EVERY: Duration = Duration::from_secs(4);
const KEEP: u64 = 12;
/// The item each feed has published when publishing stops (at 44 s).
const PUBLISHED: u64 = 11;
/// The poll interval and the lease, as configured.
const INTERVAL: Duration = Duration::from_secs(10);

/// Feeds that publish an item every [`EVERY`] until frozen, and the time
/// of every fetch.
struct Publisher {
    started: Instant,
    frozen_at: Mutex<Option<u64>>,
    fetches: Mutex<Vec<(usize, Instant)>>,
}

impl Publisher {
    /// The newest item's number now.
    fn newest(&self) -> u64 {
        let now = self.started.elapsed().as_secs() / EVERY.as_secs();
        self.frozen_at.lock().unwrap().map_or(now, |f| f.min(now))
    }

    fn freeze(&self) -> u64 {
        let newest = self.newest();
        *self.frozen_at.lock().unwrap() = Some(newest);
        newest
    }
}

/// Item `k` of feed `feed`: its title, and whether it names the brand.
/// Words drawn from the item's own seed, so that no two items read alike
/// (none may be taken for another's copy).
fn item(feed: usize, k: u64) -> (String, bool) {
    let mut rng = fastrand::Rng::with_seed((feed as u64) << 32 | k);
    let syllables = [
        "ka", "lo", "mi", "ren", "to", "sa", "vu", "ne", "di", "por", "qua", "bel",
    ];
    let words: Vec<String> = (0..14)
        .map(|_| {
            (0..3)
                .map(|_| syllables[rng.usize(..syllables.len())])
                .collect()
        })
        .collect();
    let brand = k % 3 != 2;
    let urgent = brand && feed % 100 == 7 && k % 5 == 1;
    let title = match (brand, urgent) {
        (true, true) => format!(
            "Lumora recall {feed}-{k}: the worst, most dangerous lamps, a disaster {}",
            words.join(" ")
        ),
        (true, false) => format!("Lumora {feed}-{k} {}", words.join(" ")),
        (false, _) => format!("Item {feed}-{k} {}", words.join(" ")),
    };
    (title, brand)
}

async fn feed(
    UrlPath(name): UrlPath<String>,
    State(publisher): State<Arc<Publisher>>,
) -> ([(&'static str, &'static str); 1], String) {
    let feed: usize = name
        .trim_start_matches('f')
        .trim_end_matches(".xml")
        .parse()
        .unwrap_or(0);
    publisher
        .fetches
        .lock()
        .unwrap()
        .push((feed, Instant::now()));
    let newest = publisher.newest();
    let mut xml = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>f</title>\
         <link>http://127.0.0.1/</link>",
    );
    for k in (newest + 1).saturating_sub(KEEP)..=newest {
        let (title, _) = item(feed, k);
        xml.push_str(&format!(
            "<item><title>{title}</title><link>http://news.example/{feed}/{k}</link>\
             <guid>{feed}-{k}</guid></item>"
        ));
    }
    xml.push_str("</channel></rss>");
    ([("content-type", "application/rss+xml")], xml)
}

/// `vigia run`, its log in `log`.
fn daemon(config: &std::path::Path, log: &std::path::Path) -> Guard {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    Guard(
        vigia_cmd(config)
            .arg("run")
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn three_daemons_share_the_work_through_five_kills() {
    let dir = tempfile::tempdir().unwrap();
    let server = Postgres::start(dir.path());
    let mut smtp = SmtpServer::reserve(dir.path());
    smtp.start();

    let publisher = Arc::new(Publisher {
        started: Instant::now(),
        frozen_at: Mutex::new(None),
        fetches: Mutex::new(Vec::new()),
    });
    let app = Router::new()
        .route("/{name}", get(feed))
        .with_state(publisher.clone());
    let (base, stop) = crate::helpers::serve_app(app).await;

    let mut config = format!(
        r#"
[storage]
url = "{}"
lease = "{}s"

[http]
max_concurrency = 24
per_host_concurrency = 24

[poll]
interval = "{}s"

[[brand]]
name = "Lumora"
queries = ["Lumora"]
"#,
        server.url(),
        INTERVAL.as_secs(),
        INTERVAL.as_secs()
    );
    config.push_str(&mail_config(smtp.port));
    for i in 0..FEEDS {
        config.push_str(&format!(
            "\n[[feed]]\nname = \"f{i}\"\nurl = \"{base}/f{i}.xml\"\n"
        ));
    }
    let path = dir.path().join("vigia.toml");
    std::fs::write(&path, config).unwrap();
    let logs: Vec<_> = (0..DAEMONS)
        .map(|i| dir.path().join(format!("daemon{i}.log")))
        .collect();
    let mut daemons: Vec<Guard> = logs.iter().map(|log| daemon(&path, log)).collect();

    // Five kills at random moments of the first 40 seconds, each of a
    // random daemon, started again at once.
    let mut moments: Vec<u64> = (0..KILLS).map(|_| fastrand::u64(3_000..40_000)).collect();
    moments.sort_unstable();
    let begun = Instant::now();
    for at in moments {
        let wait = Duration::from_millis(at).saturating_sub(begun.elapsed());
        tokio::time::sleep(wait).await;
        let victim = fastrand::usize(..DAEMONS);
        let _ = daemons[victim].0.kill();
        let _ = daemons[victim].0.wait();
        daemons[victim] = daemon(&path, &logs[victim]);
    }
    // Publishing goes on for a while after the last kill.
    wait_for("the feeds to publish", Duration::from_secs(120), || {
        publisher.newest() >= PUBLISHED
    });

    // Publishing stops; every feed is then read once more.
    let newest = publisher.freeze();
    let frozen = Instant::now();
    wait_for(
        "every feed to be read after the last item",
        Duration::from_secs(90),
        || {
            let fetches = publisher.fetches.lock().unwrap();
            let mut after = vec![false; FEEDS];
            for (feed, at) in fetches.iter() {
                if *at > frozen {
                    after[*feed] = true;
                }
            }
            after.iter().all(|a| *a)
        },
    );
    let outbox = || {
        let out = vigia_cmd(&path)
            .args(["outbox", "--all", "--limit", "100000", "--format", "json"])
            .output()
            .unwrap();
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap_or_default();
        rows
    };
    wait_for(
        "every queued mail to be sent",
        Duration::from_secs(150),
        || {
            let rows = outbox();
            !rows.is_empty() && rows.iter().all(|r| r["state"] == "sent")
        },
    );
    for daemon in &mut daemons {
        sigterm(&daemon.0);
        assert!(wait_exit(&mut daemon.0, Duration::from_secs(30)).success());
    }
    stop.cancel();

    // The work was split: every daemon polled its share.
    let polls: Vec<usize> = logs
        .iter()
        .map(|log| {
            let text = std::fs::read_to_string(log).unwrap();
            text.lines()
                .filter(|l| l.contains("Polled source."))
                .count()
        })
        .collect();
    eprintln!("polls per daemon: {polls:?}");
    assert!(polls.iter().all(|n| *n >= FEEDS / 10), "{polls:?}");

    // Every item that names the brand, once.
    let out = vigia_cmd(&path)
        .args(["mentions", "--limit", "100000", "--format", "json"])
        .output()
        .unwrap();
    let stored: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    let mut count: HashMap<String, usize> = HashMap::new();
    for m in &stored {
        *count
            .entry(m["title"].as_str().unwrap_or("").to_string())
            .or_default() += 1;
    }
    let mut expected = 0;
    for feed in 0..FEEDS {
        for k in 0..=newest {
            let (title, brand) = item(feed, k);
            if brand {
                expected += 1;
                assert_eq!(count.get(&title), Some(&1), "{title}");
            }
        }
    }
    assert_eq!(stored.len(), expected, "no mention but the published ones");

    // Each feed once per interval: two fetches of one feed closer than
    // the interval only where a killed daemon's lease expired.
    let fetches = publisher.fetches.lock().unwrap().clone();
    let mut by_feed: BTreeMap<usize, Vec<Instant>> = BTreeMap::new();
    for (feed, at) in fetches {
        by_feed.entry(feed).or_default().push(at);
    }
    let slack = Duration::from_secs(1);
    let mut overlaps = 0;
    for times in by_feed.values() {
        let close = times
            .windows(2)
            .filter(|w| w[1].duration_since(w[0]) + slack < INTERVAL)
            .count();
        assert!(close <= KILLS, "{close} early fetches of one feed");
        overlaps += close;
    }
    eprintln!("early fetches (at a lease expiry): {overlaps}");

    // Every mail once; a copy more only for a mail a kill interrupted.
    let rows = outbox();
    let mut ids: HashMap<String, usize> = HashMap::new();
    for raw in smtp.received() {
        let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
        *ids.entry(message.message_id().unwrap_or("").to_string())
            .or_default() += 1;
    }
    let copies: usize = ids.values().map(|n| n - 1).sum();
    eprintln!(
        "mails queued: {}, received: {}, duplicates: {copies}",
        rows.len(),
        ids.values().sum::<usize>()
    );
    assert_eq!(ids.len(), rows.len(), "each queued mail arrived");
    assert!(copies <= KILLS, "{copies} duplicates");
    assert!(rows.len() >= 2, "alerts were mailed: {}", rows.len());
    drop(server);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_daemon_is_unhealthy_while_its_database_is_down_and_goes_on_after() {
    let feeds = crate::helpers::lumora_server().await;
    let dir = tempfile::tempdir().unwrap();
    let server = Postgres::start(dir.path());
    let mut config = format!(
        "[storage]\nurl = \"{}\"\n\n[status]\nlisten = \"127.0.0.1:0\"\n\n[[brand]]\nname = \"Lumora\"\nqueries = [\"Lumora\"]\n",
        server.url()
    );
    for (name, url) in crate::helpers::lumora_feeds(&feeds) {
        config.push_str(&format!("\n[[feed]]\nname = \"{name}\"\nurl = \"{url}\"\n"));
    }
    let path = dir.path().join("vigia.toml");
    std::fs::write(&path, config).unwrap();
    let log = dir.path().join("vigia.log");
    let mut daemon = crate::helpers::daemon_logging_to(&path, &log);
    let port = crate::helpers::status_port(&log);
    let health = || {
        let url = format!("http://127.0.0.1:{port}/healthz");
        async move {
            let response = reqwest::get(url).await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    let until = |code: u16| {
        let (health, log) = (&health, &log);
        async move {
            let began = Instant::now();
            loop {
                let (got, body) = health().await;
                if got == code {
                    return body;
                }
                if began.elapsed() > Duration::from_secs(60) {
                    let said = std::fs::read_to_string(log).unwrap_or_default();
                    panic!("{got}: {body}\ndaemon log:\n{said}");
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    };
    until(200).await;
    server.halt();
    let down = until(503).await;
    assert!(down.contains("store"), "{down}");
    server.resume();
    let up = until(200).await;
    assert!(up.starts_with("ok"), "{up}");
    // The commands reach the same database again, and the daemon stops
    // cleanly.
    let status = vigia_cmd(&path).args(["feeds", "status"]).output().unwrap();
    let table = String::from_utf8_lossy(&status.stdout);
    assert!(
        table.contains("POLLED BY") && table.contains("tech"),
        "{table}"
    );
    sigterm(&daemon.0);
    assert!(wait_exit(&mut daemon.0, Duration::from_secs(30)).success());
}
