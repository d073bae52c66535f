//! The store at scale: storing one new mention (the dedupe decision and
//! the insert) into a store that already holds many mentions of the same
//! brand over the near-duplicate window, alone in its transaction and as
//! one of a batch written together, and the web inbox's reads over
//! it (a team's first page, most severe first; a full-text search). Run
//! with `cargo bench --bench store`; `VIGIA_BENCH_MENTIONS` sets the
//! store's size (default 1,000,000). Each figure is one core's.
//!
//! The store is built once, by bulk SQL, into `target/bench-store/` and
//! reused while its schema and size hold: 1,000,000 mentions take a few
//! minutes to build. Each measured write is rolled back, so the store
//! keeps its size.

// criterion_group! and criterion_main! generate undocumented functions.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use vigia::pipeline::dedupe::title_key;
use vigia::pipeline::{Document, MentionCandidate, Pipeline};
use vigia::query::matcher::{BrandSpec, KeywordMatcher};
use vigia::store::mentions::{self, MentionFilter, Order, Recorded, StatusFilter};
use vigia::store::Store;

/// Words the made-up texts are drawn from.
const WORDS: &[&str] = &[
    "lamp", "bulb", "order", "delivery", "refund", "store", "price", "light", "smart", "app",
    "customer", "service", "review", "launch", "battery", "warranty", "broken", "great", "late",
    "support", "city", "market", "report", "new", "model", "update", "week",
];

