//! A feed's bytes made into what a strict XML parser reads, in the spirit
//! of feedparser's "bozo" handling: real feeds are sent in UTF-16, in
//! windows-1252 that calls itself ISO-8859-1, with the charset only in the
//! HTTP header, with a stray invalid byte, with `&#0;` in a title, as
//! `<rss>` with no version or no `<channel>`, as Atom 0.3. Each repair is
//! said (with where, when it has a place), so the feed is "ok with
//! warnings" instead of failing whole.
//!
//! The charset is taken from the byte-order mark, else from the XML
//! declaration, else from the HTTP `Content-Type`, else the bytes are
//! UTF-8 when they are valid UTF-8 and guessed (chardetng) when not.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};

/// A feed ready for the parser, and what was repaired to make it so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The document, in UTF-8, without its XML declaration.
    pub text: String,
    /// What was repaired, for the source's warnings.
    pub repairs: Vec<String>,
}

/// Makes `body`, served as `content_type`, into UTF-8 XML a strict parser
/// reads.
pub fn prepare(body: &[u8], content_type: Option<&str>) -> Prepared {
    let mut repairs = Vec::new();
    let (mut text, charset) = decoded(body, content_type);
    if let Some(at) = text.find('\u{FFFD}') {
        let count = text.matches('\u{FFFD}').count();
        repairs.push(format!(
            "{count} byte sequence(s) invalid in {charset} replaced (first at {})",
            place(&text, at)
        ));
    }
    text = without_declaration(&text).to_string();
    let (clean, removed) = valid_xml_chars(&text);
    if removed > 0 {
        repairs.push(format!(
            "{removed} character(s) XML does not allow removed (NUL and other control characters)"
        ));
        text = clean;
    }
    if let Some(fixed) = rss_root(&text, &mut repairs) {
        text = fixed;
    }
    if let Some(fixed) = atom_03(&text) {
        repairs.push("Atom 0.3 read as Atom 1.0".to_string());
        text = fixed;
    }
    Prepared { text, repairs }
}

/// The text of `body` and the name of the charset it was read in.
fn decoded(body: &[u8], content_type: Option<&str>) -> (String, &'static str) {
    if let Some((text, name)) = utf32(body) {
        return (text, name);
    }
    if let Some((encoding, bom)) = Encoding::for_bom(body) {
        let (text, _) = encoding.decode_without_bom_handling(&body[bom..]);
        return (text.into_owned(), encoding.name());
    }
    let sixteen = utf16_without_bom(body);
    // A label read from ASCII-compatible bytes cannot be UTF-16 (nor the
    // "replacement" encoding, which would make the feed one character).
    let usable =
        |e: &&'static Encoding| ![UTF_16LE, UTF_16BE, encoding_rs::REPLACEMENT].contains(e);
    let declared = sixteen.or_else(|| {
        label(declaration_encoding(body))
            .filter(usable)
            .or_else(|| label(content_type.and_then(http_charset)).filter(usable))
    });
    let encoding = declared.unwrap_or_else(|| {
        if std::str::from_utf8(body).is_ok() {
            UTF_8
        } else {
            let mut detector = chardetng::EncodingDetector::new();
            detector.feed(body, true);
            detector.guess(None, true)
        }
    });
    let (text, _) = encoding.decode_without_bom_handling(body);
    (text.into_owned(), encoding.name())
}

/// UTF-32, by its byte-order mark or its "<" (encoding_rs reads none).
fn utf32(body: &[u8]) -> Option<(String, &'static str)> {
    let (big, skip) = match body {
        [0, 0, 0xFE, 0xFF, ..] => (true, 4),
        [0xFF, 0xFE, 0, 0, ..] => (false, 4),
        [0, 0, 0, b'<', ..] => (true, 0),
        [b'<', 0, 0, 0, ..] => (false, 0),
        _ => return None,
    };
    let text = body[skip..]
        .chunks(4)
        .map(|c| {
            let mut word = [0u8; 4];
            word[..c.len()].copy_from_slice(c);
            let n = if big {
                u32::from_be_bytes(word)
            } else {
                u32::from_le_bytes(word)
            };
            char::from_u32(n).unwrap_or('\u{FFFD}')
        })
        .collect();
    Some((text, if big { "UTF-32BE" } else { "UTF-32LE" }))
}

