//! Web page reading on one core: pages/s and MB/s for a list page (a
//! forum's topic list, 4 and 200 topics) and a whole page diffed into
//! paragraphs; and HTML to text of hostile markup nested 25,000 and
//! 100,000 deep, which must grow with its size, not its square. Run with
//! `cargo bench --bench web`.

// criterion_group! and criterion_main! generate undocumented functions.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use url::Url;
use vigia::source::dates::DateFormat;
use vigia::source::web::extract::{decode, list, whole};
use vigia::source::web::{ListRules, Selection};

fn read(rel: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn sel(text: &str) -> Selection {
    Selection::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

fn bench(c: &mut Criterion) {
    let forum = String::from_utf8(read("tests/fixtures/pages/forum-page1.html"))
        .unwrap_or_else(|e| panic!("{e}"));
    // The same table body 50 times over: a long list page.
    let rows = &forum[forum.find("<tbody>").unwrap_or(0)..forum.find("</tbody>").unwrap_or(0)];
    let long = forum.replacen(rows, &rows.repeat(50), 1);
    let rules = ListRules {
        item: sel("tr.topic-list-item"),
        title: Some(sel("a.title")),
        link: None,
        text: Some(sel(".excerpt")),
        date: Some(sel("time")),
        dates: DateFormat::default(),
        next: Some(sel("a[rel=next]")),
        max_pages: 5,
    };
    let base = Url::parse("https://forum.example/c/lighting").unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group("web");
    for (name, page, items) in [("list_4_items", &forum, 4), ("list_200_items", &long, 200)] {
        group.throughput(Throughput::Bytes(page.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let out = list(black_box(page), &base, &rules, &[]);
                assert_eq!(out.items.len(), items);
                out
            })
        });
    }
    let news = read("config/pages/newsroom.html");
    group.throughput(Throughput::Bytes(news.len() as u64));
    group.bench_function("whole_page", |b| {
        let (select, exclude) = (sel("main"), [sel(".counter")]);
        b.iter(|| whole(&decode(black_box(&news), None), Some(&select), &exclude))
    });
    let reviews = read("config/pages/reviews-cp1252.html");
    group.throughput(Throughput::Bytes(reviews.len() as u64));
    group.bench_function("decode_windows_1252", |b| {
        b.iter(|| decode(black_box(&reviews), Some("text/html; charset=windows-1252")))
    });
    for depth in [25_000, 100_000] {
        let nested = format!(
            "{}<p>Lumora</p>{}",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        // `<div/>` opens a div in HTML; `</x>` closes nothing.
        let self_closed = "<div/>x".repeat(depth);
        let stray = "<div></x>y".repeat(depth);
        for (name, html) in [
            ("nested", &nested),
            ("self_closed", &self_closed),
            ("stray_end", &stray),
        ] {
            group.throughput(Throughput::Bytes(html.len() as u64));
            group.bench_function(format!("html_to_text_{name}_{depth}"), |b| {
                b.iter(|| vigia::text::normalize::html_to_text(black_box(html)))
            });
        }
    }
    // A '<' with no '>', and '&#' with no ';', a megabyte of each.
    for (name, text) in [
        ("lone_lt", "< ".repeat(500_000)),
        ("amp_hash", "&#".repeat(500_000)),
    ] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("feed_text_{name}_1mb"), |b| {
            b.iter(|| vigia::source::feed_text::prepare(black_box(text.as_bytes()), None))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
