//! What a page says, by its selectors: pure functions from HTML to items
//! or paragraphs, with warnings for selectors that found nothing.

use crate::text::nesting::shallow;
use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use ego_tree::NodeId;
use encoding_rs::{Encoding, UTF_8};
use scraper::{ElementRef, Html, Selector};
use url::Url;
use xxhash_rust::xxh3::xxh3_64;

use super::{ListRules, Selection};
use crate::source::dates::parse_date;
use crate::source::RawItem;
use crate::text::escape::escape;
use crate::text::normalize::element_text;

/// Selectors the extraction itself uses.
static LINK: LazyLock<Option<Selector>> = LazyLock::new(|| Selector::parse("a[href]").ok());
static BASE: LazyLock<Option<Selector>> = LazyLock::new(|| Selector::parse("base[href]").ok());
static TITLE: LazyLock<Option<Selector>> = LazyLock::new(|| Selector::parse("title").ok());

/// Items of one list page.
#[derive(Debug, Default)]
pub struct ListPage {
    /// The items, in page order.
    pub items: Vec<Extracted>,
    /// The next page, when a `next` selector found a link.
    pub next: Option<Url>,
    /// Selectors that matched nothing, dates that did not parse.
    pub warnings: Vec<String>,
}

/// One item of a list page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    /// Title text.
    pub title: Option<String>,
    /// Absolute link.
    pub link: Option<Url>,
    /// Text.
    pub text: String,
    /// The date as the page writes it.
    pub date_text: Option<String>,
    /// The date, when it parsed.
    pub published: Option<DateTime<Utc>>,
}

impl Extracted {
    /// The item for the pipeline. An item without a link of its own is an
    /// excerpt of `page`, keyed by its text.
    pub fn into_raw(self, page: &Url) -> RawItem {
        let (guid, url, excerpt) = match self.link {
            Some(link) => (None, link.to_string(), false),
            None => {
                let key = format!(
                    "{}\n{}",
                    self.title.as_deref().unwrap_or_default(),
                    self.text
                );
                let guid = format!("{page}#{:016x}", xxh3_64(key.as_bytes()));
                (Some(guid), page.to_string(), true)
            }
        };
        RawItem {
            guid,
            url: Some(url),
            title: self.title.as_deref().map(escape),
            content: Some(escape(&self.text)),
            published: self.published,
            excerpt,
            ..RawItem::default()
        }
    }
}

/// The text of a watched page.
#[derive(Debug, Default)]
pub struct WholePage {
    /// Its paragraphs, each once, in page order.
    pub paragraphs: Vec<String>,
    /// The page's `<title>`.
    pub title: Option<String>,
    /// A `select` that matched nothing.
    pub warnings: Vec<String>,
}

/// Text from a body, in the charset the response or the page names
/// (a byte-order mark first, then `Content-Type`, then `<meta>`), UTF-8
/// otherwise. Bytes that do not decode become U+FFFD.
pub fn decode(body: &[u8], content_type: Option<&str>) -> String {
    let declared = content_type
        .and_then(|ct| charset_in(ct.as_bytes()))
        .or_else(|| charset_in(&body[..body.len().min(1024)]))
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .unwrap_or(UTF_8);
    // `decode` lets a byte-order mark override the declared charset.
    let (text, _, _) = declared.decode(body);
    text.into_owned()
}

/// The label after `charset=` in a header value or a `<meta>` tag.
fn charset_in(bytes: &[u8]) -> Option<String> {
    let lower = bytes.to_ascii_lowercase();
    let at = lower.windows(8).position(|w| w == b"charset=")? + 8;
    let label: String = lower[at..]
        .iter()
        .skip_while(|b| matches!(b, b'"' | b'\'' | b' '))
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'))
        .map(|&b| b as char)
        .collect();
    (!label.is_empty()).then_some(label)
}

