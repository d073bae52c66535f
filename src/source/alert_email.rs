//! Mail into items: Google Alerts and Talkwalker Alerts mails split into
//! their results; any other mail becomes one item.
//!
//! Alert senders are recognised by address and headers. Results are the
//! links wrapped in the alert service's redirect (`google.com/url?url=…`,
//! Talkwalker's `…/redirect?url=…`); each result's site and snippet are the
//! text around its link, found as the largest block of the mail that holds
//! that result and no other. The HTML part is preferred; a mail with only a
//! plain-text part is read by its `<link>` lines. MIME, transfer encodings
//! and charsets are mail-parser's.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use ego_tree::NodeRef;
use mail_parser::{Message, MessageParser, PartType};
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use super::RawItem;

mod body;
mod reply;
use crate::text::normalize::{canonical_url, html_to_text};
pub use reply::{parse_reply, Reply};

/// Which kind of mail it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// From Google Alerts.
    GoogleAlert,
    /// From Talkwalker Alerts.
    Talkwalker,
    /// Anything else: one item.
    Other,
}

/// Why a mail could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Not a message: none of From, Subject, Date or Message-ID.
    #[error("not an email message")]
    NotMail,
}

/// A mail read into items.
#[derive(Debug)]
pub struct ParsedMail {
    /// What kind of mail.
    pub kind: MailKind,
    /// Its items: one per alert result, or the mail itself.
    pub items: Vec<RawItem>,
}

/// Link texts that are the alert's furniture, not results.
const FURNITURE: &[&str] = &[
    "see all stories",
    "flag as irrelevant",
    "see more results",
    "edit this alert",
    "unsubscribe",
    "ver todas",
    "sinalizar como irrelevante",
    "ver mais resultados",
    "editar este alerta",
    "cancelar inscrição",
    "cancelar",
    "view all",
    "manage alerts",
    "gerenciar alertas",
    "facebook",
    "twitter",
    "x",
    "linkedin",
    "read more",
    "leia mais",
];

/// Reads one raw message.
pub fn parse_mail(raw: &[u8]) -> Result<ParsedMail, MailError> {
    let message = MessageParser::default()
        .parse(headers_first(raw))
        .filter(is_mail)
        .ok_or(MailError::NotMail)?;
    let kind = kind_of(&message);
    let published = message
        .date()
        .and_then(|d| DateTime::<Utc>::from_timestamp(d.to_timestamp(), 0));
    let items = match kind {
        MailKind::Other => vec![whole_mail(&message, published)],
        MailKind::GoogleAlert | MailKind::Talkwalker => {
            let query = alert_query(message.subject().unwrap_or_default());
            let mut results = html_body(&message)
                .map(|h| html_results(&h))
                .unwrap_or_default();
            if results.is_empty() {
                results = message
                    .body_text(0)
                    .map(|t| text_results(&t))
                    .unwrap_or_default();
            }
            // A result can be linked twice (its thumbnail and its title, or
            // a story and the same story under "more coverage"): the link
            // that says most about it stands for it, where it first came.
            let mut best: std::collections::HashMap<Url, usize> = Default::default();
            for (i, r) in results.iter().enumerate() {
                let kept = best.entry(r.url.clone()).or_insert(i);
                if r.weight() > results[*kept].weight() {
                    *kept = i;
                }
            }
            let mut order: Vec<usize> = best.into_values().collect();
            order.sort_by_key(|&i| {
                results
                    .iter()
                    .position(|r| r.url == results[i].url)
                    .unwrap_or(i)
            });
            let results: Vec<AlertResult> = order.into_iter().map(|i| results[i].clone()).collect();
            results
                .into_iter()
                .map(|r| RawItem {
                    url: Some(r.url.to_string()),
                    title: Some(text_as_html(&r.title)),
                    summary: Some(text_as_html(&r.snippet)),
                    published,
                    origin: r.site,
                    query: query.clone(),
                    ..RawItem::default()
                })
                .collect()
        }
    };
    Ok(ParsedMail { kind, items })
}

/// A message has at least one of the headers every mail carries; mail-parser
/// accepts anything, binary junk included.
fn is_mail(message: &Message<'_>) -> bool {
    message.from().is_some()
        || message.subject().is_some()
        || message.date().is_some()
        || message.message_id().is_some()
}

/// The message from its first header on: saved mails may start with blank
/// lines or an mbox `From ` line, which would hide the real headers.
fn headers_first(raw: &[u8]) -> &[u8] {
    let start = raw
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(raw.len());
    let raw = &raw[start..];
    match raw.strip_prefix(b"From ") {
        Some(rest) => rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(&[][..], |nl| &rest[nl + 1..]),
        None => raw,
    }
}

