use chrono::{TimeZone, Utc};

use super::extract::{decode, list, whole};
use super::*;
use crate::source::dates::{parse_date, DateFormat};
use chrono_tz::Tz;

fn sel(text: &str) -> Selection {
    Selection::parse(text).unwrap()
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

fn rules(item: &str) -> ListRules {
    ListRules {
        item: sel(item),
        title: None,
        link: None,
        text: None,
        date: None,
        dates: DateFormat::default(),
        next: None,
        max_pages: 1,
    }
}

#[test]
fn selections_take_an_optional_attribute() {
    let s = sel("time.posted@datetime");
    assert_eq!(s.attr.as_deref(), Some("datetime"));
    assert_eq!(sel("a.more").attr, None);
    // An `@` inside an attribute selector is CSS, not an attribute name.
    assert_eq!(sel(r#"a[href^="mailto:x@y"]"#).attr, None);
    assert!(matches!(
        Selection::parse("div["),
        Err(SelectionError::Invalid { text, .. }) if text == "div["
    ));
    assert!(matches!(Selection::parse("  "), Err(SelectionError::Empty)));
    assert!(matches!(
        Selection::parse("@href"),
        Err(SelectionError::Empty)
    ));
}

#[test]
fn list_items_with_relative_links_dates_and_base() {
    let html = r#"<html><head><base href="/forum/"></head><body>
      <ul>
        <li class="t"><h3><a href="t/1-lumora-late">Lumora order late</a></h3>
            <time datetime="2026-11-20T10:00:00Z">yesterday</time><p>Still waiting.</p></li>
        <li class="t"><h3><a href="https://other.example/x?a=1">Second</a></h3>
            <time datetime="2026-11-21">today</time><p>Text <b>two</b>.</p><span class="ad">BUY</span></li>
        <li class="t"><h3>No link here</h3><p>Lumora lamp fine.</p></li>
      </ul><a rel="next" href="?page=2">next</a></body></html>"#;
    let mut r = rules("li.t");
    r.title = Some(sel("h3"));
    r.text = Some(sel("p"));
    r.date = Some(sel("time"));
    r.next = Some(sel("a[rel=next]"));
    let page = list(html, &url("https://f.example/x/list"), &r, &[sel(".ad")]);
    assert_eq!(page.items.len(), 3, "{page:?}");
    assert_eq!(page.items[0].title.as_deref(), Some("Lumora order late"));
    assert_eq!(
        page.items[0].link.as_ref().map(Url::as_str),
        Some("https://f.example/forum/t/1-lumora-late"),
        "relative to <base>"
    );
    assert_eq!(
        page.items[0].published,
        Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).single()
    );
    assert_eq!(page.items[1].text, "Text two.");
    assert_eq!(page.items[2].link, None);
    assert_eq!(
        page.next.as_ref().map(Url::as_str),
        Some("https://f.example/forum/?page=2")
    );
    assert!(page.warnings.is_empty(), "{:?}", page.warnings);

    // A linkless item is an excerpt of the page, keyed by its text.
    let page_url = url("https://f.example/x/list");
    let raw = page.items[2].clone().into_raw(&page_url);
    assert!(raw.excerpt);
    assert_eq!(raw.url.as_deref(), Some("https://f.example/x/list"));
    assert!(raw
        .guid
        .is_some_and(|g| g.starts_with("https://f.example/x/list#")));
    assert!(!page.items[0].clone().into_raw(&page_url).excerpt);
}

#[test]
fn layout_changes_are_warnings() {
    let mut r = rules("article.review");
    r.title = Some(sel("h2"));
    let base = url("https://r.example/");
    let gone = list("<div class=new-layout><h2>x</h2></div>", &base, &r, &[]);
    assert!(gone.items.is_empty());
    assert_eq!(gone.warnings.len(), 1, "{:?}", gone.warnings);
    assert!(gone.warnings[0].contains("\"article.review\" matched nothing"));

    let renamed = list(
        "<article class=review><h3>Title moved</h3><p>Body</p></article>",
        &base,
        &r,
        &[],
    );
    assert_eq!(renamed.items.len(), 1);
    assert!(
        renamed.warnings[0].contains("title selector \"h2\" matched in none of the 1 items"),
        "{:?}",
        renamed.warnings
    );
}

#[test]
fn dates_in_formats_and_zones() {
    let sp = DateFormat {
        format: Some("%d/%m/%Y às %H:%M".into()),
        timezone: chrono_tz::America::Sao_Paulo,
    };
    assert_eq!(
        parse_date("12/03/2026 às 14:35", &sp),
        Utc.with_ymd_and_hms(2026, 3, 12, 17, 35, 0).single()
    );
    let pt = DateFormat {
        format: Some("%d de %B de %Y".into()),
        timezone: Tz::UTC,
    };
    assert_eq!(
        parse_date("5 de Março de 2026", &pt),
        Utc.with_ymd_and_hms(2026, 3, 5, 0, 0, 0).single()
    );
    let short = DateFormat {
        format: Some("%d %b %Y".into()),
        timezone: Tz::UTC,
    };
    assert_eq!(
        parse_date("5 dez. 2026", &short),
        parse_date("5 Dec 2026", &short)
    );
    let iso = DateFormat::default();
    assert_eq!(
        parse_date("2026-11-20T10:00:00-03:00", &iso),
        Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).single()
    );
    assert_eq!(
        parse_date("Fri, 20 Nov 2026 10:00:00 GMT", &iso),
        Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).single()
    );
    assert_eq!(
        parse_date("2026-11-20", &iso),
        Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).single()
    );
    assert_eq!(parse_date("ontem", &iso), None);
    assert_eq!(parse_date("31/02/2026 às 10:00", &sp), None);
}

