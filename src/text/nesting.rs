//! A bound on how deep markup nests before it reaches the HTML parser.
//!
//! html5ever checks the stack of open elements for each new element, so a
//! page of 100,000 nested `<div>`s costs it quadratic time (35 s); a
//! hostile feed at the body-size cap could hold a core for most of an
//! hour. [`shallow`] drops the tags that would open elements deeper than
//! [`max_depth`] (and their closing tags), keeping every piece of text:
//! what is read is the same words, in the same order, in fewer boxes.

use std::borrow::Cow;

use crate::limits::{self, Limit};

/// Deepest nesting of elements kept (`[limits] html_depth`, 256 by
/// default): real pages stay well under 100.
pub fn max_depth() -> usize {
    limits::get(Limit::HtmlDepth)
}

/// Elements that never hold others: no closing tag follows them.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Longest tag read: a '<' with no '>' this close is text.
const TAG_BYTES: usize = 4_096;

/// Elements whose content is not markup: their text is copied whole.
const RAW: &[&str] = &["script", "style", "textarea", "title", "xmp", "plaintext"];

/// Elements whose end tag HTML lets out: a new one closes the open one
/// (`<li>` after `<li>`, `<td>` after `<td>`), as html5ever does.
const IMPLIED: &[&str] = &[
    "p", "li", "dt", "dd", "option", "tr", "td", "th", "tbody", "thead", "tfoot",
];

/// The elements open at a point of the markup, as html5ever will see them
/// (closely enough to bound its work): their names and whether their
/// start tag was kept.
#[derive(Default)]
struct Open {
    stack: Vec<(String, bool)>,
    counts: std::collections::HashMap<String, usize>,
}

impl Open {
    fn push(&mut self, name: String, kept: bool) {
        *self.counts.entry(name.clone()).or_default() += 1;
        self.stack.push((name, kept));
    }

    /// Closes the innermost open `name` and what is open inside it;
    /// whether its start tag was kept. None when none is open (an end tag
    /// for nothing, which html5ever ignores).
    fn close(&mut self, name: &str) -> Option<bool> {
        if self.counts.get(name).copied().unwrap_or(0) == 0 {
            return None;
        }
        while let Some((open, kept)) = self.stack.pop() {
            if let Some(count) = self.counts.get_mut(&open) {
                *count -= 1;
            }
            if open == name {
                return Some(kept);
            }
        }
        None
    }
}

/// `html` with no element nested deeper than [`max_depth`]; borrowed when
/// it has too few tags to nest that deep (the common case costs a count).
pub fn shallow(html: &str) -> Cow<'_, str> {
    let (max, most) = (max_depth(), limits::get(Limit::HtmlElements));
    if html.bytes().filter(|&b| b == b'<').count() <= max.min(most) {
        return Cow::Borrowed(html);
    }
    // Elements (and comments) kept so far: past `most`, every tag goes,
    // so that a megabyte of `<i>` does not become a million nodes.
    let mut elements = 0usize;
    let (mut flattened, mut crowded) = (false, false);
    let mut out = String::with_capacity(html.len());
    let mut open = Open::default();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(tag) = Tag::at(rest) else {
            // A '<' that opens no tag is text.
            out.push('<');
            rest = &rest[1..];
            continue;
        };
        let (markup, after) = rest.split_at(tag.len);
        rest = after;
        let room = elements < most;
        crowded |= !room && !matches!(tag.kind, Kind::Close { .. });
        let leaf = match &tag.kind {
            Kind::Other => true,
            Kind::Open { name } => VOID.contains(&name.as_str()),
            Kind::Close { .. } => false,
        };
        if leaf {
            // A comment, a doctype, an element with no content (`<br>`).
            if room {
                elements += 1;
                out.push_str(markup);
            }
            continue;
        }
        match tag.kind {
            // Leaves went above.
            Kind::Other => {}
            // `<div/>` opens a div in HTML: only void elements close
            // themselves.
            Kind::Open { name, .. } => {
                if IMPLIED.contains(&name.as_str()) {
                    open.close(&name);
                }
                let deep = open.stack.len() >= max;
                flattened |= deep;
                let kept = !deep && room;
                if kept {
                    elements += 1;
                    out.push_str(markup);
                }
                if RAW.contains(&name.as_str()) {
                    // Copied up to its end tag, which closes it.
                    let end = raw_end(rest, &name);
                    if kept {
                        out.push_str(&rest[..end]);
                    }
                    rest = &rest[end..];
                }
                open.push(name, kept);
            }
            Kind::Close { name } => match open.close(&name) {
                Some(true) => out.push_str(markup),
                Some(false) => {}
                // An end tag that closes nothing: html5ever ignores it,
                // except `</p>` (an empty paragraph) and `</br>` (a
                // break), which are elements like any other, counted.
                None if matches!(name.as_str(), "p" | "br") => {
                    if room {
                        elements += 1;
                        out.push_str(markup);
                    } else {
                        crowded = true;
                    }
                }
                None => {}
            },
        }
    }
    out.push_str(rest);
    if flattened {
        limits::applied(Limit::HtmlDepth);
    }
    if crowded {
        limits::applied(Limit::HtmlElements);
    }
    Cow::Owned(out)
}

/// A tag at the start of a text, and how long it is.
struct Tag {
    kind: Kind,
    len: usize,
}

