//! A mail body as a person reads it. A forwarded complaint is read for
//! what the customer wrote, not for the header lines its client put above
//! it; a reply is read without the history it quotes; signatures and
//! "Sent from my phone" are dropped; lines hard-wrapped by the sender's
//! client are joined back into paragraphs. The brand's domain in a
//! forwarded `To:` line is then no mention, and a quote never stops at a
//! line break the sender did not write.
//!
//! Recognised: Gmail, Outlook (desktop and web), Apple Mail and Thunderbird
//! forwards and replies, in English and Portuguese; `>` quoting; the `-- `
//! signature separator.

/// Lines that open a forwarded message (compared without dashes,
/// underscores, surrounding space, a trailing colon and case).
const FORWARD_MARKERS: &[&str] = &[
    "forwarded message",
    "begin forwarded message",
    "mensagem encaminhada",
    "mensagem reencaminhada",
    "início da mensagem reencaminhada",
    "início da mensagem encaminhada",
    "começo da mensagem encaminhada",
];

/// Lines that open the message replied to (or forwarded, by Outlook).
const ORIGINAL_MARKERS: &[&str] = &["original message", "mensagem original"];

/// Header names a client writes above a forwarded or quoted message.
const HEADER_NAMES: &[&str] = &[
    "from",
    "to",
    "cc",
    "bcc",
    "subject",
    "date",
    "sent",
    "reply-to",
    "de",
    "para",
    "cco",
    "assunto",
    "data",
    "enviado",
    "enviada",
    "enviado em",
    "responder a",
];

/// Header names that open a header block written without a marker line
/// (Outlook's `From:` / `Sent:` block under a rule).
const BLOCK_OPENERS: &[&str] = &["from", "de"];

/// Lines phone and web clients append.
const CLIENT_SIGNATURES: &[&str] = &[
    "sent from my ",
    "enviado do meu ",
    "enviado de meu ",
    "enviado do ",
    "get outlook for ",
    "obter o outlook para ",
    "baixe o outlook para ",
];

/// Subject prefixes of a reply.
const REPLY_PREFIXES: &[&str] = &["re", "res", "aw", "sv", "antw", "resp"];
/// Subject prefixes of a forward.
const FORWARD_PREFIXES: &[&str] = &["fwd", "fw", "enc", "tr", "wg", "rv"];

/// The subject without its reply and forward prefixes (`Fwd: RE: x` → `x`).
pub fn bare_subject(subject: &str) -> &str {
    let mut rest = subject.trim();
    while let Some((prefix, after)) = rest.split_once(':') {
        let word = prefix.trim().to_lowercase();
        if REPLY_PREFIXES.contains(&word.as_str()) || FORWARD_PREFIXES.contains(&word.as_str()) {
            rest = after.trim_start();
        } else {
            break;
        }
    }
    rest
}

/// Whether `subject` says the mail is a reply (and not a forward).
fn is_reply(subject: &str) -> bool {
    let first = subject
        .trim()
        .split_once(':')
        .map(|(p, _)| p.trim().to_lowercase());
    first.is_some_and(|p| REPLY_PREFIXES.contains(&p.as_str()))
}

/// The text of a mail body (plain text) as its reader reads it.
pub fn readable(text: &str, subject: &str) -> String {
    let reply = is_reply(subject);
    let text = text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    let mut i = 0;
    // Inside a signature: skipped until the next forwarded message.
    let mut signature = false;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim();
        let marker = marker_of(trimmed);
        if marker == Some(Marker::Original) && reply {
            break; // what follows is the history replied to
        }
        if marker.is_some() {
            signature = false;
            i = skip_headers(&lines, i + 1);
            continue;
        }
        // A header block with no marker line (Outlook's, under a rule):
        // the history of a reply, the message itself in a forward.
        let block = if is_rule(trimmed) { i + 1 } else { i };
        if opens_header_block(&lines, block) {
            if reply {
                break;
            }
            signature = false;
            i = skip_headers(&lines, block);
            continue;
        }
        if is_rule(trimmed) {
            i += 1;
            continue;
        }
        if let Some(next) = attribution_end(&lines, i) {
            // "On …, X wrote:" and the quote under it.
            i = next;
            continue;
        }
        if line == "-- " || (trimmed == "--" && signature_follows(&lines[i + 1..])) {
            signature = true;
        }
        let lower = trimmed.to_lowercase();
        let dropped = signature
            || trimmed.starts_with('>')
            || CLIENT_SIGNATURES.iter().any(|s| lower.starts_with(s));
        if !dropped {
            kept.push(line);
        }
        i += 1;
    }
    unwrap(&kept)
}