#[test]
fn unparsed_dates_are_reported_once() {
    let mut r = rules("li");
    r.date = Some(sel("span"));
    r.dates.format = Some("%d/%m/%Y".into());
    let page = list(
        "<ul><li>a<span>ontem</span></li><li>b<span>hoje</span></li><li>c<span>01/02/2026</span></li></ul>",
        &url("https://x.example/"),
        &r,
        &[],
    );
    assert_eq!(page.items.len(), 3);
    assert_eq!(page.warnings.len(), 1, "{:?}", page.warnings);
    assert!(page.warnings[0].starts_with("2 dates did not parse, e.g. \"ontem\""));
}

#[test]
fn whole_pages_give_paragraphs_minus_excluded_parts() {
    let html = "<html><head><title>News</title></head><body><nav>Home | About</nav>\
        <main><h1>Launch</h1><p>Lumora launched a lamp.</p><p>It is <i>bright</i>.</p>\
        <p>Lumora launched a lamp.</p><div class=visits>4,211 visits</div></main></body></html>";
    let page = whole(html, Some(&sel("main")), &[sel(".visits")]);
    assert_eq!(
        page.paragraphs,
        ["Launch", "Lumora launched a lamp.", "It is bright."]
    );
    assert_eq!(page.title.as_deref(), Some("News"));
    assert!(page.warnings.is_empty());
    let all = whole(html, None, &[]);
    assert!(all.paragraphs.contains(&"Home | About".to_string()));
    let moved = whole(html, Some(&sel("#content")), &[]);
    assert!(moved.paragraphs.is_empty());
    assert!(moved.warnings[0].contains("\"#content\" matched nothing"));
}

#[test]
fn decodes_the_declared_charset() {
    let latin1 = b"<p>Reclama\xe7\xe3o da Lumora</p>";
    assert_eq!(
        decode(latin1, Some("text/html; charset=ISO-8859-1")),
        "<p>Reclamação da Lumora</p>"
    );
    let mut meta = b"<html><head><meta charset=\"windows-1252\"></head>".to_vec();
    meta.extend_from_slice(b"<p>\x93aspas\x94</p>");
    assert!(decode(&meta, None).contains("\u{201c}aspas\u{201d}"));
    assert_eq!(decode("já".as_bytes(), None), "já");
    // A byte-order mark wins over a wrong declaration.
    assert_eq!(
        decode(b"\xef\xbb\xbfj\xc3\xa1", Some("text/html; charset=latin1")),
        "já"
    );
}

#[test]
fn only_pages_are_read() {
    for ok in [
        "text/html; charset=utf-8",
        "application/xhtml+xml",
        "text/plain",
    ] {
        assert!(check_html(Some(ok.into())).is_ok(), "{ok}");
    }
    assert!(check_html(None).is_ok_and(|ct| ct.is_none()));
    let pdf = check_html(Some("application/pdf".into())).map_err(|e| e.to_string());
    assert_eq!(
        pdf,
        Err("not a web page: the server sent application/pdf".into())
    );
}
