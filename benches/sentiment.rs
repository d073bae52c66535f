//! English VADER throughput on one core: texts/s over VADER's ground-truth
//! texts (tweets and Amazon reviews from the shared evaluation data).
//! Run with `cargo bench --bench sentiment`.

// criterion_group! and criterion_main! generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn texts() -> Vec<String> {
    let root = std::env::var_os("VIGIA_SHARED_DATA")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .ancestors()
                .map(|a| a.join("shared/data"))
                .find(|d| d.join("sentiment").is_dir())
        });
    let Some(root) = root else {
        panic!("shared/data is not beside the checkout; set VIGIA_SHARED_DATA")
    };
    let mut out = Vec::new();
    for file in ["tweets.tsv", "amazon.tsv"] {
        let path = root.join("sentiment/en").join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out.extend(
            text.split('\n')
                .skip(1)
                .filter_map(|l| l.splitn(7, '\t').nth(6))
                .map(str::to_string),
        );
    }
    out
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
