//! The repairs, on feeds written for each way real feeds fail
//! (`tests/fixtures/feeds/liberal/`), read through the feed source's own
//! parser.

use url::Url;

use super::{decoded, prepare, valid_xml_chars};
use crate::source::rss::parse;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/feeds/liberal/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Titles and texts of the items of fixture `name` served as
/// `content_type`, and the repairs said.
fn read(name: &str, content_type: Option<&str>) -> (Vec<(String, String)>, Vec<String>) {
    let base = Url::parse("https://news.example/feed").unwrap();
    let read =
        parse(&fixture(name), (content_type, &base)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let items = read
        .items
        .into_iter()
        .map(|i| {
            let text = i.content.or(i.summary).unwrap_or_default();
            (i.title.unwrap_or_default(), text)
        })
        .collect();
    (items, read.repairs)
}

#[test]
fn every_failure_class_is_read_with_the_right_characters() {
    let two = [
        (
            "Lumora lança a Halo Mini",
            "A Lumora lançou a lâmpada Halo Mini.",
        ),
        ("Lumora recalls bulbs", "Lumora recalls 12,000 bulbs."),
    ];
    for (name, said) in [
        ("rss-no-version.xml", Some("without a version")),
        ("rss-no-channel.xml", Some("without a <channel>")),
        ("utf16le-bom.xml", None),
        ("utf16be-no-bom.xml", None),
        ("utf32be-bom.xml", None),
    ] {
        let (items, repairs) = read(name, None);
        let got: Vec<(&str, &str)> = items
            .iter()
            .map(|(t, d)| (t.as_str(), d.as_str()))
            .collect();
        assert_eq!(got, two, "{name}");
        match said {
            Some(said) => assert!(
                repairs.iter().any(|r| r.contains(said)),
                "{name}: {repairs:?}"
            ),
            None => assert!(repairs.is_empty(), "{name}: {repairs:?}"),
        }
    }
}

#[test]
fn windows_1252_is_read_as_such_whatever_it_is_called() {
    // Declared ISO-8859-1, written in windows-1252: the quote is a quote.
    let (items, _) = read("cp1252-as-latin1.xml", None);
    assert_eq!(items[0].0, "Lumora: don’t buy the Halo");
    assert_eq!(items[0].1, "Lumora lamps – café lights");
    // No declaration: the HTTP charset says it.
    let served = Some("application/rss+xml; charset=windows-1252");
    let (items, _) = read("cp1252-no-declaration.xml", served);
    assert_eq!(items[0].0, "Lumora: promoção de Natal");
    // Nor that: the bytes are not UTF-8, and the detector knows them.
    let (guessed, _) = read("cp1252-no-declaration.xml", None);
    assert_eq!(guessed, items);
}

#[test]
fn a_bad_byte_or_a_nul_costs_a_character_not_the_feed() {
    let (items, repairs) = read("invalid-utf8.xml", None);
    assert_eq!(items.len(), 3);
    assert_eq!(items[2].1, "Broken byte here: \u{FFFD} end");
    assert!(
        repairs
            .iter()
            .any(|r| r.contains("1 byte sequence") && r.contains("line 2, column")),
        "{repairs:?}"
    );
    let (items, repairs) = read("nul-in-title.xml", None);
    assert_eq!(items[0].0, "Lumora outage today");
    assert!(repairs.iter().any(|r| r.contains("removed")), "{repairs:?}");
    // A forbidden reference inside an unfinished one does not rebuild a
    // forbidden one when it goes: the rest is text.
    for (dirty, clean) in [
        ("a&#&#0;0;b", "a&amp;#0;b"),
        ("a&#x&#0;1B;b", "a&amp;#x1B;b"),
        ("a&#&#&#0;0;0;b", "a&#&amp;#0;0;b"),
        ("a&amp;&#0;b", "a&amp;b"),
        // A raw forbidden character as the wedge, multibyte text before,
        // leading zeros.
        ("a&#\u{0}1;b", "a&amp;#1;b"),
        ("€€€€&#&#0;1;", "€€€€&amp;#1;"),
        ("a&#0000000000001;b", "ab"),
        ("a&#x0000000000041;b", "a&#x0000000000041;b"),
    ] {
        assert_eq!(valid_xml_chars(dirty).0, clean, "{dirty}");
    }
}

#[test]
fn utf_16_without_a_mark_or_a_declaration_is_read() {
    let xml = "\n<rss><channel><item><title>Lumora é boa</title></item></channel></rss>";
    for big_endian in [false, true] {
        let body: Vec<u8> = xml
            .encode_utf16()
            .flat_map(|u| {
                if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect();
        let (text, name) = decoded(&body, None);
        assert_eq!(text, xml, "{name}");
    }
    // Nor is an ASCII feed taken for UTF-16.
    assert_eq!(decoded(b"<rss/>", None).1, "UTF-8");
}

#[test]
fn atom_0_3_is_read_as_atom() {
    let (items, repairs) = read("atom-0.3.xml", None);
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].0, "Lumora Halo Mini review");
    assert!(
        items[1].1.contains("Lumora support answered in a day."),
        "{items:?}"
    );
    assert_eq!(repairs, ["Atom 0.3 read as Atom 1.0"]);
}

#[test]
fn a_sound_feed_is_left_as_it_is() {
    let body = br#"<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title></channel></rss>"#;
    let prepared = prepare(body, Some("text/xml; charset=utf-8"));
    assert!(prepared.repairs.is_empty());
    assert!(prepared.text.starts_with("<rss version=\"2.0\">"));
}

#[test]
fn what_is_no_feed_says_what_it_is() {
    let base = Url::parse("https://news.example/").unwrap();
    for (body, said) in [
        (
            &b"<!DOCTYPE html><html><body>hi</body></html>"[..],
            "an HTML page (root element <html>)",
        ),
        (b"  ", "the body is empty"),
        (
            b"<?xml version=\"1.0\"?><sitemap/>",
            "root element is <sitemap>",
        ),
    ] {
        let error = parse(body, (None, &base)).unwrap_err().to_string();
        assert!(error.contains(said), "{error}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    /// Arbitrary bytes, served with any charset, never panic the reader.
    #[test]
    fn arbitrary_bytes_never_panic(
        raw in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4096),
        charset in proptest::sample::select(vec![None, Some("utf-8"), Some("windows-1252"), Some("utf-16"), Some("x-bogus")]),
    ) {
        let base = Url::parse("https://news.example/").unwrap();
        let content_type = charset.map(|c| format!("text/xml; charset={c}"));
        let _ = parse(&raw, (content_type.as_deref(), &base));
    }

    /// Nor do the fixtures cut short, with bytes overwritten; and what is
    /// read is text a strict parser took.
    #[test]
    fn damaged_feeds_never_panic(
        which in 0usize..10,
        cut in 0.0f64..1.0,
        flips in proptest::collection::vec((0.0f64..1.0, proptest::prelude::any::<u8>()), 0..32),
    ) {
        let names = [
            "rss-no-version.xml", "rss-no-channel.xml", "utf16le-bom.xml", "utf16be-no-bom.xml",
            "utf32be-bom.xml", "cp1252-as-latin1.xml", "cp1252-no-declaration.xml",
            "invalid-utf8.xml", "nul-in-title.xml", "atom-0.3.xml",
        ];
        let mut raw = fixture(names[which]);
        raw.truncate((raw.len() as f64 * cut) as usize);
        let len = raw.len();
        for (at, byte) in flips {
            if len > 0 {
                raw[((len - 1) as f64 * at) as usize] = byte;
            }
        }
        let prepared = prepare(&raw, None);
        proptest::prop_assert!(prepared.text.chars().all(super::allowed));
        let base = Url::parse("https://news.example/").unwrap();
        let _ = parse(&raw, (None, &base));
    }

    /// HTML to text takes any string, markup or not.
    #[test]
    fn html_to_text_never_panics(html in "(<[a-z/!?]{0,3}[^<>]{0,8}>?|[^<]{0,12}|&#?[a-z0-9]{0,6};?){0,64}") {
        let _ = crate::text::normalize::html_to_text(&html);
    }
}

#[test]
fn a_label_the_bytes_belie_is_not_taken() {
    let base = Url::parse("https://news.example/").unwrap();
    // Declared UTF-16, written in ASCII: read as what it is.
    let body = br#"<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><title>T</title><item><title>Lumora news</title></item></channel></rss>"#;
    let read = parse(body, (Some("text/xml; charset=utf-16"), &base)).unwrap();
    assert_eq!(read.items[0].title.as_deref(), Some("Lumora news"));
    // Atom 0.3's namespace in an RSS feed's text changes nothing.
    let body = br#"<rss version="2.0"><channel><title>T</title><copyright>c</copyright><item><title>About http://purl.org/atom/ns# and Lumora</title></item></channel></rss>"#;
    let prepared = prepare(body, None);
    assert!(prepared.repairs.is_empty(), "{:?}", prepared.repairs);
    assert!(prepared.text.contains("<copyright>"));
}

#[test]
fn fields_left_open_do_not_swallow_the_items_after_them() {
    let base = Url::parse("https://news.example/").unwrap();
    let items: String = (0..200)
        .map(|i| format!("<item><title>Lumora {i}</title><description>text {i} & more"))
        .collect();
    let body = format!("<rss version=\"2.0\"><channel><title>T</title>{items}");
    let read = parse(body.as_bytes(), (None, &base)).unwrap();
    assert_eq!(read.items.len(), 200);
    for (i, item) in read.items.iter().enumerate() {
        assert_eq!(item.title.as_deref(), Some(format!("Lumora {i}").as_str()));
        let summary = item.summary.as_deref().unwrap_or_default();
        assert!(!summary.contains("Lumora"), "{i}: {summary}");
    }
}
