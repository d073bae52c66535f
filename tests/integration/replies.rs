//! Replies that act: an alert mail asks for replies at `[mail] reply_to`;
//! a Maildir read with `role = "replies"` brings them back, and a reply
//! from a recipient whose first line is a command follows the mentions
//! up in their name. Strangers, forged tokens and auto-replies change
//! nothing, and a reply read twice acts once.

use std::path::Path;

use crate::dovecot::{Dovecot, PASSWORD};
use crate::helpers::*;
use crate::inbox::mentions_of;

const CONFIG: &str = r#"
[mail]
from = "vigia@lumora.example"
reply_to = "vigia-replies@lumora.example"

[[team]]
name = "cs"
recipients = ["Ana <ana@lumora.example>"]

[[team]]
name = "tech"
recipients = ["tom@lumora.example"]

[[route]]
query = 'recall OR recalls'
teams = ["tech"]
stop = true

[triage]
default_team = "cs"
urgent = 1

[[maildir]]
name = "replies"
path = "replies"
role = "replies"
"#;

/// The alert mailed to `to`: its Message-ID, subject, Reply-To and the
/// mention ids it lists.
struct Alert {
    message_id: String,
    subject: String,
    reply_to: String,
    mentions: Vec<i64>,
}

fn alert_for(dir: &Path, to: &str) -> Alert {
    let files = std::fs::read_dir(dir.join("outbox")).unwrap();
    for file in files.filter_map(Result::ok) {
        let bytes = std::fs::read(file.path()).unwrap();
        let message = mail_parser::MessageParser::default().parse(&bytes).unwrap();
        let addressed = message
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .is_some_and(|a| a == to);
        let subject = message.subject().unwrap_or_default().to_string();
        if !addressed || !subject.contains("Urgent") {
            continue;
        }
        let text = message.body_text(0).unwrap_or_default();
        let mentions = text
            .lines()
            .filter_map(|l| l.strip_prefix('#')?.split(' ').next()?.parse().ok())
            .collect();
        let reply_to = message
            .reply_to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_string();
        return Alert {
            message_id: format!("<{}>", message.message_id().unwrap_or_default()),
            subject,
            reply_to,
            mentions,
        };
    }
    panic!("no alert mail to {to}");
}