fn label(name: Option<String>) -> Option<&'static Encoding> {
    Encoding::for_label(name?.trim().as_bytes())
}

/// The `encoding` of an XML declaration at the start of `body`.
fn declaration_encoding(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(512)];
    let end = head.windows(2).position(|w| w == b"?>")?;
    let declaration = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
    let start = declaration.trim_start();
    if !start.starts_with("<?xml") {
        return None;
    }
    let at = start.find("encoding")? + "encoding".len();
    let value = start[at..].trim_start().strip_prefix('=')?.trim_start();
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &value[1..];
    Some(value[..value.find(quote)?].to_string())
}

/// The `charset` of a `Content-Type` header value.
fn http_charset(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|part| {
        let (key, value) = part.split_once('=')?;
        (key.trim().eq_ignore_ascii_case("charset"))
            .then(|| value.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// The text without its XML declaration (which may name a charset it is
/// no longer in).
fn without_declaration(text: &str) -> &str {
    let trimmed = text.trim_start_matches(['\u{FEFF}', ' ', '\t', '\r', '\n']);
    if trimmed.starts_with("<?xml") {
        if let Some(end) = trimmed.find("?>") {
            return &trimmed[end + 2..];
        }
    }
    text
}

/// UTF-16 without a byte-order mark, known by how it starts: white space,
/// then `<` and a letter, `?` or `!`, each an ASCII character with a zero
/// byte beside it (XML 1.0, F.1, says `<?`; feeds without a declaration
/// start with `<rss`).
fn utf16_without_bom(body: &[u8]) -> Option<&'static Encoding> {
    [(UTF_16LE, 0), (UTF_16BE, 1)]
        .into_iter()
        .find(|&(_, low)| {
            let mut units = body.chunks_exact(2).take(64).map(|pair| {
                let (ascii, zero) = (pair[low], pair[1 - low]);
                (zero == 0 && ascii.is_ascii()).then_some(ascii)
            });
            let first = units.find(|u| !matches!(u, Some(b' ' | b'\t' | b'\r' | b'\n')));
            matches!(
                (first, units.next()),
                (Some(Some(b'<')), Some(Some(b'?' | b'!' | b'a'..=b'z' | b'A'..=b'Z')))
            )
        })
        .map(|(encoding, _)| encoding)
}

/// Whether XML 1.0 allows character `c` in a document.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// `text` without the characters XML forbids, raw or as character
/// references (`&#0;`, `&#x1B;`), and how many were removed.
fn valid_xml_chars(text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len());
    let mut removed = 0;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '&' {
            if let Some((value, len)) = char_reference(rest) {
                if !char::from_u32(value).is_some_and(allowed) {
                    removed += 1;
                    rest = &rest[len..];
                    defuse(&mut out);
                    continue;
                }
            }
        }
        if allowed(c) {
            out.push(c);
        } else {
            removed += 1;
            defuse(&mut out);
        }
        rest = &rest[c.len_utf8()..];
    }
    (out, removed)
}

/// After a removed reference: a reference left unfinished just before it
/// (`&#` of `&#&#0;0;`) would be finished by what follows it into a
/// forbidden one again (`&#0;`), so its `&` becomes text (`&amp;`).
fn defuse(out: &mut String) {
    // Bytes, not characters: the tail may start inside one.
    let tail = out.len().saturating_sub(12);
    let Some(at) = out.as_bytes()[tail..]
        .iter()
        .rposition(|&b| b == b'&')
        .map(|i| tail + i)
    else {
        return;
    };
    let open = &out[at + 1..];
    let unfinished = open.strip_prefix('#').is_some_and(|digits| {
        let digits = digits.strip_prefix(['x', 'X']).unwrap_or(digits);
        digits.bytes().all(|b| b.is_ascii_hexdigit())
    });
    if unfinished {
        out.insert_str(at + 1, "amp;");
    }
}