enum Kind {
    /// A start tag, its name lower-cased.
    Open { name: String },
    /// An end tag, its name lower-cased.
    Close { name: String },
    /// A comment, a doctype, a processing instruction.
    Other,
}

impl Tag {
    /// The tag `text` starts with (it starts with `<`), if it is one.
    fn at(text: &str) -> Option<Tag> {
        if let Some(comment) = text.strip_prefix("<!--") {
            let len = comment.find("-->").map_or(text.len(), |end| 4 + end + 3);
            return Some(Tag {
                kind: Kind::Other,
                len,
            });
        }
        // A tag ends at the next '>', before any other '<' and within a
        // few KB: else the '<' is text (and the scan stays linear).
        let window = &text.as_bytes()[1..text.len().min(TAG_BYTES)];
        let end = window.iter().position(|&b| b == b'>' || b == b'<')?;
        if window[end] == b'<' {
            return None;
        }
        let end = end + 2;
        let inner = &text[1..end - 1];
        let (kind, name) = match inner.as_bytes().first()? {
            b'!' | b'?' => {
                return Some(Tag {
                    kind: Kind::Other,
                    len: end,
                })
            }
            b'/' => (false, &inner[1..]),
            _ => (true, inner),
        };
        let name: String = name
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return None;
        }
        let kind = if kind {
            Kind::Open { name }
        } else {
            Kind::Close { name }
        };
        Some(Tag { kind, len: end })
    }
}

/// Where the content of raw-text element `name` ends in `text`: at its
/// end tag (any case), else at the end.
fn raw_end(text: &str, name: &str) -> usize {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = text[from..].find("</") {
        let start = from + at;
        let candidate = bytes.get(start + 2..start + 2 + name.len());
        if candidate.is_some_and(|c| c.eq_ignore_ascii_case(name.as_bytes())) {
            return start;
        }
        from = start + 2;
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Depth of the deepest element of the tree html5ever builds.
    fn deepest(html: &str) -> usize {
        let document = scraper::Html::parse_fragment(html);
        document
            .tree
            .nodes()
            .map(|n| n.ancestors().count())
            .max()
            .unwrap_or(0)
    }

    /// How many `name` elements html5ever builds.
    fn count(html: &str, name: &str) -> usize {
        let document = scraper::Html::parse_fragment(html);
        let selector = scraper::Selector::parse(name).unwrap();
        document.select(&selector).count()
    }

    #[test]
    fn deep_markup_keeps_its_words_in_fewer_boxes() {
        let n = 100_000;
        let html = format!(
            "{}<p>Lumora <b>lamps</b> 3 < 4</p>{}<script>if (a<b) {{}}</script>after",
            "<div class=\"x\">".repeat(n),
            "</div>".repeat(n)
        );
        let flat = shallow(&html);
        assert!(deepest(&flat) <= max_depth() + 4, "{}", deepest(&flat));
        let text = crate::text::normalize::html_to_text(&html);
        assert_eq!(text, "Lumora lamps 3 < 4\nafter");
    }

    #[test]
    fn self_closed_divs_and_stray_end_tags_nest_no_deeper() {
        // `<div/>` opens a div in HTML; `</x>` closes nothing.
        for html in ["<div/>x".repeat(20_000), "<div></x>y".repeat(20_000)] {
            assert!(deepest(&shallow(&html)) <= max_depth() + 4);
        }
    }

    #[test]
    fn a_flood_of_elements_keeps_its_words_in_fewer_elements() {
        let most = limits::get(Limit::HtmlElements);
        for unit in ["<i>w</i>", "<br>w", "<!--c-->w", "</p>w", "</br>w"] {
            let html = unit.repeat(most * 2);
            let flat = shallow(&html);
            assert_eq!(
                flat.matches('w').count(),
                most * 2,
                "{unit}: every word kept"
            );
            assert!(flat.matches('<').count() <= most * 2, "{unit}");
            let kept = flat.matches("<i>").count()
                + flat.matches("<br>").count()
                + flat.matches("<!--").count();
            let stray = flat.matches("</p>").count() + flat.matches("</br>").count();
            assert_eq!(kept + stray, most, "{unit}");
        }
    }

    #[test]
    fn lists_and_tables_without_end_tags_keep_every_row() {
        let list = format!("<ul>{}</ul>", "<li>Lumora".repeat(400));
        assert_eq!(count(&shallow(&list), "li"), 400);
        let table = format!("<table>{}</table>", "<tr><td>a<td>b".repeat(300));
        assert_eq!(count(&shallow(&table), "tr"), 300);
        let paragraphs = "<p>Lumora".repeat(400);
        assert_eq!(count(&shallow(&paragraphs), "p"), 400);
    }

    #[test]
    fn lone_angle_brackets_and_raw_text_are_text() {
        let html = "a < b ".repeat(10_000) + &"<title>t</TITLE>".repeat(1_000);
        let flat = shallow(&html);
        assert_eq!(flat.matches("a < b").count(), 10_000);
        assert_eq!(count(&flat, "title"), 1_000);
    }

    #[test]
    fn ordinary_markup_is_untouched() {
        let html = "<!-- c --><p>Acme <br> &amp; <img src=x/> Co</p><style>p{}</style>";
        assert!(matches!(shallow(html), Cow::Borrowed(_)));
        let many = "<p>item</p>".repeat(1_000);
        assert_eq!(shallow(&many), many);
    }
}