/// A made-up text of `n` words, seeded.
fn text(rng: &mut fastrand::Rng, n: usize) -> String {
    (0..n)
        .map(|_| WORDS[rng.usize(..WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

/// How many mentions the store holds: `VIGIA_BENCH_MENTIONS`, else
/// 1,000,000 under `cargo bench` and 10,000 when the test suite runs each
/// bench once (`cargo test --all-targets`), where building a million
/// mentions without optimisations would take most of CI's time.
fn size() -> usize {
    let measuring = std::env::args().any(|a| a == "--bench");
    std::env::var("VIGIA_BENCH_MENTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if measuring { 1_000_000 } else { 10_000 })
}

/// The store of `n` mentions of Lumora, first seen over the last 30 days.
fn store(n: usize) -> Store {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-store");
    std::fs::create_dir_all(&dir).unwrap();
    // Named by what it holds: a store built by an older bench is rebuilt.
    let path = dir.join(format!("{n}-v4.db"));
    let store = Store::open(&path).unwrap();
    let have: usize = store
        .call_blocking(|c| {
            Ok(
                c.query_row("SELECT COUNT(*) FROM mentions", rusqlite::params![], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();
    if have == n {
        return store;
    }
    drop(store);
    for suffix in ["", "-wal", "-shm", "-turn"] {
        let mut name = path.clone().into_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
    eprintln!("building a store of {n} mentions in {}", path.display());
    let store = Store::open(&path).unwrap();
    let now = vigia::store::now();
    store
        .write_blocking(|tx| {
            let mut rng = fastrand::Rng::with_seed(7);
            // Most mentions handled long ago; a few percent open; one in
            // ten notable or worse; three teams.
            let mut mention = tx.prepare(
                "INSERT INTO mentions (brand, url, title, snippet, terms, fingerprint, fp_words,
                     source_id, first_seen_at, sentiment, sentiment_label, text, title_key,
                     severity, status)
                 VALUES ('Lumora', ?1, ?2, ?3, '[\"lumora\"]', ?4, 40, 'feed', ?5, 0.0,
                         'neutral', ?6, ?7, ?8, ?9)
                 RETURNING id",
            )?;
            let mut team =
                tx.prepare("INSERT INTO mention_teams (mention_id, team) VALUES (?1, ?2)")?;
            for i in 0..n {
                let hash = rng.u64(..);
                let at = now - rng.i64(0..30 * 86_400);
                let title = format!("Lumora {} {i}", text(&mut rng, 6));
                let mut body = text(&mut rng, 40);
                // A word one mention in a thousand has, as a search for
                // a product fault finds a few.
                if rng.u32(..1000) == 0 {
                    body.push_str(" overheating");
                }
                let id: i64 = mention.query_row(
                    rusqlite::params![
                        format!("https://news.example/{i}"),
                        title,
                        &body[..body.len().min(120)],
                        hash as i64,
                        at,
                        body,
                        title_key(&title),
                        [
                            "info", "info", "info", "info", "info", "info", "info", "info", "info",
                            "notable", "urgent", "critical"
                        ][rng.usize(..12)],
                        if rng.u32(..100) < 3 {
                            "routed"
                        } else if rng.bool() {
                            "resolved"
                        } else {
                            "ignored"
                        },
                    ],
                    |r| r.get(0),
                )?;
                team.execute(rusqlite::params![
                    id,
                    ["cs", "tech", "marketing"][rng.usize(..3)]
                ])?;
                mentions::buckets::file(tx, "Lumora", id, hash, at)?;
            }
            Ok(())
        })
        .unwrap();
    store
}

fn record(c: &mut Criterion) {
    let n = size();
    let store = store(n);
    let brands = [BrandSpec {
        name: "Lumora".into(),
        queries: vec!["lumora".into()],
    }];
    let pipeline = Pipeline::new(KeywordMatcher::new(&brands).unwrap());
    let mut rng = fastrand::Rng::with_seed(11);
    let mut fresh = move || -> MentionCandidate {
        let i = rng.u64(..);
        let document = Document {
            item_key: format!("new-{i}"),
            url: url::Url::parse(&format!("https://other.example/{i}")).ok(),
            title: format!("Lumora {} {i}", text(&mut rng, 6)),
            text: text(&mut rng, 40),
            published: None,
            origin: None,
            query: None,
            excerpt: false,
            author: None,
            reach: None,
        };
        pipeline.candidates("feed", document).remove(0)
    };
    let mut group = c.benchmark_group("store");
    group.measurement_time(Duration::from_secs(10));
    group.bench_function(format!("record one new mention among {n}"), |b| {
        b.iter_batched(
            &mut fresh,
            |candidate| {
                store
                    .call_blocking(move |c| {
                        // Rolled back when dropped: the store keeps its size.
                        let tx = c.transaction()?;
                        let recorded = mentions::record(&tx, &candidate, vigia::store::now())?;
                        assert!(matches!(recorded, Recorded::New(_)));
                        mentions::index_queued(&tx)?;
                        Ok(black_box(recorded))
                    })
                    .unwrap()
            },
            BatchSize::SmallInput,
        );
    });
    // As the daemon stores them: a poll's writes share a transaction on
    // the store's thread, so a mention pays its own statements and not a
    // transaction or a trip to the thread. Timed per mention.
    group.bench_function(
        format!("record one of {TOGETHER} new mentions written together among {n}"),
        |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let k = left.min(TOGETHER);
                    let batch: Vec<MentionCandidate> = (0..k).map(|_| fresh()).collect();
                    spent += store
                        .call_blocking(move |c| {
                            let tx = c.transaction()?;
                            let start = Instant::now();
                            for candidate in &batch {
                                let now = vigia::store::now();
                                let recorded = mentions::record(&tx, candidate, now)?;
                                assert!(matches!(recorded, Recorded::New(_)));
                            }
                            mentions::index_queued(&tx)?;
                            Ok(start.elapsed())
                        })
                        .unwrap();
                    left -= k;
                }
                spent
            });
        },
    );
    group.finish();
}

/// Mentions recorded in one transaction by the batched bench.
const TOGETHER: u64 = 64;

fn inbox(c: &mut Criterion) {
    let n = size();
    let store = store(n);
    // As the inbox asks: a team's open mentions, most severe first; a
    // search there, or over every status.
    let page = |text: Option<&str>, status: Option<StatusFilter>| MentionFilter {
        text: text.map(str::to_string),
        limit: Some(100),
        order: Order::Severity,
        status,
        visible_to: Some(vec!["cs".to_string()]),
        ..MentionFilter::default()
    };
    let open = Some(StatusFilter::Open);
    let mut group = c.benchmark_group("inbox");
    group.measurement_time(Duration::from_secs(10));
    for (name, filter) in [
        (format!("a team's first page among {n}"), page(None, open)),
        (
            format!("a search for a rare word, every status, among {n}"),
            page(Some("overheating"), None),
        ),
        (
            format!("a search for words in every mention, open ones, among {n}"),
            page(Some("warranty broken"), open),
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let filter = filter.clone();
                let rows = store
                    .call_blocking(move |c| mentions::list(c, &filter))
                    .unwrap();
                assert!(!rows.is_empty());
                black_box(rows)
            });
        });
    }
    group.finish();
}

criterion_group!(benches, record, inbox);
criterion_main!(benches);