/// Most lines a signature under a bare `--` runs to: more, and the `--`
/// was a dash in the text, not a separator.
const SIGNATURE_LINES: usize = 6;

/// Whether the lines after a bare `--` read as a signature: a few short
/// lines before the end or the next forwarded message.
fn signature_follows(after: &[&str]) -> bool {
    let block: Vec<&&str> = after
        .iter()
        .take_while(|l| marker_of(l.trim()).is_none())
        .filter(|l| !l.trim().is_empty())
        .collect();
    block.len() <= SIGNATURE_LINES && block.iter().all(|l| l.chars().count() <= 80)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Forward,
    Original,
}

fn marker_of(line: &str) -> Option<Marker> {
    let core = line
        .trim_matches(|c: char| c == '-' || c == '_' || c == '*' || c.is_whitespace())
        .trim_end_matches(':')
        .trim()
        .to_lowercase();
    if core.is_empty() {
        None
    } else if FORWARD_MARKERS.contains(&core.as_str()) {
        Some(Marker::Forward)
    } else if ORIGINAL_MARKERS.contains(&core.as_str()) {
        Some(Marker::Original)
    } else {
        None
    }
}

/// A line of underscores or dashes only (Outlook's rule above a header block).
fn is_rule(line: &str) -> bool {
    line.chars().count() >= 5 && line.chars().all(|c| c == '_' || c == '-')
}

/// The header name of `line` when it is a header line (`From: …`,
/// `Assunto: …`, `*De:* …` as some clients bold them).
fn header_name(line: &str) -> Option<String> {
    let (name, _) = line.trim().split_once(':')?;
    let name = name
        .trim_matches(|c: char| c == '*' || c.is_whitespace())
        .to_lowercase();
    HEADER_NAMES.contains(&name.as_str()).then_some(name)
}

/// Whether a header block without a marker starts at line `i`: `From:`
/// (or `De:`) followed by at least one more header line.
fn opens_header_block(lines: &[&str], i: usize) -> bool {
    let (Some(first), Some(second)) = (lines.get(i), lines.get(i + 1)) else {
        return false;
    };
    header_name(first).is_some_and(|n| BLOCK_OPENERS.contains(&n.as_str()))
        && header_name(second).is_some()
}

/// The index after the header lines from `i` (blank lines before them
/// included, and a header's wrapped continuation lines).
fn skip_headers(lines: &[&str], mut i: usize) -> usize {
    while lines.get(i).is_some_and(|l| l.trim().is_empty()) {
        i += 1;
    }
    let mut in_block = false;
    while let Some(line) = lines.get(i) {
        if header_name(line).is_some() {
            in_block = true;
        } else if !(in_block && continues_header(line)) {
            break;
        }
        i += 1;
    }
    i
}

/// A wrapped header line goes on indented, or as more addresses.
fn continues_header(line: &str) -> bool {
    let trimmed = line.trim();
    !trimmed.is_empty()
        && (line.starts_with([' ', '\t']) || (trimmed.contains('@') && !trimmed.contains(' ')))
}

/// When a reply attribution ("On Fri, … X <x@y> wrote:", "Em sex., …
/// escreveu:", possibly wrapped over two lines) starts at line `i`, the
/// index after it and the quoted lines under it.
fn attribution_end(lines: &[&str], i: usize) -> Option<usize> {
    let opens = |l: &str| {
        let l = l.trim_start();
        l.starts_with("On ") || l.starts_with("Em ") || l.starts_with("No dia ")
    };
    let closes = |l: &str| {
        let l = l.trim_end();
        l.ends_with("wrote:") || l.ends_with("escreveu:") || l.ends_with("escreveu :")
    };
    let line = lines.get(i)?;
    if !opens(line) {
        return None;
    }
    let mut end = if closes(line) {
        i + 1
    } else if lines.get(i + 1).is_some_and(|l| closes(l)) {
        i + 2
    } else {
        return None;
    };
    while lines
        .get(end)
        .is_some_and(|l| l.trim_start().starts_with('>') || l.trim().is_empty())
    {
        end += 1;
    }
    Some(end)
}

/// Joins hard-wrapped lines into paragraphs (a blank line ends one); list
/// items keep their own lines.
fn unwrap(lines: &[&str]) -> String {
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in lines {
        let line = line.trim();
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
            continue;
        }
        if !current.is_empty() {
            current.push(if is_list_item(line) { '\n' } else { ' ' });
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    paragraphs.join("\n\n")
}

fn is_list_item(line: &str) -> bool {
    line.starts_with(['-', '*', '•'])
        || line.split_once(['.', ')']).is_some_and(|(n, _)| {
            !n.is_empty() && n.len() <= 2 && n.chars().all(|c| c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests;
