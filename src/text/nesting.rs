//! A bound on how deep markup nests before it reaches the HTML parser.
//!
//! html5ever checks the stack of open elements for each new element, so a
//! page of 100,000 nested `<div>`s costs it quadratic time (35 s); a
//! hostile feed at the body-size cap could hold a core for most of an
//! hour. [`shallow`] drops the tags that would open elements deeper than
//! [`MAX_DEPTH`] (and their closing tags), keeping every piece of text:
//! what is read is the same words, in the same order, in fewer boxes.

use std::borrow::Cow;

/// Deepest nesting of elements kept: real pages stay well under 100.
pub const MAX_DEPTH: usize = 256;

/// Elements that never hold others: no closing tag follows them.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Elements whose content is not markup: their text is copied whole.
const RAW: &[&str] = &["script", "style", "textarea", "title", "xmp", "plaintext"];

/// `html` with no element nested deeper than [`MAX_DEPTH`]; borrowed when
/// it has too few tags to nest that deep (the common case costs a count).
pub fn shallow(html: &str) -> Cow<'_, str> {
    if html.bytes().filter(|&b| b == b'<').count() <= MAX_DEPTH {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut depth = 0usize;
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
        match tag.kind {
            Kind::Other => out.push_str(markup),
            Kind::Open { name, closed } => {
                let holds = !closed && !VOID.contains(&name.as_str());
                if holds {
                    depth += 1;
                }
                if depth <= MAX_DEPTH {
                    out.push_str(markup);
                }
                if holds && RAW.contains(&name.as_str()) {
                    // Copied up to its closing tag, which closes it.
                    let end = raw_end(rest, &name);
                    if depth <= MAX_DEPTH {
                        out.push_str(&rest[..end]);
                    }
                    rest = &rest[end..];
                }
            }
            Kind::Close => {
                if depth <= MAX_DEPTH {
                    out.push_str(markup);
                }
                depth = depth.saturating_sub(1);
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// A tag at the start of a text, and how long it is.
struct Tag {
    kind: Kind,
    len: usize,
}

enum Kind {
    /// A start tag, its name lower-cased, and whether it closes itself.
    Open { name: String, closed: bool },
    /// An end tag.
    Close,
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
        let end = text.find('>')? + 1;
        let inner = &text[1..end - 1];
        let (kind, name) = match inner.as_bytes().first()? {
            b'!' | b'?' => {
                return Some(Tag {
                    kind: Kind::Other,
                    len: end,
                })
            }
            b'/' => (None, &inner[1..]),
            _ => (Some(inner.ends_with('/')), inner),
        };
        let name: String = name
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return None;
        }
        let kind = match kind {
            None => Kind::Close,
            Some(closed) => Kind::Open { name, closed },
        };
        Some(Tag { kind, len: end })
    }
}

/// Where the content of raw-text element `name` ends in `text`: at its
/// closing tag (any case), else at the end.
fn raw_end(text: &str, name: &str) -> usize {
    let closing = format!("</{name}");
    let lower = text.to_ascii_lowercase();
    lower.find(&closing).unwrap_or(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Depth of the deepest element, counted the same way.
    fn deepest(html: &str) -> usize {
        let (mut depth, mut most) = (0usize, 0usize);
        let mut rest = html;
        while let Some(at) = rest.find('<') {
            rest = &rest[at..];
            match Tag::at(rest) {
                Some(tag) => {
                    match tag.kind {
                        Kind::Open { name, closed }
                            if !closed && !VOID.contains(&name.as_str()) =>
                        {
                            depth += 1;
                            most = most.max(depth);
                        }
                        Kind::Close => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                    rest = &rest[tag.len..];
                }
                None => rest = &rest[1..],
            }
        }
        most
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
        assert_eq!(deepest(&flat), MAX_DEPTH);
        let text = crate::text::normalize::html_to_text(&html);
        assert_eq!(text, "Lumora lamps 3 < 4\nafter");
    }

    #[test]
    fn ordinary_markup_is_untouched() {
        let html = "<!-- c --><p>Acme <br> &amp; <img src=x/> Co</p><style>p{}</style>";
        assert!(matches!(shallow(html), Cow::Borrowed(_)));
        let many = "<p>item</p>".repeat(1_000);
        assert_eq!(shallow(&many), many);
    }
}
