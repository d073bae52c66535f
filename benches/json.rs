//! Reading a JSON API page on one core: a Reddit search page of 100 posts
//! and a Hacker News page of 100 hits, each read as the provider's
//! `[[search]]` reads it (items, fields, templates, dates), against the
//! floor: parsing the same bytes into a `serde_json::Value` and nothing
//! else. Run with `cargo bench --bench json`.

// criterion_group! and criterion_main! generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use url::Url;
use vigia::query::Query;
use vigia::source::json::JsonSpec;
use vigia::source::search::{Plan, Provider, SearchSpec};

fn read(rel: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}"))
}

/// `doc` with the array at `pointer` grown to `n` elements, each a copy
/// of the ones there with its id made unique.
fn grown(mut doc: Value, pointer: &str, n: usize) -> Vec<u8> {
    let list = doc
        .pointer_mut(pointer)
        .and_then(Value::as_array_mut)
        .unwrap_or_else(|| panic!("no array at {pointer}"));
    let seed = list.clone();
    list.clear();
    for i in 0..n {
        let mut item = seed[i % seed.len()].clone();
        let text = item.to_string().replace("Lumora", &format!("Lumora {i}"));
        item = serde_json::from_str(&text).unwrap_or(item);
        list.push(item);
    }
    doc.to_string().into_bytes()
}

fn spec(provider: Provider) -> JsonSpec {
    let search = SearchSpec {
        id: "bench".into(),
        provider,
        query: Query::parse("lumora").unwrap_or_else(|e| panic!("{e}")),
        options: Default::default(),
        interval: Duration::from_secs(600),
        max_pages: 1,
    };
    match search.plan().map(|s| s.plan) {
        Ok(Plan::Json(spec)) => *spec,
        _ => panic!("{provider:?} reads JSON"),
    }
}

fn bench(c: &mut Criterion) {
    let pages = [
        (
            "reddit, 100 posts",
            Provider::Reddit,
            grown(
                read("tests/fixtures/search/reddit-page1.json"),
                "/data/children",
                100,
            ),
        ),
        (
            "hacker-news, 100 hits",
            Provider::HackerNews,
            grown(read("tests/fixtures/search/hn-page0.json"), "/hits", 100),
        ),
    ];
    let base = Url::parse("https://www.reddit.com/search.json").unwrap_or_else(|e| panic!("{e}"));
    let now = chrono::Utc::now();
    let mut group = c.benchmark_group("json page");
    for (name, provider, body) in &pages {
        let spec = spec(*provider);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(format!("{name}: parse only (floor)"), |b| {
            b.iter(|| black_box(serde_json::from_slice::<Value>(black_box(body)).ok()))
        });
        group.bench_function(format!("{name}: read as a search"), |b| {
            b.iter(|| {
                let doc: Value = serde_json::from_slice(black_box(body)).unwrap_or_default();
                black_box(
                    spec.read_page(&doc, &base, now)
                        .map(|(items, _)| items.len()),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
