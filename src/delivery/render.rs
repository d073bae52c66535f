//! Rendering email: both parts of every message escape what came from
//! outside (titles, quotes, URLs, source names). Mention text is hostile
//! input: a title `<script>` comes out as text, a `javascript:` link as
//! inert text, a line break in a title never reaches a header.

use lettre::message::{Mailbox, MultiPart};

use crate::links::{MailLinks, Step};

pub use crate::text::escape::{escape, plain};

use super::words::{fill, Words};
use lettre::Message;

mod spike;

pub use spike::{SpikeView, TOP};

/// A link to a URL from outside: only `http` and `https` URLs become
/// links; anything else (`javascript:`, `data:`) is shown as inert text.
pub fn link(url: &str, label: &str) -> String {
    match url::Url::parse(url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => {
            format!("<a href=\"{}\">{}</a>", escape(u.as_str()), escape(label))
        }
        _ => format!("{} ({})", escape(label), escape(url)),
    }
}

/// A mention's title from outside, linked to its URL when it has one
/// (and that URL is http or https: see [`link`]).
pub fn title_link(url: Option<&str>, title: &str) -> String {
    match url {
        Some(url) => link(url, title),
        None => escape(title),
    }
}

pub use crate::store::alerts::AlertItem;

/// What an alert is about: its subject line and its first line.
#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    /// The Subject header (made plain here).
    pub subject: String,
    /// The first line of both parts (escaped here).
    pub title: String,
    /// The fixed words of the mail's language.
    pub words: &'static Words,
    /// A spike alert's subjects, sources, quotes and hours.
    pub spike: Option<SpikeView>,
}

impl Heading {
    /// The heading of `team`'s alert about `items`, in `words`' language.
    pub fn team(team: &str, items: &[AlertItem], words: &'static Words) -> Heading {
        let worst = if items.iter().any(|i| i.severity == "critical") {
            words.alert_critical
        } else {
            words.alert_urgent
        };
        let many = |n: usize| {
            let template = if n == 1 {
                words.alert_one
            } else {
                words.alert_many
            };
            fill(template, &[("n", &n.to_string()), ("team", team)])
        };
        let subject = match items {
            [one] => format!("[Vigia] {worst}: {}", one.title),
            items => format!("[Vigia] {worst}: {}", many(items.len())),
        };
        Heading {
            subject,
            title: format!("{worst}: {}", many(items.len())),
            words,
            spike: None,
        }
    }
}

/// The one-click links of an alert mailed to one recipient.
#[derive(Debug, Clone, Copy)]
pub struct Links<'a> {
    /// Makes and signs them.
    pub links: &'a MailLinks,
    /// The one address the mail goes to.
    pub recipient: &'a str,
    /// When the mail is made (Unix seconds).
    pub now: i64,
    /// Only these mentions get links (the ones the recipient may open);
    /// all when None.
    pub only: Option<&'a std::collections::HashSet<i64>>,
}

/// How a reply to an alert acts: where it goes, and the token that names
/// the mail it answers.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// The `Reply-To` address.
    pub to: &'a Mailbox,
    /// Its token, in the subject.
    pub token: &'a str,
}

/// An alert's subject: the heading's, and the reply token when replies
/// act (it names the mail when a client drops `In-Reply-To`).
pub fn subject(heading: &Heading, answer: Option<Answer<'_>>) -> String {
    match answer {
        Some(answer) => format!("{} [{}]", heading.subject, answer.token),
        None => heading.subject.clone(),
    }
}

impl Links<'_> {
    /// (label, URL) of each link for mention `id`: open, then each step.
    pub(in crate::delivery) fn of(&self, id: i64, words: &Words) -> Vec<(&'static str, String)> {
        let mut out = vec![(words.steps[0], self.links.open(id))];
        for (step, label) in Step::ALL.into_iter().zip(&words.steps[1..]) {
            out.push((*label, self.links.step(id, step, self.recipient, self.now)));
        }
        out
    }
}