/// Items of a list page at `page`.
pub fn list(html: &str, page: &Url, rules: &ListRules, exclude: &[Selection]) -> ListPage {
    let doc = Html::parse_document(&shallow(html));
    let base = base_url(&doc, page);
    let excluded = excluded(&doc, exclude);
    let mut out = ListPage::default();
    let items: Vec<ElementRef<'_>> = doc.select(rules.item.selector()).collect();
    let count = items.len();
    if count == 0 {
        out.warnings.push(format!(
            "item selector {:?} matched nothing on {page}: has the page changed its layout?",
            rules.item.text
        ));
    }
    let fields = [&rules.title, &rules.link, &rules.text, &rules.date];
    let mut found = [0usize; 4];
    let mut bad_dates = Vec::new();
    for item in items {
        let pick = |sel: &Option<Selection>| sel.as_ref().and_then(|s| first(item, s.selector()));
        let picked = fields.map(pick);
        for (n, p) in found.iter_mut().zip(&picked) {
            *n += usize::from(p.is_some());
        }
        let [title_el, link_el, text_el, date_el] = picked;
        let title = title_el
            .map(|el| value(el, rules.title.as_ref(), &excluded))
            .filter(|t| !t.is_empty());
        let text = match (&rules.text, text_el) {
            (None, _) => element_text(item, &excluded),
            (Some(sel), Some(el)) => value(el, Some(sel), &excluded),
            (Some(_), None) => String::new(),
        };
        let link = match (&rules.link, link_el) {
            (Some(sel), Some(el)) => href(el, sel.attr.as_deref()),
            (Some(_), None) => None,
            (None, _) => title_el
                .and_then(|el| href(el, None))
                .or_else(|| href(item, None)),
        }
        .and_then(|h| absolute(&base, &h));
        let date_text = date_el
            .map(|el| date_value(el, rules.date.as_ref()))
            .filter(|d| !d.is_empty());
        let published = date_text
            .as_deref()
            .and_then(|d| parse_date(d, &rules.dates));
        if let (Some(d), None) = (&date_text, published) {
            bad_dates.push(d.clone());
        }
        if title.is_none() && text.is_empty() {
            continue;
        }
        out.items.push(Extracted {
            title,
            link,
            text,
            date_text,
            published,
        });
    }
    let names = ["title", "link", "text", "date"];
    for ((name, sel), n) in names.iter().zip(fields).zip(found) {
        if let (Some(sel), 0, true) = (sel, n, count > 0) {
            out.warnings.push(format!(
                "{name} selector {:?} matched in none of the {count} items on {page}",
                sel.text
            ));
        }
    }
    if let Some(example) = bad_dates.first() {
        let expected = rules.dates.format.as_deref().map_or_else(
            || "ISO 8601 or RFC 2822 (set date_format)".to_string(),
            |f| format!("date_format {f:?}"),
        );
        out.warnings.push(format!(
            "{} dates did not parse, e.g. {example:?}: expected {expected}",
            bad_dates.len()
        ));
    }
    out.next = rules
        .next
        .as_ref()
        .and_then(|sel| doc.select(sel.selector()).next().map(|el| (el, sel)))
        .and_then(|(el, sel)| href(el, sel.attr.as_deref()))
        .and_then(|h| absolute(&base, &h));
    out
}

/// The paragraphs of a page, or of the parts `select` picks.
pub fn whole(html: &str, select: Option<&Selection>, exclude: &[Selection]) -> WholePage {
    let doc = Html::parse_document(&shallow(html));
    let excluded = excluded(&doc, exclude);
    let mut out = WholePage::default();
    let roots: Vec<ElementRef<'_>> = match select {
        Some(sel) => doc.select(sel.selector()).collect(),
        None => vec![doc.root_element()],
    };
    if let (Some(sel), true) = (select, roots.is_empty()) {
        out.warnings.push(format!(
            "select selector {:?} matched nothing: has the page changed its layout?",
            sel.text
        ));
    }
    let mut seen = HashSet::new();
    for root in roots {
        for line in element_text(root, &excluded).lines() {
            if seen.insert(line.to_string()) {
                out.paragraphs.push(line.to_string());
            }
        }
    }
    if out.paragraphs.is_empty() && out.warnings.is_empty() {
        out.warnings.push("the page has no text".into());
    }
    out.title = TITLE
        .as_ref()
        .and_then(|s| doc.select(s).next())
        .map(|t| {
            t.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|t| !t.is_empty());
    out
}

/// The document's `<base href>`, resolved against the page's URL.
fn base_url(doc: &Html, page: &Url) -> Url {
    BASE.as_ref()
        .and_then(|s| doc.select(s).next())
        .and_then(|b| b.attr("href"))
        .and_then(|h| page.join(h.trim()).ok())
        .unwrap_or_else(|| page.clone())
}

fn excluded(doc: &Html, exclude: &[Selection]) -> HashSet<NodeId> {
    exclude
        .iter()
        .flat_map(|sel| doc.select(sel.selector()).map(|el| el.id()))
        .collect()
}

/// The item itself when it matches, else its first descendant that does.
fn first<'a>(item: ElementRef<'a>, selector: &Selector) -> Option<ElementRef<'a>> {
    if selector.matches(&item) {
        return Some(item);
    }
    item.select(selector).next()
}

/// An element's text, or the attribute the selection names.
fn value(el: ElementRef<'_>, sel: Option<&Selection>, excluded: &HashSet<NodeId>) -> String {
    match sel.and_then(|s| s.attr.as_deref()) {
        Some(attr) => el.attr(attr).unwrap_or_default().trim().to_string(),
        None => element_text(el, excluded),
    }
}

/// A date's text: the named attribute, else `datetime`, else the text.
fn date_value(el: ElementRef<'_>, sel: Option<&Selection>) -> String {
    let attr = sel.and_then(|s| s.attr.as_deref()).or(Some("datetime"));
    attr.and_then(|a| el.attr(a))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| element_text(el, &HashSet::new()))
}

/// The link an element carries: the named attribute, else its own `href`,
/// else its first descendant's.
fn href(el: ElementRef<'_>, attr: Option<&str>) -> Option<String> {
    if let Some(attr) = attr {
        return el.attr(attr).map(str::to_string);
    }
    el.attr("href").map(str::to_string).or_else(|| {
        el.select(LINK.as_ref()?)
            .next()
            .and_then(|a| a.attr("href"))
            .map(str::to_string)
    })
}

fn absolute(base: &Url, href: &str) -> Option<Url> {
    base.join(href.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https" | "file"))
}
