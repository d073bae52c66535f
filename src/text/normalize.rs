//! Turns what sources deliver into clean text and canonical URLs.
//!
//! Feed titles and summaries carry HTML, entities and sometimes scripts;
//! links carry tracking parameters and redirect wrappers. Everything
//! downstream (matching, dedupe, email) wants plain text and one URL per
//! article.

use std::collections::HashSet;

use ego_tree::iter::Edge;
use ego_tree::NodeId;
use scraper::{ElementRef, Html, Node};
use url::Url;

/// Elements whose content is never text a person reads.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "object", "svg", "head", "title",
];

/// Elements that end a line of text.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "blockquote",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "aside",
    "dd",
    "dt",
    "hr",
    "figcaption",
];

/// Query parameters that only track the reader.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "mkt_tok",
    // Session identifiers: a new one on every visit, the same page. (Not
    // a bare `sid`: Slashdot-style sites name their stories by it.)
    "sessionid",
    "session_id",
    "jsessionid",
    "phpsessid",
    "aspsessionid",
    "cfid",
    "cftoken",
    "zenid",
    "osCsid",
];

/// Plain text from an HTML fragment (or from text that merely looks like
/// one): entities decoded, scripts and styles dropped, block elements on
/// their own lines, runs of white space collapsed, control characters gone.
///
/// # Examples
///
/// ```
/// use vigia::text::normalize::html_to_text;
/// let html = "<p>Acme &amp; Co<script>alert(1)</script></p><p>2nd&nbsp;line</p>";
/// assert_eq!(html_to_text(html), "Acme & Co\n2nd line");
/// ```
pub fn html_to_text(input: &str) -> String {
    if !input.contains(['<', '&']) {
        return tidy(&unwrap_lines(input));
    }
    let fragment = Html::parse_fragment(&super::nesting::shallow(input));
    element_text(fragment.root_element(), &HashSet::new())
}

/// Plain text of an element, as [`html_to_text`] makes it, leaving out the
/// elements in `excluded` (a page's navigation, ads, counters).
pub fn element_text(root: ElementRef<'_>, excluded: &HashSet<NodeId>) -> String {
    let mut out = String::new();
    // Depth inside skipped elements; counted on the way in and out so the
    // walk stays linear however deep the markup nests.
    let mut skipping = 0usize;
    let skipped = |node: &ego_tree::NodeRef<'_, Node>, e: &scraper::node::Element| {
        SKIPPED.contains(&e.name()) || excluded.contains(&node.id())
    };
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) if skipped(&node, e) => skipping += 1,
                Node::Element(e) if skipping == 0 && BLOCKS.contains(&e.name()) => out.push('\n'),
                // In HTML a line break in text is white space like any other.
                Node::Text(text) if skipping == 0 => {
                    out.extend(
                        text.chars()
                            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
                    )
                }
                _ => {}
            },
            Edge::Close(node) => match node.value() {
                Node::Element(e) if skipped(&node, e) => skipping -= 1,
                Node::Element(e) if skipping == 0 && BLOCKS.contains(&e.name()) => out.push('\n'),
                _ => {}
            },
        }
    }
    tidy(&out)
}