fn kind_of(message: &Message<'_>) -> MailKind {
    let from = message
        .from()
        .and_then(|f| f.first())
        .and_then(|a| a.address())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let domain = from.rsplit('@').next().unwrap_or_default();
    let list_id = message
        .header_raw("List-Id")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if (domain == "google.com" && from.starts_with("googlealerts"))
        || list_id.contains("alerts.google.com")
    {
        MailKind::GoogleAlert
    } else if domain == "talkwalker.com" || domain.ends_with(".talkwalker.com") {
        MailKind::Talkwalker
    } else {
        MailKind::Other
    }
}

/// The query from a subject such as `Google Alert - acme`,
/// `Alerta do Google – acme` or `Talkwalker Alert: "acme"`.
fn alert_query(subject: &str) -> Option<String> {
    let (_, query) = [" - ", " – ", " — ", ": "]
        .iter()
        .find_map(|sep| subject.split_once(sep))?;
    let query = query
        .trim()
        .trim_matches(|c| c == '"' || c == '“' || c == '”')
        .trim();
    (!query.is_empty()).then(|| query.to_string())
}

/// The first real HTML body part, if there is one.
fn html_body(message: &Message<'_>) -> Option<String> {
    let part = message.html_part(0)?;
    match &part.body {
        PartType::Html(html) => Some(html.to_string()),
        _ => None,
    }
}

/// One mail, one item: subject and text, sender kept.
fn whole_mail(message: &Message<'_>, published: Option<DateTime<Utc>>) -> RawItem {
    let sender = message
        .from()
        .and_then(|f| f.first())
        .map(|a| match (a.name(), a.address()) {
            (Some(name), Some(addr)) => format!("{name} <{addr}>"),
            (None, Some(addr)) => addr.to_string(),
            (Some(name), None) => name.to_string(),
            (None, None) => String::new(),
        });
    let text = match message.text_part(0).map(|p| &p.body) {
        Some(PartType::Text(text)) => text.to_string(),
        _ => html_body(message)
            .map(|h| html_to_text(&h))
            .unwrap_or_default(),
    };
    let subject = message.subject().unwrap_or_default();
    let text = body::readable(&text, subject);
    RawItem {
        guid: message.message_id().map(|id| format!("<{id}>")),
        title: Some(body::bare_subject(subject))
            .filter(|s| !s.is_empty())
            .map(text_as_html),
        content: Some(text_as_html(&text)),
        published,
        origin: sender.filter(|s| !s.is_empty()),
        ..RawItem::default()
    }
}

/// One result of an alert.
#[derive(Debug, Clone, PartialEq)]
struct AlertResult {
    title: String,
    url: Url,
    site: Option<String>,
    snippet: String,
    /// Its link is a picture (a 2010-era thumbnail, captioned with the
    /// site's name): a poor title.
    picture: bool,
}

impl AlertResult {
    /// How much a link says about its result: a text link over a
    /// picture, then the longer snippet, then the longer title.
    fn weight(&self) -> (bool, usize, usize) {
        (!self.picture, self.snippet.len(), self.title.len())
    }
}

/// The article a link in an alert points to, when the link is one of the
/// alert service's redirects to somewhere outside the service.
fn result_target(href: &str) -> Option<Url> {
    let link = Url::parse(href.trim()).ok()?;
    let host = link
        .host_str()?
        .trim_start_matches("www.")
        .to_ascii_lowercase();
    let keys: &[&str] = if host.starts_with("google.") && link.path() == "/url" {
        &["url", "q"]
    } else if host == "talkwalker.com" || host.ends_with(".talkwalker.com") {
        &["url", "u", "target"]
    } else {
        return None;
    };
    let target = link
        .query_pairs()
        .find(|(k, _)| keys.contains(&k.as_ref()))
        .map(|(_, v)| v.into_owned())?;
    let url = canonical_url(&target, None)?;
    let target_host = url
        .host_str()?
        .trim_start_matches("www.")
        .to_ascii_lowercase();
    let internal = target_host.starts_with("google.")
        || target_host.starts_with("news.google.")
        || target_host.ends_with("talkwalker.com");
    (!internal).then_some(url)
}

fn is_furniture(text: &str) -> bool {
    let t = text
        .trim()
        .trim_end_matches(['»', '›', '.', ' '])
        .to_lowercase();
    t.is_empty()
        || FURNITURE
            .iter()
            .any(|f| t == *f || t.starts_with(&format!("{f} ")))
}