/// The value and length of a numeric character reference at the start of
/// `text` (`&#65;`, `&#x41;`).
fn char_reference(text: &str) -> Option<(u32, usize)> {
    let body = text.strip_prefix("&#")?.as_bytes();
    let hex = matches!(body.first(), Some(b'x' | b'X'));
    let start = usize::from(hex);
    // Leading zeros, however many, then a few digits: a reference is
    // short, and each scan stops at its first other byte (linear).
    let zeros = body[start..].iter().take_while(|&&b| b == b'0').count();
    let from = start + zeros;
    let end = from + body[from..].iter().take(9).position(|&b| b == b';')?;
    let digits = std::str::from_utf8(&body[from..end]).ok()?;
    let value = match (hex, digits.is_empty()) {
        (_, true) if zeros > 0 => 0,
        (_, true) => return None,
        (true, false) => u32::from_str_radix(digits, 16).ok()?,
        (false, false) => digits.parse().ok()?,
    };
    Some((value, 2 + end + 1))
}

/// The start tag of the root element: where it starts and ends.
fn root_tag(text: &str) -> Option<(usize, usize)> {
    let mut at = 0;
    loop {
        let start = at + text[at..].find('<')?;
        let rest = &text[start..];
        if rest.starts_with("<!--") {
            at = start + rest.find("-->")? + 3;
        } else if rest.starts_with("<?") || rest.starts_with("<!") {
            at = start + rest.find('>')? + 1;
        } else {
            return Some((start, start + rest.find('>')? + 1));
        }
    }
}

/// What a document is when it is plainly no feed (empty, an HTML page, an
/// XML document of another kind), in words; None when it may be one.
pub fn not_a_feed(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return Some("the body is empty".to_string());
    }
    let Some((start, end)) = root_tag(text) else {
        return Some("the body holds no XML element".to_string());
    };
    let name: String = text[start + 1..end]
        .chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, ':' | '-' | '_'))
        .collect();
    let local = name
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match local.as_str() {
        "rss" | "feed" | "rdf" | "channel" => None,
        "html" | "body" | "head" => Some(format!(
            "an HTML page (root element <{name}>): the page may link to its feed"
        )),
        _ => Some(format!(
            "an XML document whose root element is <{name}>, not <rss>, <feed> or <rdf:RDF>"
        )),
    }
}

/// An `<rss>` root made readable: a version when it has none, a
/// `<channel>` around its content when it has none.
fn rss_root(text: &str, repairs: &mut Vec<String>) -> Option<String> {
    let (start, end) = root_tag(text)?;
    let tag = &text[start..end];
    let name_end = tag[1..]
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .map_or(tag.len(), |e| e + 1);
    if !tag[1..name_end].eq_ignore_ascii_case("rss") {
        return None;
    }
    let versioned = tag.contains("version");
    let channel = text[end..].contains("<channel");
    if versioned && channel {
        return None;
    }
    let mut tag = tag.to_string();
    if !versioned {
        tag.insert_str(name_end, " version=\"2.0\"");
        repairs.push("<rss> without a version read as RSS 2.0".to_string());
    }
    let mut body = text[end..].to_string();
    if !channel {
        let close = body.rfind("</rss").unwrap_or(body.len());
        body.insert_str(close, "</channel>");
        body.insert_str(0, "<channel>");
        repairs.push("<rss> without a <channel> read as one channel".to_string());
    }
    Some(format!("{}{tag}{body}", &text[..start]))
}

/// An Atom 0.3 feed in Atom 1.0's terms: its namespace, and the elements
/// 1.0 renamed.
fn atom_03(text: &str) -> Option<String> {
    const OLD: &str = "http://purl.org/atom/ns#";
    // Only a feed whose root is in Atom 0.3's namespace.
    let (start, end) = root_tag(text)?;
    if !text[start..end].contains(OLD) {
        return None;
    }
    let mut fixed = text.replace(OLD, "http://www.w3.org/2005/Atom");
    for (old, new) in [
        ("modified", "updated"),
        ("issued", "published"),
        ("tagline", "subtitle"),
        ("copyright", "rights"),
    ] {
        fixed = fixed
            .replace(&format!("<{old}>"), &format!("<{new}>"))
            .replace(&format!("<{old} "), &format!("<{new} "))
            .replace(&format!("</{old}>"), &format!("</{new}>"));
    }
    for element in ["content", "summary", "title"] {
        fixed = fixed.replace(
            &format!("<{element} type=\"text/html\""),
            &format!("<{element} type=\"html\""),
        );
    }
    Some(fixed)
}

/// "line L, column C" of byte `at` of `text`.
fn place(text: &str, at: usize) -> String {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    format!("line {line}, column {column}")
}

#[cfg(test)]
mod tests;