/// Plain text hard-wrapped at some width: single line breaks become
/// spaces, blank lines still separate paragraphs.
fn unwrap_lines(text: &str) -> String {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| p.replace('\n', " "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Collapses white space within lines, drops empty lines and control
/// characters (terminal escapes included).
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut words = line
            .split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|w| !w.is_empty())
            .peekable();
        if words.peek().is_none() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        for (i, word) in words.enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

/// The canonical form of a link, used as the dedupe key and shown to
/// people: redirect wrappers unwrapped, tracking parameters and fragment
/// dropped, host lower-cased (by [`Url`]), default port removed.
/// Relative links resolve against `base`. Returns `None` for anything that
/// is not an http(s) URL after unwrapping.
///
/// # Examples
///
/// ```
/// use vigia::text::normalize::canonical_url;
/// let wrapped = "https://www.google.com/url?rct=j&sa=t&url=https://News.Example.com/a%3Fid%3D7%26utm_source%3Dx&ct=ga";
/// assert_eq!(canonical_url(wrapped, None).unwrap().as_str(), "https://news.example.com/a?id=7");
/// ```
pub fn canonical_url(raw: &str, base: Option<&Url>) -> Option<Url> {
    let raw = raw.trim();
    let mut url = match base {
        Some(base) => base.join(raw).ok()?,
        None => Url::parse(raw).ok()?,
    };
    for _ in 0..4 {
        match unwrap_redirect(&url) {
            Some(inner) => url = inner,
            None => break,
        }
    }
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    url.set_fragment(None);
    strip_session_path(&mut url);
    strip_tracking(&mut url);
    Some(url)
}

/// A Java session id in the path (`/page;jsessionid=ABC`) goes.
fn strip_session_path(url: &mut Url) {
    let path = url.path();
    if let Some(at) = path.to_ascii_lowercase().find(";jsessionid=") {
        let rest = &path[at + 1..];
        let tail = rest.find('/').map_or("", |i| &rest[i..]);
        let cleaned = format!("{}{tail}", &path[..at]);
        url.set_path(&cleaned);
    }
}

/// The target of a known redirect wrapper: Google (`/url?url=` or `q=`),
/// Facebook (`l.php?u=`), Bing News (`apiclick.aspx?url=`), Google News
/// articles, and others of the same shape.
fn unwrap_redirect(url: &Url) -> Option<Url> {
    let host = url.host_str()?.trim_start_matches("www.");
    let path = url.path();
    if host == "news.google.com" {
        return google_news_article(path);
    }
    let keys: &[&str] = match (host, path) {
        ("bing.com", "/news/apiclick.aspx") => &["url"],
        (h, "/url") if h.starts_with("google.") => &["url", "q"],
        ("l.facebook.com" | "lm.facebook.com" | "facebook.com", "/l.php") => &["u"],
        ("l.instagram.com", "/") => &["u"],
        ("out.reddit.com", _) => &["url"],
        ("t.umblr.com", "/redirect") => &["z"],
        ("youtube.com", "/redirect") => &["q"],
        ("slack-redir.net", "/link") => &["url"],
        _ => return None,
    };
    let target = url
        .query_pairs()
        .find(|(k, _)| keys.contains(&k.as_ref()))
        .map(|(_, v)| v.into_owned())?;
    Url::parse(&target)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
}

/// The article a Google News link (`/rss/articles/CBMi…`) stands for, when
/// its id carries the address: a base64url protocol buffer whose field 4
/// is the URL. Newer ids (`AU_yqL…`) only name the article on Google's
/// side; such a link stays as it is.
fn google_news_article(path: &str) -> Option<Url> {
    use base64::Engine;
    let id = path
        .strip_prefix("/rss/articles/")
        .or_else(|| path.strip_prefix("/articles/"))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id.trim_end_matches('='))
        .ok()?;
    let mut i = 0;
    while i + 1 < bytes.len() {
        // Field 4, length-delimited: tag 0x22, then a varint length.
        if bytes[i] == 0x22 {
            let (mut len, mut shift, mut j) = (0usize, 0, i + 1);
            while j < bytes.len() && shift < 28 {
                len |= usize::from(bytes[j] & 0x7f) << shift;
                shift += 7;
                j += 1;
                if bytes[j - 1] & 0x80 == 0 {
                    break;
                }
            }
            if let Some(text) = bytes.get(j..j + len) {
                if text.starts_with(b"http") {
                    let url = Url::parse(std::str::from_utf8(text).ok()?).ok()?;
                    return matches!(url.scheme(), "http" | "https").then_some(url);
                }
            }
        }
        i += 1;
    }
    None
}