/// A row of links under an item: "Label: URL" lines in the text part,
/// buttons (table cells, which every mail client shows) in the HTML one.
pub(in crate::delivery) fn buttons(
    links: &[(&'static str, String)],
    (text, html): (&mut String, &mut String),
) {
    html.push_str("<table role=\"presentation\" style=\"margin:6px 0 0\"><tr>");
    for (label, url) in links {
        text.push_str(&format!("  {label}: {url}\n"));
        html.push_str(&format!(
            "<td style=\"padding:0 8px 0 0\"><a href=\"{}\" style=\"display:inline-block;padding:4px 10px;border:1px solid #1f5fbf;border-radius:4px;color:#1f5fbf;text-decoration:none;font-size:13px\">{}</a></td>",
            escape(url),
            escape(label)
        ));
    }
    text.push('\n');
    html.push_str("</tr></table>");
}

/// An alert: a heading and the mentions it is about, with one-click
/// links when it goes to one recipient of an installation with an inbox.
pub fn alert(
    (from, to, message_id): (&Mailbox, &[Mailbox], &str),
    heading: &Heading,
    items: &[AlertItem],
    links: Option<Links<'_>>,
    answer: Option<Answer<'_>>,
) -> Result<Message, lettre::error::Error> {
    let words = heading.words;
    let mut text = format!("{}:\n\n", plain(&heading.title));
    let mut html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:Arial,sans-serif;color:#222\">\
         <h2 style=\"margin:0 0 12px\">{}</h2>",
        escape(&heading.title)
    );
    if let Some(view) = &heading.spike {
        view.render(words, &mut text, &mut html);
    }
    for i in items {
        let score = i
            .sentiment
            .map(|s| words.number(s, 2, true))
            .unwrap_or_else(|| "-".into());
        let subject = i
            .subject
            .as_ref()
            .map(|(label, n)| {
                fill(
                    words.subject_in_window,
                    &[("label", &plain(label)), ("n", &n.to_string())],
                )
            })
            .unwrap_or_default();
        let severity = words.severity(&i.severity);
        let why = i
            .reasons
            .as_ref()
            .map(|r| words.reasons(r))
            .unwrap_or_default();
        let sentiment = words.sentiment_word;
        let source = match words.byline(&i.byline) {
            Some(byline) => format!("{} · {byline}", i.source),
            None => i.source.clone(),
        };
        text.push_str(&format!(
            "#{} [{severity}] {} ({}, {sentiment} {score})\n  {why}\n  \"{}\"\n  {}\n  {}: {}  {subject}\n\n",
            i.id,
            plain(&i.title),
            plain(&i.brand),
            plain(&i.snippet),
            plain(i.url.as_deref().unwrap_or(words.no_link)),
            words.source,
            plain(&source),
        ));
        let color = if i.severity == "critical" {
            "#b00020"
        } else {
            "#c05600"
        };
        let title = title_link(i.url.as_deref(), &i.title);
        html.push_str(&format!(
            "<div style=\"border-left:4px solid {color};padding:4px 12px;margin:0 0 16px\">\
             <div style=\"font-size:12px;color:{color};text-transform:uppercase\">{} · {} · {sentiment} {score}</div>\
             <div style=\"font-size:16px;font-weight:bold;margin:2px 0\">{title}</div>\
             <div style=\"font-size:12px;color:#444\">{}</div>\
             <blockquote style=\"margin:4px 0;color:#444\">{}</blockquote>\
             <div style=\"font-size:12px;color:#666\">#{} · {} {}</div>",
            escape(severity),
            escape(&i.brand),
            escape(&why),
            escape(&i.snippet),
            i.id,
            escape(&source),
            escape(&subject),
        ));
        if let Some(links) = links.filter(|l| l.only.is_none_or(|only| only.contains(&i.id))) {
            buttons(&links.of(i.id, words), (&mut text, &mut html));
        }
        html.push_str("</div>");
    }
    let mut notes = vec![match &links {
        Some(links) => fill(
            words.links_note,
            &[("days", &links.links.days().to_string())],
        ),
        None => words.follow_up.to_string(),
    }];
    if answer.is_some() {
        notes.push(words.replies_note.to_string());
    }
    for note in notes {
        text.push_str(&format!("{note}\n"));
        html.push_str(&format!(
            "<p style=\"font-size:12px;color:#666\">{}</p>",
            escape(&note)
        ));
    }
    html.push_str("</body></html>");
    let mut builder = Message::builder()
        .from(from.clone())
        .subject(plain(&subject(heading, answer)))
        .message_id(Some(message_id.to_string()));
    if let Some(answer) = answer {
        builder = builder.reply_to(answer.to.clone());
    }
    for mailbox in to {
        builder = builder.to(mailbox.clone());
    }
    builder.multipart(MultiPart::alternative_plain_html(text, html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_comes_out_inert() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(
            link("javascript:alert(1)", "click"),
            "click (javascript:alert(1))"
        );
        assert_eq!(
            link("https://ex.com/a?b=\"c\"", "<b>t</b>"),
            "<a href=\"https://ex.com/a?b=%22c%22\">&lt;b&gt;t&lt;/b&gt;</a>"
        );
        assert_eq!(plain("line\r\nBcc: evil@x\u{202e}"), "line  Bcc: evil@x");
    }

    /// A recipient gets links only for the mentions they may open (a
    /// spike's mentions go to several teams).
    #[test]
    fn links_only_for_what_the_recipient_may_open() {
        let item = |id: i64| AlertItem {
            id,
            brand: "Lumora".into(),
            title: format!("title {id}"),
            url: None,
            snippet: "quote".into(),
            severity: "urgent".into(),
            sentiment: Some(-0.7),
            source: "feed".into(),
            subject: None,
            reasons: None,
            byline: Default::default(),
        };
        let links = MailLinks::new(
            crate::links::Signer::new(b"0123456789abcdef0123456789abcdef"),
            "https://vigia.example.com/",
            std::time::Duration::from_secs(86_400),
        );
        let only: std::collections::HashSet<i64> = [7].into();
        let from: Mailbox = "vigia@x.example".parse().unwrap();
        let to: Mailbox = "ana@x.example".parse().unwrap();
        let heading = Heading::team("cs", &[item(7), item(8)], &super::super::words::EN);
        let made = Links {
            links: &links,
            recipient: "ana@x.example",
            now: 0,
            only: Some(&only),
        };
        let message = alert(
            (&from, &[to], "<m@x>"),
            &heading,
            &[item(7), item(8)],
            Some(made),
            None,
        )
        .unwrap()
        .formatted();
        let text = String::from_utf8_lossy(&message);
        assert!(
            text.contains("https://vigia.example.com/mentions/7"),
            "{text}"
        );
        assert!(
            !text.contains("https://vigia.example.com/mentions/8"),
            "{text}"
        );
    }
}
