//! One-click links in alert mail: each recipient's own mail, a GET that
//! only asks, a POST that acts once; tampered, expired and reused links
//! change nothing.

use std::path::Path;
use std::time::Duration;

use reqwest::{redirect, Client, StatusCode};
use vigia::links::{Signer, Step};

use crate::helpers::*;
use crate::inbox::{inbox_port, mentions_of, TEAMS};

/// The text part of the alert mailed to `to` alone.
fn alert_for(dir: &Path, to: &str) -> String {
    let mut found = None;
    wait_for("an alert mail", Duration::from_secs(30), || {
        let files = std::fs::read_dir(dir.join("outbox")).into_iter().flatten();
        found = files.filter_map(Result::ok).find_map(|f| {
            let bytes = std::fs::read(f.path()).ok()?;
            let message = mail_parser::MessageParser::default().parse(&bytes)?;
            let to_list: Vec<String> = message
                .to()?
                .iter()
                .filter_map(|a| a.address().map(str::to_string))
                .collect();
            let subject = message.subject()?.to_string();
            (subject.contains("Urgent") || subject.contains("Critical"))
                .then_some(())
                .filter(|()| to_list == [to.to_string()])?;
            message.body_text(0).map(|t| t.into_owned())
        });
        found.is_some()
    });
    found.unwrap_or_default()
}

/// The URL after `label: ` in the first item of an alert's text.
fn link(text: &str, label: &str) -> String {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{label}: ")))
        .unwrap_or_else(|| panic!("no {label} link: {text}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mailed_link_asks_then_acts_once_for_its_recipient() {
    let server = lumora_server().await;
    // Everything notable is urgent here, so that alerts go out.
    let config = TEAMS.replace("default_team = \"cs\"", "default_team = \"cs\"\nurgent = 1");
    let setup = setup_with(&lumora_feeds(&server), &config);
    let log = setup.dir.path().join("vigia.log");
    let daemon = daemon_logging_to(&setup.config, &log);
    let base = format!("http://127.0.0.1:{}", inbox_port(&log));
    let mail = alert_for(setup.dir.path(), "ana@lumora.example");
    // Each member gets their own mail: tom's links are not ana's.
    let toms = alert_for(setup.dir.path(), "tom@lumora.example");
    assert_ne!(link(&mail, "Acknowledge"), link(&toms, "Acknowledge"));
    assert!(mail.contains("works once, for 7 days"), "{mail}");
    let http = Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let local = |url: String| url.replace("http://vigia.test", &base);
    let ack = local(link(&mail, "Acknowledge"));
    let open = link(&mail, "Open");
    let id: i64 = open.rsplit('/').next().unwrap().parse().unwrap();
    let status = |setup: &Setup| {
        mentions_of(setup, "cs")
            .into_iter()
            .find(|m| m.0 == id)
            .map(|m| m.2)
            .unwrap_or_default()
    };
    assert_eq!(status(&setup), "routed");

    // Opening it (a mail scanner would) only asks.
    let asked = http.get(&ack).send().await.unwrap();
    assert_eq!(asked.status(), StatusCode::OK);
    let page = asked.text().await.unwrap();
    assert!(page.contains("Acknowledge this mention?"), "{page}");
    assert!(page.contains("as ana@lumora.example"), "{page}");
    assert_eq!(status(&setup), "routed");

    // A changed link does nothing.
    let (head, tail) = ack.split_at(ack.len() - 3);
    let flipped = if tail.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head}{flipped}{}", &tail[1..]);
    let answer = http.post(&tampered).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert_eq!(status(&setup), "routed");

    // A form on another site cannot take the step.
    let elsewhere = http.post(&ack).header("sec-fetch-site", "cross-site");
    assert_eq!(
        elsewhere.send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(status(&setup), "routed");

    // The button acts, in the recipient's name, with a note; once.
    let taken = http
        .post(&ack)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("note=on+it")
        .send()
        .await
        .unwrap();
    assert_eq!(taken.status(), StatusCode::OK);
    assert!(taken.text().await.unwrap().contains("is now acknowledged"));
    assert_eq!(status(&setup), "acknowledged");
    let shown = stdout(&setup.vigia(&["mentions", "show", &id.to_string()]));
    assert!(
        shown.contains("by ana@lumora.example (mail link): on it"),
        "{shown}"
    );
    for reuse in [http.get(&ack).send().await, http.post(&ack).send().await] {
        assert_eq!(reuse.unwrap().status(), StatusCode::GONE);
    }

    // Expired, and another team's mention: nothing happens.
    let key = std::fs::read(setup.dir.path().join("link-key")).unwrap();
    let signer = Signer::new(&key);
    let now = vigia::store::now();
    let expired = signer.sign(id, Step::Resolve, "ana@lumora.example", now - 1);
    let answer = http
        .post(format!("{base}/act/{expired}"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::GONE);
    let (tech_id, _, tech_status) = mentions_of(&setup, "tech")[0].clone();
    let elsewhere = signer.sign(tech_id, Step::Ignore, "ana@lumora.example", now + 600);
    let answer = http
        .post(format!("{base}/act/{elsewhere}"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    assert_eq!(status(&setup), "acknowledged");
    assert_eq!(mentions_of(&setup, "tech")[0].2, tech_status);

    // A digest asked for now: each member's own, its open items with
    // their steps, the others with "Open" only.
    let sent = stdout(&setup.vigia(&["digest", "--period", "today", "--team", "cs", "--send"]));
    assert!(sent.contains("queued"), "{sent}");
    // Sent by the daemon beside the command, on its next pass.
    let mut digest = String::new();
    wait_for("ana's digest", Duration::from_secs(30), || {
        digest = mail_to(setup.dir.path(), "ana@lumora.example", "digest");
        !digest.is_empty()
    });
    assert!(
        digest.contains("Acknowledge: http://vigia.test/act/"),
        "{digest}"
    );
    assert!(
        digest.contains("Open: http://vigia.test/mentions/"),
        "{digest}"
    );
    let theirs = mail_to(setup.dir.path(), "tom@lumora.example", "digest");
    assert!(theirs.is_empty(), "tom is not on cs: {theirs}");

    sigterm(&daemon.0);
    let mut daemon = daemon;
    assert!(wait_exit(&mut daemon.0, Duration::from_secs(15)).success());
}

/// The text part of a mail to `to` alone whose subject contains `word`,
/// when there is one now.
fn mail_to(dir: &Path, to: &str, word: &str) -> String {
    let files = std::fs::read_dir(dir.join("outbox")).into_iter().flatten();
    files
        .filter_map(Result::ok)
        .find_map(|f| {
            let bytes = std::fs::read(f.path()).ok()?;
            let message = mail_parser::MessageParser::default().parse(&bytes)?;
            let only = message.to()?.iter().filter_map(|a| a.address()).eq([to]);
            let about = message.subject()?.to_lowercase().contains(word);
            (only && about).then(|| message.body_text(0).map(|t| t.into_owned()))?
        })
        .unwrap_or_default()
}