/// Delivers a reply into the replies Maildir.
fn deliver(dir: &Path, name: &str, headers: &str, body: &str) {
    let mail = format!(
        "{headers}\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{name}@mail.example>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    );
    std::fs::write(dir.join("replies/new").join(name), mail).unwrap();
}

fn status_of(setup: &Setup, team: &str, id: i64) -> String {
    mentions_of(setup, team)
        .into_iter()
        .find(|m| m.0 == id)
        .map(|m| m.2)
        .unwrap_or_else(|| panic!("no mention {id} for {team}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_from_a_recipient_acts_and_nothing_else_does() {
    let server = lumora_server().await;
    let setup = setup_with(&lumora_feeds(&server), CONFIG);
    let dir = setup.dir.path();
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(dir.join("replies").join(sub)).unwrap();
    }
    stdout(&setup.vigia(&["poll", "--once", "--quiet"]));
    let alert = alert_for(dir, "ana@lumora.example");
    assert_eq!(alert.reply_to, "vigia-replies@lumora.example");
    assert!(alert.mentions.len() >= 2, "{:?}", alert.mentions);
    let token = alert
        .subject
        .rsplit_once('[')
        .and_then(|(_, t)| t.strip_suffix(']'))
        .unwrap_or_else(|| panic!("no token in {:?}", alert.subject))
        .to_string();
    assert!(alert.message_id.contains(&token), "{}", alert.message_id);
    // The token is in the mail, not in what the outbox shows.
    let listed = stdout(&setup.vigia(&["outbox", "--all"]));
    assert!(
        listed.contains("Urgent") && !listed.contains(&token),
        "{listed}"
    );
    let (first, second) = (alert.mentions[0], alert.mentions[1]);
    let (tech, _, _) = mentions_of(&setup, "tech")[0].clone();
    let answer = format!(
        "Subject: Re: {}\r\nIn-Reply-To: {}\r\nReferences: {}",
        alert.subject, alert.message_id, alert.message_id
    );

    // A stranger, a forged token, an out-of-office, a note with no
    // command, and a recipient naming another team's mention: nothing.
    deliver(
        dir,
        "stranger",
        &format!("From: eve@evil.example\r\n{answer}"),
        "resolve\r\n",
    );
    let forged = token.replace(&token[token.len() - 4..], "0000");
    deliver(
        dir,
        "forged",
        &format!("From: ana@lumora.example\r\nSubject: Re: alert [{forged}]"),
        "ignore\r\n",
    );
    deliver(
        dir,
        "away",
        &format!("From: ana@lumora.example\r\nAuto-Submitted: auto-replied\r\n{answer}"),
        "OK, I am out of the office until Monday.\r\n",
    );
    deliver(
        dir,
        "chatter",
        &format!("From: ana@lumora.example\r\n{answer}"),
        "Thanks, I will look at it tomorrow.\r\n",
    );
    deliver(
        dir,
        "elsewhere",
        &format!("From: ana@lumora.example\r\n{answer}"),
        &format!("ignore #{tech}\r\n"),
    );
    // A recipient's reply: the first line names one mention and says
    // what was done; the quoted alert under it is not read.
    deliver(
        dir,
        "resolved",
        &format!("From: Ana <ANA@lumora.example>\r\n{answer}"),
        &format!(
            "resolvido #{first}: trocamos a lâmpada\r\ndo cliente.\r\n\r\nAna\r\n\r\n\
             Em seg., 30 de nov. de 2026 às 09:00, Vigia <vigia@lumora.example> escreveu:\r\n\
             > ignore\r\n> #{second} [urgent] ...\r\n"
        ),
    );
    // The token in the subject is enough when a client drops In-Reply-To.
    deliver(
        dir,
        "seen",
        &format!("From: ana@lumora.example\r\nSubject: Re: {}", alert.subject),
        "ok\r\n",
    );
    let stored = setup.mentions().len();
    let out = stdout(&setup.vigia(&["poll", "--once", "--quiet"]));
    // Replies quote the alert, brand and all: they are never mentions.
    assert_eq!(setup.mentions().len(), stored);
    assert!(
        out.contains(&format!("reply from ana@lumora.example: #{first} resolved")),
        "{out}"
    );
    assert!(
        out.contains("\"eve@evil.example\" is not a recipient"),
        "{out}"
    );
    assert!(out.contains("no valid token"), "{out}");
    assert!(out.contains("an automatic reply"), "{out}");
    assert!(out.contains("first line is no command"), "{out}");
    assert!(
        out.contains(&format!("#{tech} is not in that alert")),
        "{out}"
    );

    assert_eq!(status_of(&setup, "cs", first), "resolved");
    assert_eq!(status_of(&setup, "tech", tech), "routed");
    for id in &alert.mentions[1..] {
        assert_eq!(status_of(&setup, "cs", *id), "acknowledged", "#{id}");
    }
    let shown = stdout(&setup.vigia(&["mentions", "show", &first.to_string()]));
    assert!(
        shown.contains("by ana@lumora.example (reply): trocamos a lâmpada do cliente."),
        "{shown}"
    );

    // Polled again: each reply acts once (the Maildir reads each message
    // once, and a reply read again would be known by its Message-ID). A
    // reopen then acts, once.
    deliver(
        dir,
        "reopen",
        &format!("From: ana@lumora.example\r\n{answer}"),
        &format!("reabrir #{first} o cliente voltou a reclamar\r\n"),
    );
    let out = stdout(&setup.vigia(&["poll", "--once", "--quiet"]));
    assert!(out.contains(&format!("#{first} routed")), "{out}");
    assert!(
        !out.contains("stranger") && !out.contains("resolved"),
        "{out}"
    );
    assert_eq!(status_of(&setup, "cs", first), "routed");
    let out = stdout(&setup.vigia(&["poll", "--once", "--quiet"]));
    assert!(!out.contains("reply from"), "{out}");
    let shown = stdout(&setup.vigia(&["mentions", "show", &first.to_string()]));
    assert_eq!(shown.matches("(reply)").count(), 2, "{shown}");
}

/// The same over IMAP, against a real Dovecot: the reply is read once
/// and acts.
#[tokio::test(flavor = "multi_thread")]
async fn a_reply_read_over_imap_acts() {
    let dovecot = Dovecot::start();
    let server = lumora_server().await;
    let config = CONFIG.replace(
        "[[maildir]]\nname = \"replies\"\npath = \"replies\"\n",
        &format!(
            "[[imap]]\nname = \"replies\"\nhost = \"127.0.0.1\"\nport = {}\ntls = \"plain\"\n\
             user = \"vigia\"\npassword_file = \"imap-password\"\nafter = \"seen\"\n",
            dovecot.imap_port,
        ),
    );
    let setup = setup_with(&lumora_feeds(&server), &config);
    std::fs::write(setup.dir.path().join("imap-password"), PASSWORD).unwrap();
    stdout(&setup.vigia(&["poll", "--once", "--quiet"]));
    let alert = alert_for(setup.dir.path(), "ana@lumora.example");
    let id = alert.mentions[0];
    let reply = format!(
        "From: ana@lumora.example\r\nSubject: Re: {}\r\nIn-Reply-To: {}\r\n\
         Message-ID: <imap-reply@mail.example>\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n\r\n\
         ignore #{id} not about our lamps\r\n",
        alert.subject, alert.message_id
    );
    dovecot.append("INBOX", reply.as_bytes()).await;
    let out = stdout(&setup.vigia(&["poll", "--once", "--quiet"]));
    assert!(out.contains(&format!("#{id} ignored")), "{out}");
    assert_eq!(status_of(&setup, "cs", id), "ignored");
    let out = stdout(&setup.vigia(&["poll", "--once", "--quiet"]));
    assert!(!out.contains("reply from"), "{out}");
}

#[test]
fn a_reply_address_needs_a_mailbox_that_reads_it() {
    let setup = setup_with(&[], "[mail]\nreply_to = \"vigia-replies@lumora.example\"\n");
    let out = setup.vigia(&["check"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mail.reply_to"), "{err}");
    assert!(err.contains("role = \"replies\""), "{err}");
    let setup = setup_with(
        &[],
        "[[maildir]]\nname = \"r\"\npath = \"r\"\nrole = \"replys\"\n",
    );
    let err = String::from_utf8_lossy(&setup.vigia(&["check"]).stderr).to_string();
    assert!(err.contains("maildir[0].role"), "{err}");
}

/// A burst of urgent mentions (a first poll, an outage) goes out as
/// several alert mails of at most 50 mentions, each its own reply token.
#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_urgent_mentions_is_several_alert_mails() {
    let server = FeedServer::start().await;
    let items: String = (1..=120)
        .map(|i| {
            format!(
                "<item><title>Lumora lamp {i} overheated</title><link>https://burst.example/{i}</link>\
                 <description>My Lumora lamp number {i} overheated and burned the shade, a fire hazard.</description></item>"
            )
        })
        .collect();
    let feed = format!("<rss version=\"2.0\"><channel><title>Burst</title>{items}</channel></rss>");
    server.set("/burst.xml", Reply::Feed(feed.into_bytes()));
    let config = CONFIG.replace(
        "[[maildir]]\nname = \"replies\"\npath = \"replies\"\nrole = \"replies\"\n",
        "",
    );
    let setup = setup_with(&[("burst", server.url("/burst.xml"))], &config);
    std::fs::create_dir_all(setup.dir.path().join("replies")).unwrap();
    let config_text = std::fs::read_to_string(&setup.config)
        .unwrap()
        .replace("reply_to = \"vigia-replies@lumora.example\"\n", "");
    std::fs::write(&setup.config, config_text).unwrap();
    stdout(&setup.vigia(&["poll", "--once", "--quiet"]));
    let mut listed: Vec<usize> = Vec::new();
    for file in std::fs::read_dir(setup.dir.path().join("outbox")).unwrap() {
        let bytes = std::fs::read(file.unwrap().path()).unwrap();
        let message = mail_parser::MessageParser::default().parse(&bytes).unwrap();
        let text = message.body_text(0).unwrap_or_default();
        let items = text.lines().filter(|l| l.starts_with('#')).count();
        if message.subject().unwrap_or_default().contains("Urgent") {
            listed.push(items);
        }
    }
    listed.sort_unstable();
    assert_eq!(listed, [20, 50, 50], "{listed:?}");
}
