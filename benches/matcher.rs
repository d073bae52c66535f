//! Normalize + match throughput over real feed items, with 1, 10 and 100
//! brands. Run with `cargo bench --bench matcher`; criterion prints
//! items/s (its "thrpt" line).

// criterion_group! and criterion_main! generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vigia::pipeline::Pipeline;
use vigia::query::matcher::{BrandSpec, KeywordMatcher};
use vigia::source::RawItem;

/// Every item of the real feeds in `tests/fixtures/feeds/real`, HTML and
/// all, plus the Lumora sample feeds so that some items do match.
fn corpus() -> Vec<RawItem> {
    let root = env!("CARGO_MANIFEST_DIR");
    let dirs = [
        format!("{root}/tests/fixtures/feeds/real"),
        format!("{root}/config/feeds"),
    ];
    let mut items = Vec::new();
    for dir in &dirs {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir}: {e}"));
        for path in entries.filter_map(Result::ok).map(|e| e.path()) {
            let Ok(body) = std::fs::read(&path) else {
                continue;
            };
            let Ok(feed) = feed_rs::parser::parse(body.as_slice()) else {
                continue;
            };
            items.extend(feed.entries.into_iter().map(|e| RawItem {
                guid: Some(e.id),
                url: e.links.first().map(|l| l.href.clone()),
                title: e.title.map(|t| t.content),
                summary: e.summary.map(|t| t.content),
                content: e.content.and_then(|c| c.body),
                published: e.published,
                ..RawItem::default()
            }));
        }
    }
    items
}

/// `n` brands: Lumora plus made-up names and a few real words, each with
/// the shapes of query people write (phrases, OR, exclusions).
fn brands(n: usize) -> Vec<BrandSpec> {
    let mut out = vec![BrandSpec {
        name: "Lumora".into(),
        queries: vec![
            r#"Lumora -"job opening""#.into(),
            r#""Halo A19" OR "Halo Mini""#.into(),
        ],
    }];
    let words = [
        "cloudflare",
        "matrix",
        "debian",
        "podcast",
        "release",
        "security",
    ];
    for i in 1..n {
        let word = words[i % words.len()];
        out.push(BrandSpec {
            name: format!("Brand{i}").into(),
            queries: vec![
                format!(r#""brand{i} corp" OR brand{i}app -brand{i}ville"#),
                format!("{word} (brand{i} OR \"b{i} labs\") -spam{i}"),
            ],
        });
    }
    out
}

fn bench(c: &mut Criterion) {
    let items = corpus();
    let mut group = c.benchmark_group("normalize+match");
    group.throughput(Throughput::Elements(items.len() as u64));
    for n in [1, 10, 100] {
        let matcher = KeywordMatcher::new(&brands(n)).unwrap_or_else(|e| panic!("{e}"));
        let pipeline = Pipeline::new(matcher);
        group.bench_function(format!("{n} brands, {} items", items.len()), |b| {
            b.iter(|| {
                let found: usize = items
                    .iter()
                    .map(|i| pipeline.process("bench", black_box(i)).len())
                    .sum();
                black_box(found)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
