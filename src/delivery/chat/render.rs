//! A chat message in each receiver's format: Slack's Block Kit, a Teams
//! Adaptive Card, Telegram's HTML, and Vigia's own JSON for webhooks.
//! Everything from outside (titles, quotes, authors, links) is escaped
//! for the format it goes into: Slack's `&<>` and link syntax, Telegram's
//! HTML, Adaptive Cards' Markdown; JSON itself is written by serde.

use serde_json::{json, Value};

use super::Target;

/// What a chat message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Urgent and critical mentions.
    Alert,
    /// A negative spike.
    Spike,
    /// A digest.
    Digest,
}

impl Kind {
    /// Its name, in the outbox and in webhook events.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Alert => "alert",
            Kind::Spike => "spike",
            Kind::Digest => "digest",
        }
    }
}

/// One mention in a chat message.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteItem {
    /// Mention id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Its link.
    pub url: Option<String>,
    /// The quote.
    pub quote: String,
    /// Its severity (`urgent`), in the team's words for people.
    pub severity: String,
    /// The severity's name (`urgent`), for machines.
    pub severity_name: String,
    /// Its compound sentiment.
    pub sentiment: Option<f64>,
    /// Where it was seen, and who wrote it ("forum · by u/ana · 214
    /// points").
    pub source: String,
    /// Its author, for machines.
    pub author: Option<String>,
    /// Its reach, for machines.
    pub reach: Option<crate::source::Reach>,
    /// The mention in the inbox, when `[web]` is on.
    pub open: Option<String>,
}

/// A chat message, before it is written for a receiver.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// What it is about.
    pub kind: Kind,
    /// The team it goes to (several: a spike's).
    pub teams: Vec<String>,
    /// Its first line.
    pub heading: String,
    /// Lines under it (a spike's usual level, a digest's counts).
    pub lines: Vec<String>,
    /// The mentions, most important first (at most [`MAX_ITEMS`]).
    pub items: Vec<NoteItem>,
    /// How many mentions it is about in all.
    pub total: usize,
    /// The inbox, when `[web]` is on.
    pub inbox: Option<String>,
    /// The words of the team's language.
    pub words: &'static crate::delivery::words::Words,
}

impl Note {
    /// "+{n} more" for the mentions not shown, when there are some.
    fn more(&self, shown: usize) -> Option<String> {
        (self.total > shown).then(|| {
            crate::delivery::words::fill(
                self.words.chat[3],
                &[("n", &(self.total - shown).to_string())],
            )
        })
    }
}

/// The most mentions one chat message shows; the rest are counted.
pub const MAX_ITEMS: usize = 10;

/// The longest quote shown, in characters.
const QUOTE_CHARS: usize = 280;

/// `note` as `target` takes it (JSON).
pub fn payload(target: &Target, note: &Note) -> String {
    let value = match target {
        Target::Slack { .. } => slack(note),
        Target::Teams { .. } => teams(note),
        Target::Telegram { chat_id, .. } => json!({
            "chat_id": chat_id,
            "text": telegram(note),
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": true},
        }),
        Target::Webhook { .. } => webhook(note),
    };
    value.to_string()
}

fn short(text: &str) -> String {
    crate::pipeline::snippet::cut(text, QUOTE_CHARS)
}

/// The longest text of a Slack section, less a margin: Slack's limit is
/// 3,000 characters.
const SLACK_SECTION: usize = 2_900;

/// Slack's mrkdwn escapes: `&`, `<`, `>` (its own syntax), nothing else.
fn slack_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A link in Slack's `<url|text>`: the text without `|`, the URL without
/// `|` or `>`.
fn slack_link(url: &str, text: &str) -> String {
    let url = url
        .replace('|', "%7C")
        .replace('>', "%3E")
        .replace('<', "%3C");
    format!("<{url}|{}>", slack_text(&text.replace('|', "¦")))
}