fn strip_tracking(url: &mut Url) {
    if url.query().is_none() {
        return;
    }
    // Rebuild the query only when something goes: re-encoding could
    // change a URL that had nothing to remove.
    if !url.query_pairs().any(|(k, _)| is_tracking(&k)) {
        return;
    }
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !is_tracking(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
}

fn is_tracking(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.starts_with("utm_") || TRACKING_PARAMS.iter().any(|t| t.eq_ignore_ascii_case(&key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_text() {
        let cases = [
            ("plain   text\n\n with  gaps", "plain text\nwith gaps"),
            ("hard-wrapped\nplain text", "hard-wrapped plain text"),
            ("<p>wrapped\nhtml &amp; more</p>", "wrapped html & more"),
            (
                "Tom &amp; Jerry &lt;3 &#233;t&eacute;",
                "Tom & Jerry <3 été",
            ),
            ("<b>bold</b> and <i>it</i>", "bold and it"),
            ("<style>p{}</style><p>a</p><script>evil()</script>", "a"),
            ("<ul><li>one</li><li>two</li></ul>", "one\ntwo"),
            ("line<br>break", "line\nbreak"),
            ("esc\u{1b}[31mred", "esc [31mred"),
            (
                "&lt;script&gt;alert(1)&lt;/script&gt;",
                "<script>alert(1)</script>",
            ),
            ("", ""),
            ("<div><script><p>no</p></script>yes</div>", "yes"),
        ];
        for (input, want) in cases {
            assert_eq!(html_to_text(input), want, "{input:?}");
        }
    }

    #[test]
    fn canonicalises_urls() {
        let cases = [
            ("https://Example.COM:443/a/b?utm_source=rss&id=3&fbclid=x#top", Some("https://example.com/a/b?id=3")),
            ("http://example.com/?gclid=1&utm_medium=x", Some("http://example.com/")),
            ("https://forum.example/t/9?PHPSESSID=ab12&page=2", Some("https://forum.example/t/9?page=2")),
            ("https://shop.example/item;jsessionid=F00D?id=3", Some("https://shop.example/item?id=3")),
            ("https://www.google.com/url?rct=j&sa=t&url=https%3A%2F%2Fblog.example.org%2Fpost%3Futm_campaign%3Dz&ct=ga&cd=1", Some("https://blog.example.org/post")),
            ("https://www.google.com.br/url?q=https://exemplo.com.br/reclamacao&sa=U", Some("https://exemplo.com.br/reclamacao")),
            ("https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com%2Fx&h=AT0", Some("https://example.com/x")),
            ("https://www.google.com/url?q=javascript:alert(1)", Some("https://www.google.com/url?q=javascript:alert(1)")),
            ("http://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=6A1F&url=https%3a%2f%2fnews.example.com%2fa%3futm_source%3dbing&c=1&mkt=en-us", Some("https://news.example.com/a")),
            // An old-style Google News id: CBMi + the URL, as Google wrote them.
            ("https://news.google.com/rss/articles/CBMiJGh0dHBzOi8vbmV3cy5leGFtcGxlLmNvbS9hY21lLXJlY2FsbNIBAA?oc=5", Some("https://news.example.com/acme-recall")),
            ("https://news.google.com/rss/articles/AU_yqLPq8dd3QmV0?oc=5", Some("https://news.google.com/rss/articles/AU_yqLPq8dd3QmV0?oc=5")),
            ("javascript:alert(1)", None),
            ("mailto:a@example.com", None),
            ("not a url", None),
            ("https://example.com/path?b=2&a=1", Some("https://example.com/path?b=2&a=1")),
        ];
        for (input, want) in cases {
            assert_eq!(
                canonical_url(input, None).map(String::from).as_deref(),
                want,
                "{input}"
            );
        }
    }

    #[test]
    fn resolves_relative_links() {
        let base = Url::parse("https://example.com/blog/feed.xml").ok();
        let url = canonical_url("../post/1?utm_source=feed", base.as_ref());
        assert_eq!(
            url.map(String::from).as_deref(),
            Some("https://example.com/post/1")
        );
    }
}
