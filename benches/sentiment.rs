//! English VADER throughput on one core: texts/s over a file of texts.
//! Run with `cargo bench --bench sentiment`, or with
//! `VIGIA_BENCH_TEXTS=FILE cargo bench --bench sentiment` for other texts.

// criterion_group! and criterion_main! generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// One text per line: `$VIGIA_BENCH_TEXTS` when set (the README's figures
/// use VADER's ground-truth texts, as `scripts/bench-sentiment.sh` writes
/// them), else the feed items of the repository's own corpus.
fn texts() -> Vec<String> {
    let path = std::env::var_os("VIGIA_BENCH_TEXTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus/items.txt")
        });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn bench(c: &mut Criterion) {
    let texts = texts();
    let vader = vigia::sentiment::english();
    let mut group = c.benchmark_group("vader-en");
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function(format!("{} texts", texts.len()), |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| vader.polarity_scores(black_box(t)).compound)
                .sum::<f64>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