fn slack(note: &Note) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": crate::pipeline::snippet::cut(&note.heading, 150), "emoji": false},
    })];
    if !note.lines.is_empty() {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": crate::pipeline::snippet::cut(&slack_text(&note.lines.join("\n")), SLACK_SECTION), "verbatim": true},
        }));
    }
    for item in &note.items {
        let title = match &item.url {
            Some(url) => slack_link(url, &item.title),
            None => slack_text(&item.title),
        };
        let mut text = format!(
            "*{}* · {title}\n>{}\n_{}_",
            slack_text(&item.severity),
            slack_text(&short(&item.quote)).replace('\n', "\n>"),
            slack_text(&item.source)
        );
        if let Some(open) = &item.open {
            text.push_str(&format!(
                " · {}",
                slack_link(open, &format!("#{}", item.id))
            ));
        }
        // Slack refuses a section over 3,000 characters: a link long
        // enough to pass that goes (the inbox's stays).
        if text.chars().count() > SLACK_SECTION {
            text = text.replacen(&title, &slack_text(&item.title), 1);
        }
        let text = crate::pipeline::snippet::cut(&text, SLACK_SECTION);
        blocks.push(
            json!({"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": true}}),
        );
    }
    if let Some(more) = note.more(note.items.len()) {
        blocks.push(json!({
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": slack_text(&more), "verbatim": true}],
        }));
    }
    if let Some(inbox) = &note.inbox {
        blocks.push(json!({
            "type": "actions",
            "elements": [{"type": "button", "text": {"type": "plain_text", "text": note.words.chat[2]}, "url": inbox}],
        }));
    }
    json!({"text": note.heading, "blocks": blocks})
}

/// Adaptive Cards read a Markdown subset (emphasis, links, lists): what
/// could start it is escaped, emphasis and link brackets anywhere, list
/// and heading marks at the start of a line.
fn card_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let indent = line.len() - line.trim_start().len();
        let rest = &line[indent..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        let mark = if rest.starts_with(['#', '-', '+', '>']) {
            Some(indent)
        } else if digits > 0 && rest[digits..].starts_with(['.', ')']) {
            Some(indent + digits)
        } else {
            None
        };
        for (i, c) in line.char_indices() {
            if matches!(c, '\\' | '*' | '_' | '[' | ']' | '`' | '~') || mark == Some(i) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

fn teams(note: &Note) -> Value {
    let mut body = vec![json!({
        "type": "TextBlock", "text": card_text(&note.heading), "weight": "Bolder", "size": "Medium", "wrap": true,
    })];
    for line in &note.lines {
        body.push(
            json!({"type": "TextBlock", "text": card_text(line), "wrap": true, "isSubtle": true}),
        );
    }
    for item in &note.items {
        let colour = match item.severity_name.as_str() {
            "critical" | "urgent" => "Attention",
            _ => "Default",
        };
        let mut container = vec![
            json!({"type": "TextBlock", "text": card_text(&item.severity), "color": colour, "size": "Small", "weight": "Bolder"}),
            json!({"type": "TextBlock", "text": card_text(&item.title), "weight": "Bolder", "wrap": true}),
            json!({"type": "TextBlock", "text": card_text(&short(&item.quote)), "wrap": true, "isSubtle": true}),
            json!({"type": "TextBlock", "text": card_text(&item.source), "size": "Small", "wrap": true}),
        ];
        let mut actions = Vec::new();
        if let Some(url) = &item.url {
            actions
                .push(json!({"type": "Action.OpenUrl", "title": note.words.chat[0], "url": url}));
        }
        if let Some(open) = &item.open {
            actions
                .push(json!({"type": "Action.OpenUrl", "title": note.words.chat[1], "url": open}));
        }
        if !actions.is_empty() {
            container.push(json!({"type": "ActionSet", "actions": actions}));
        }
        body.push(json!({"type": "Container", "separator": true, "items": container}));
    }
    if let Some(more) = note.more(note.items.len()) {
        body.push(json!({"type": "TextBlock", "text": card_text(&more), "isSubtle": true}));
    }
    let actions: Vec<Value> = note
        .inbox
        .iter()
        .map(|inbox| json!({"type": "Action.OpenUrl", "title": note.words.chat[2], "url": inbox}))
        .collect();
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
                "actions": actions,
            },
        }],
    })
}

/// Telegram's HTML: `&`, `<`, `>` and, in attributes, `"` escaped.
fn html(text: &str) -> String {
    crate::text::escape::escape(text)
}

