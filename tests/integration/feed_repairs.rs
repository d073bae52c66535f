//! Feeds as real publishers send them, over HTTP: the charset only in the
//! `Content-Type`, an invalid byte. Read with the right characters; the
//! repair is a warning in the source's state, not a failure.

use crate::helpers::{fixture, report, setup, FeedServer, Reply};

/// Feeds real publishers send broken: windows-1252 whose charset only the
/// HTTP header names, and a feed with an invalid byte. Both are read,
/// with the right characters; the repair is a warning, not a failure.
#[tokio::test]
async fn a_charset_in_the_header_and_a_bad_byte_are_read_with_a_warning() {
    let server = FeedServer::start().await;
    server.set(
        "/promo.xml",
        Reply::Page(
            fixture("tests/fixtures/feeds/liberal/cp1252-no-declaration.xml"),
            "application/rss+xml; charset=windows-1252",
        ),
    );
    server.set(
        "/broken.xml",
        Reply::Feed(fixture("tests/fixtures/feeds/liberal/invalid-utf8.xml")),
    );
    let setup = setup(&[
        ("promo", server.url("/promo.xml")),
        ("broken", server.url("/broken.xml")),
    ]);
    let reports = setup.poll(false).await;
    for id in ["promo", "broken"] {
        assert!(report(&reports, id).error.is_none(), "{reports:?}");
    }
    let titles: Vec<String> = setup.mentions().into_iter().map(|m| m.title).collect();
    assert!(
        titles.contains(&"Lumora: promoção de Natal".to_string()),
        "{titles:?}"
    );
    assert!(titles.contains(&"Lumora news".to_string()), "{titles:?}");
    assert_eq!(setup.state("promo").warning, None);
    let warning = setup.state("broken").warning.unwrap_or_default();
    assert!(
        warning.contains("invalid in UTF-8 replaced (first at line 2"),
        "{warning}"
    );
}
