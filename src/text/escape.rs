//! Text from outside made inert: mention titles, quotes and URLs are
//! hostile input, escaped in HTML and stripped of control characters in
//! plain text and headers.

/// Text from outside, safe in HTML text and in quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in plain(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text from outside for a plain-text part or a header: no control
/// characters (a line break cannot start a header or fake a line), no
/// bidirectional overrides (which can make text display reversed).
pub fn plain(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