/// The message text, within Telegram's 4,096 characters.
fn telegram(note: &Note) -> String {
    let mut out = format!(
        "<b>{}</b>",
        html(&crate::pipeline::snippet::cut(&note.heading, 256))
    );
    let lines = crate::pipeline::snippet::cut(&note.lines.join("\n"), 1_000);
    if !lines.is_empty() {
        out.push_str(&format!("\n{}", html(&lines)));
    }
    let mut shown = 0;
    for item in &note.items {
        let title = match &item.url {
            Some(url) => format!("<a href=\"{}\">{}</a>", html(url), html(&item.title)),
            None => html(&item.title),
        };
        let mut block = format!(
            "\n\n<b>{}</b> · {title}\n<i>{}</i>",
            html(&item.severity),
            html(&item.source)
        );
        if let Some(open) = &item.open {
            block.push_str(&format!(" · <a href=\"{}\">#{}</a>", html(open), item.id));
        }
        block.push_str(&format!(
            "\n<blockquote>{}</blockquote>",
            html(&short(&item.quote))
        ));
        if out.chars().count() + block.chars().count() > 3_900 {
            break;
        }
        out.push_str(&block);
        shown += 1;
    }
    if let Some(more) = note.more(shown) {
        out.push_str(&format!("\n\n{}", html(&more)));
    }
    if let Some(inbox) = &note.inbox {
        out.push_str(&format!(
            "\n\n<a href=\"{}\">Open the inbox</a>",
            html(inbox)
        ));
    }
    out
}

fn webhook(note: &Note) -> Value {
    let items: Vec<Value> = note
        .items
        .iter()
        .map(|i| {
            json!({
                "id": i.id,
                "title": i.title,
                "url": i.url,
                "quote": i.quote,
                "severity": i.severity_name,
                "sentiment": i.sentiment,
                "author": i.author,
                "reach": i.reach.map(|r| r.count),
                "reach_kind": i.reach.map(|r| r.kind.name()),
                "inbox_url": i.open,
            })
        })
        .collect();
    json!({
        "event": note.kind.name(),
        "teams": note.teams,
        "title": note.heading,
        "lines": note.lines,
        "mentions": items,
        "total": note.total,
        "inbox_url": note.inbox,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hostile() -> Note {
        Note {
            kind: Kind::Alert,
            teams: vec!["support".into()],
            heading: "URGENT: 1 mention for support".into(),
            lines: Vec::new(),
            items: vec![NoteItem {
                id: 7,
                title: "<script>alert(1)</script> | *bold* [x](https://evil.example)".into(),
                url: Some("https://news.example/a?b=1&c=<2>|3".into()),
                quote: "Lumora & co <b>broke</b> it".into(),
                severity: "urgent".into(),
                severity_name: "urgent".into(),
                sentiment: Some(-0.8),
                source: "forum · by <@U123> · 5 points".into(),
                author: Some("<@U123>".into()),
                reach: None,
                open: None,
            }],
            total: 3,
            inbox: Some("https://vigia.example/".into()),
            words: &crate::delivery::words::EN,
        }
    }

    #[test]
    fn slack_escapes_its_syntax() {
        let v: Value = serde_json::from_str(&payload(
            &Target::Slack {
                url: crate::secret::PasswordSource::Env("X".into()),
            },
            &hostile(),
        ))
        .unwrap();
        let text = v["blocks"][1]["text"]["text"].as_str().unwrap();
        assert!(text.contains("<https://news.example/a?b=1&c=%3C2%3E%7C3|&lt;script&gt;alert(1)&lt;/script&gt; ¦ *bold*"), "{text}");
        assert!(
            text.contains("Lumora &amp; co &lt;b&gt;broke&lt;/b&gt; it"),
            "{text}"
        );
        assert!(
            text.contains("by &lt;@U123&gt;"),
            "no mention of a Slack user: {text}"
        );
        assert_eq!(v["blocks"][2]["elements"][0]["text"], "+2 more");
    }

    #[test]
    fn telegram_and_teams_escape_theirs() {
        let target = Target::Telegram {
            token: crate::secret::PasswordSource::Env("T".into()),
            chat_id: "-100".into(),
            api: url::Url::parse("https://api.telegram.org/").unwrap(),
        };
        let v: Value = serde_json::from_str(&payload(&target, &hostile())).unwrap();
        let text = v["text"].as_str().unwrap();
        assert!(text.contains("&lt;script&gt;"), "{text}");
        assert!(
            text.contains("href=\"https://news.example/a?b=1&amp;c=&lt;2&gt;|3\""),
            "{text}"
        );
        assert_eq!(v["parse_mode"], "HTML");
        assert_eq!(v["chat_id"], "-100");
        let card: Value = serde_json::from_str(&payload(
            &Target::Teams {
                url: crate::secret::PasswordSource::Env("X".into()),
            },
            &hostile(),
        ))
        .unwrap();
        let title = &card["attachments"][0]["content"]["body"][1]["items"][1]["text"];
        assert_eq!(
            title,
            r"<script>alert(1)</script> | \*bold\* \[x\](https://evil.example)"
        );
        assert_eq!(card_text("- a\n2. b (c) - d!"), "\\- a\n2\\. b (c) - d!");
    }
}
