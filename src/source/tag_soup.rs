//! The items of a feed a strict XML parser refused (an unescaped `&`, a
//! tag left open, a document cut short), read as tag soup by html5ever,
//! which recovers from anything: each `<item>` or `<entry>` with its
//! title, link, id, text and date. What a well-formed feed would give is
//! given; what cannot be told is left out, never made up.

use chrono::{DateTime, Utc};
use ego_tree::NodeRef;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use super::RawItem;

/// The items of `text`, resolved against `base`.
pub fn items(text: &str, base: &Url) -> Vec<RawItem> {
    let text = closed_items(&cdata_as_text(text));
    let document = Html::parse_document(&crate::text::nesting::shallow(&text));
    let Ok(entries) = Selector::parse("item, entry") else {
        return Vec::new();
    };
    document
        .select(&entries)
        .map(|entry| item(entry, base))
        .filter(|i| i.title.is_some() || i.url.is_some() || i.summary.is_some())
        .collect()
}

fn item(entry: ElementRef<'_>, base: &Url) -> RawItem {
    let text = |names: &[&str]| {
        names
            .iter()
            .find_map(|name| child(entry, name).map(|c| own_text(*c)))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
    };
    RawItem {
        guid: text(&["guid", "id"]),
        url: link(entry).and_then(|l| base.join(l.trim()).ok().map(String::from)),
        title: text(&["title"]),
        summary: text(&["description", "summary"]),
        content: text(&["content:encoded", "content"]),
        published: text(&["pubdate", "published", "updated", "dc:date"]).and_then(|d| date(&d)),
        origin: text(&["author", "dc:creator"]),
        ..RawItem::default()
    }
}

/// The first child element of `entry` named `name` (html5ever keeps the
/// prefix of `content:encoded` in the name).
fn child<'a>(entry: ElementRef<'a>, name: &str) -> Option<ElementRef<'a>> {
    entry
        .children()
        .filter_map(ElementRef::wrap)
        .find(|c| c.value().name() == name)
}

/// Most bytes of one field: a field left open swallows the items after
/// it, and each must not copy them all.
const FIELD_BYTES: usize = 100_000;

/// The text inside an element (its markup, escaped in the feed, is text),
/// up to [`FIELD_BYTES`] and never into a following item that an unclosed
/// field swallowed.
fn own_text(node: NodeRef<'_, Node>) -> String {
    let mut out = String::new();
    for edge in node.traverse() {
        let ego_tree::iter::Edge::Open(d) = edge else {
            continue;
        };
        match d.value() {
            Node::Element(e) if d.id() != node.id() && matches!(e.name(), "item" | "entry") => {
                break;
            }
            Node::Text(t) => {
                let room = FIELD_BYTES.saturating_sub(out.len());
                if room == 0 {
                    break;
                }
                let mut cut = t.len().min(room);
                while !t.is_char_boundary(cut) {
                    cut -= 1;
                }
                out.push_str(&t[..cut]);
            }
            _ => {}
        }
    }
    out
}

/// An entry's link: Atom's `href` (the alternate one first), else RSS's
/// `<link>` text, which html5ever, taking `<link>` for HTML's empty
/// element, puts just after it.
fn link(entry: ElementRef<'_>) -> Option<String> {
    let links: Vec<ElementRef<'_>> = entry
        .children()
        .filter_map(ElementRef::wrap)
        .filter(|c| c.value().name() == "link")
        .collect();
    let href = links
        .iter()
        .filter(|l| l.value().attr("rel").is_none_or(|r| r == "alternate"))
        .find_map(|l| l.value().attr("href"));
    if let Some(href) = href {
        return Some(href.to_string());
    }
    links.iter().find_map(|l| {
        let inside = own_text(**l);
        if !inside.trim().is_empty() {
            return Some(inside);
        }
        match l.next_sibling()?.value() {
            Node::Text(t) if !t.trim().is_empty() => Some(t.to_string()),
            _ => None,
        }
    })
}

/// A feed date: RFC 2822 (RSS) or RFC 3339 (Atom).
fn date(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(text.trim())
        .or_else(|_| DateTime::parse_from_rfc3339(text.trim()))
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// `text` with each `<item>` or `<entry>` closed where the next one
/// starts: items never nest, and one left open (with a field left open
/// inside it) would otherwise hold all that follow.
fn closed_items(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut open: Option<&str> = None;
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let tag = |name: &str| {
            rest.get(1..)
                .and_then(|r| r.strip_prefix(name))
                .is_some_and(|r| r.starts_with(|c: char| c == '>' || c.is_whitespace()))
        };
        for name in ["item", "entry"] {
            if tag(name) {
                if let Some(previous) = open.replace(name) {
                    out.push_str(&format!("</{previous}>"));
                }
            } else if rest.get(2..).is_some_and(|r| r.starts_with(name)) && rest.starts_with("</") {
                open = None;
            }
        }
        out.push('<');
        rest = &rest[1..];
    }
    out.push_str(rest);
    out
}

/// `text` with each CDATA section written as escaped text: HTML has no
/// CDATA, and would drop its content as a comment.
fn cdata_as_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<![CDATA[") {
        out.push_str(&rest[..start]);
        let inside = &rest[start + 9..];
        let end = inside.find("]]>").unwrap_or(inside.len());
        out.push_str(
            &inside[..end]
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
        );
        rest = inside.get(end + 3..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_feed_gives_the_items_it_holds() {
        let base = Url::parse("https://news.example/feed").unwrap();
        // An unescaped ampersand, a CDATA text, an item cut short.
        let text = r#"<rss version="2.0"><channel><title>Tom & Jerry's</title>
<item><title>Lumora & friends</title><link>https://news.example/1</link>
<guid>n1</guid><pubDate>Mon, 30 Nov 2026 10:00:00 +0000</pubDate>
<description><![CDATA[<p>Lumora lamps <b>cheap</b> & bright</p>]]></description></item>
<item><title>Lumora recall</title><link>/2</link><description>Recalled &amp; replaced"#;
        let items = items(text, &base);
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].title.as_deref(), Some("Lumora & friends"));
        assert_eq!(items[0].url.as_deref(), Some("https://news.example/1"));
        assert_eq!(items[0].guid.as_deref(), Some("n1"));
        assert_eq!(
            items[0].summary.as_deref(),
            Some("<p>Lumora lamps <b>cheap</b> & bright</p>")
        );
        assert!(items[0].published.is_some());
        assert_eq!(items[1].url.as_deref(), Some("https://news.example/2"));
        assert_eq!(items[1].summary.as_deref(), Some("Recalled & replaced"));
    }

    #[test]
    fn atom_entries_keep_their_alternate_link() {
        let base = Url::parse("https://blog.example/").unwrap();
        let text = r#"<feed><entry><title>Lumora & co</title><link rel="self" href="/self"/>
<link rel="alternate" href="/post"/><id>tag:1</id><updated>2026-11-30T10:00:00Z</updated>
<summary>Lumora <unclosed></summary></entry></feed>"#;
        let items = items(text, &base);
        assert_eq!(items[0].url.as_deref(), Some("https://blog.example/post"));
        assert_eq!(items[0].guid.as_deref(), Some("tag:1"));
        assert!(items[0].published.is_some());
    }
}