fn html_results(html: &str) -> Vec<AlertResult> {
    let document = Html::parse_document(&crate::text::nesting::shallow(html));
    let Ok(anchors) = Selector::parse("a[href]") else {
        return Vec::new();
    };
    let results: Vec<(ElementRef<'_>, Url)> = document
        .select(&anchors)
        .filter_map(|a| Some((a, result_target(a.value().attr("href")?)?)))
        .filter(|(a, _)| !is_furniture(&a.text().collect::<String>()))
        .collect();
    // A blog's home page beside its post ("Speak to Power –
    // http://…/") is where the result is from, not a result; a home page
    // alone (a shop the alert found) is one.
    let is_home = |url: &Url| url.path() == "/" && url.query().is_none();
    let hosts: HashSet<&str> = results
        .iter()
        .filter(|(_, url)| !is_home(url))
        .filter_map(|(_, url)| url.host_str())
        .collect();
    let results: Vec<(ElementRef<'_>, Url)> = results
        .iter()
        .filter(|(_, url)| !(is_home(url) && url.host_str().is_some_and(|h| hosts.contains(h))))
        .cloned()
        .collect();
    let picture = Selector::parse("img").ok();
    let ids: Vec<_> = results.iter().map(|(a, _)| a.id()).collect();
    results
        .iter()
        .filter_map(|(anchor, url)| {
            let title = one_line(&anchor.text().collect::<String>());
            let block = result_block(**anchor, &ids);
            // A result with no box of its own (2010's layout: results one
            // after the other in one block) is told by what follows its
            // link, up to the next result.
            let text = if block.id() == anchor.id() {
                trailing_text(**anchor, &ids)
            } else {
                block_text(block)
            };
            let (site, snippet) = site_and_snippet(&text, &title);
            Some(AlertResult {
                title,
                url: url.clone(),
                site,
                snippet,
                picture: picture
                    .as_ref()
                    .is_some_and(|img| anchor.select(img).next().is_some()),
            })
            .filter(|r| !r.title.is_empty())
        })
        .collect()
}

/// The largest ancestor of `anchor` that holds no other result link.
fn result_block<'a>(anchor: NodeRef<'a, Node>, results: &[ego_tree::NodeId]) -> NodeRef<'a, Node> {
    let mut block = anchor;
    for ancestor in anchor.ancestors() {
        let others = ancestor
            .descendants()
            .any(|d| d.id() != anchor.id() && results.contains(&d.id()));
        if others {
            break;
        }
        block = ancestor;
    }
    block
}

/// The text after `anchor` among its siblings, up to the next result
/// link, less links to a site's home page (where a result is from), one
/// line per `<br>`.
fn trailing_text(anchor: NodeRef<'_, Node>, results: &[ego_tree::NodeId]) -> String {
    let mut out = String::new();
    'siblings: for sibling in anchor.next_siblings() {
        let mut skip_until = None;
        for edge in sibling.traverse() {
            let ego_tree::iter::Edge::Open(node) = edge else {
                if let ego_tree::iter::Edge::Close(node) = edge {
                    if skip_until == Some(node.id()) {
                        skip_until = None;
                    }
                }
                continue;
            };
            if results.contains(&node.id()) {
                break 'siblings;
            }
            if skip_until.is_some() {
                continue;
            }
            match node.value() {
                Node::Element(e) if e.name() == "br" || e.name() == "p" || e.name() == "div" => {
                    out.push('\n')
                }
                Node::Element(e) if e.name() == "a" => {
                    let home = e
                        .attr("href")
                        .and_then(result_target)
                        .is_some_and(|u| u.path() == "/" && u.query().is_none());
                    if home {
                        skip_until = Some(node.id());
                    }
                }
                Node::Text(text) => out.push_str(&text.replace('\n', " ")),
                _ => {}
            }
        }
    }
    out.lines()
        .map(str::trim)
        .filter(|l| l.chars().any(char::is_alphanumeric))
        .collect::<Vec<_>>()
        .join("\n")
}

fn block_text(block: NodeRef<'_, Node>) -> String {
    match ElementRef::wrap(block) {
        Some(element) => html_to_text(&element.html()),
        None => String::new(),
    }
}

/// Splits the text of a result's block, less its title, into the site (the
/// first short line) and the snippet (the rest), dropping furniture.
fn site_and_snippet(text: &str, title: &str) -> (Option<String>, String) {
    let mut lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != title && !is_furniture(l))
        .collect();
    let site = match lines.first() {
        Some(first) if lines.len() > 1 && first.chars().count() <= 80 => {
            Some(lines.remove(0).to_string())
        }
        _ => None,
    };
    (site, lines.join(" "))
}

/// Results of a plain-text alert: each link line (`<https://…>` or a bare
/// URL) closes a result whose title, site and snippet are the lines of the
/// paragraph it ends (results are separated by blank lines).
fn text_results(text: &str) -> Vec<AlertResult> {
    let mut results = Vec::new();
    let mut pending: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        let link = line.trim_start_matches('<').trim_end_matches('>');
        if link.starts_with("http://") || link.starts_with("https://") {
            if let Some(url) = result_target(link) {
                if let Some((title, rest)) = pending.split_first() {
                    let (site, snippet) = site_and_snippet(&rest.join("\n"), title);
                    results.push(AlertResult {
                        title: one_line(title),
                        url,
                        site,
                        snippet,
                        picture: false,
                    });
                }
            }
            pending.clear();
        } else if line.is_empty() {
            pending.clear();
        } else if !is_furniture(line) {
            pending.push(line);
        }
    }
    results
}

/// Plain text as the HTML that reads back as the same text: items carry
/// HTML, and a sender's `<ana@example.com>` or a snippet's `<script>` is
/// text here, not markup. Line breaks are kept.
fn text_as_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', "<br>\n")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
