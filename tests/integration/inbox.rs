//! The web inbox, over HTTP against the running daemon: sign-in by a link
//! taken from the outbox's .eml, the team's mentions only, CSRF on every
//! change, follow-up with a note, search, hostile titles inert.

use std::path::Path;
use std::time::Duration;

use reqwest::header::{CONTENT_SECURITY_POLICY, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{redirect, Client, StatusCode};

use crate::helpers::*;

/// An item whose title (escaped twice: its text, once read, is markup)
/// and link try to run script.
const HOSTILE: &str = r#"<?xml version="1.0"?>
<rss version="2.0"><channel><title>Hostile</title>
<item><guid>h1</guid><title>Lumora &amp;lt;img src=x onerror=alert(1)&amp;gt; "sale" &amp;lt;script&amp;gt;alert(2)&amp;lt;/script&amp;gt;</title>
<link>javascript:alert(3)</link>
<description>Lumora lamps &lt;b onmouseover=alert(4)&gt;cheap&lt;/b&gt; today, a whole sentence about them.</description></item>
</channel></rss>"#;

pub const TEAMS: &str = r#"
[mail]
from = "vigia@lumora.example"

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

[web]
listen = "127.0.0.1:0"
base_url = "http://vigia.test"
admins = ["ops@lumora.example"]
"#;

/// The port the daemon logging to `log` serves the inbox on.
pub fn inbox_port(log: &Path) -> u16 {
    let mut port = None;
    wait_for("the web inbox", Duration::from_secs(30), || {
        port = log_events(log)
            .iter()
            .find(|v| v["message"] == "Serving the web inbox.")
            .and_then(|v| v["addr"].as_str().map(str::to_string))
            .and_then(|addr| addr.rsplit(':').next().and_then(|p| p.parse().ok()));
        port.is_some()
    });
    port.unwrap_or_default()
}

/// The sign-in link mailed to `to`, from the outbox's .eml files.
pub fn mailed_token(dir: &Path, to: &str) -> String {
    let mut token = None;
    wait_for("the sign-in mail", Duration::from_secs(30), || {
        let files = std::fs::read_dir(dir.join("outbox")).into_iter().flatten();
        token = files.filter_map(Result::ok).find_map(|f| {
            let bytes = std::fs::read(f.path()).ok()?;
            let message = mail_parser::MessageParser::default().parse(&bytes)?;
            let addressed = message
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .is_some_and(|a| a == to);
            let body = message.body_text(0)?;
            let (_, rest) = body.split_once("http://vigia.test/login/")?;
            addressed.then(|| {
                rest.split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
        });
        token.is_some()
    });
    token.unwrap_or_default()
}

/// The value of the first `name="csrf"` field of a page.
pub fn csrf(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string()
}

/// Mention ids by title, for a team, from the CLI.
pub fn mentions_of(setup: &Setup, team: &str) -> Vec<(i64, String, String)> {
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout(&setup.vigia(&[
        "mentions", "--team", team, "--format", "json", "--limit", "500",
    ])))
    .unwrap_or_default();
    rows.iter()
        .map(|r| {
            let text = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            (
                r["id"].as_i64().unwrap_or_default(),
                text("title"),
                text("status"),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_team_member_signs_in_by_mail_and_follows_up_in_the_browser() {
    let server = lumora_server().await;
    server.set("/hostile.xml", Reply::Feed(HOSTILE.as_bytes().to_vec()));
    let mut feeds = lumora_feeds(&server);
    feeds.push(("hostile", server.url("/hostile.xml")));
    let setup = setup_with(&feeds, TEAMS);
    let log = setup.dir.path().join("vigia.log");
    let daemon = daemon_logging_to(&setup.config, &log);
    let base = format!("http://127.0.0.1:{}", inbox_port(&log));
    wait_for("the first poll", Duration::from_secs(30), || {
        !mentions_of(&setup, "cs").is_empty() && !mentions_of(&setup, "tech").is_empty()
    });
    let http = Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();

    // Nobody signed in: the sign-in page.
    let answer = http.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(answer.headers()[LOCATION], "/login");

    // The same answer for a stranger, and no mail for them.
    let ask = |email: &str| {
        http.post(format!("{base}/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("email={}", email.replace('@', "%40")))
            .send()
    };
    let stranger = ask("eve@evil.example").await.unwrap().text().await.unwrap();
    assert!(
        stranger.contains("If eve@evil.example belongs to a team"),
        "{stranger}"
    );
    let asked = ask("ana@lumora.example").await.unwrap();
    assert_eq!(asked.status(), StatusCode::OK);
    let token = mailed_token(setup.dir.path(), "ana@lumora.example");
    assert_eq!(token.len(), 64, "{token}");

    // Opening the link (as a mail scanner would) signs nobody in.
    let link = format!("{base}/login/{token}");
    for _ in 0..2 {
        let opened = http.get(&link).send().await.unwrap();
        assert_eq!(opened.status(), StatusCode::OK);
        assert!(opened.headers().get(SET_COOKIE).is_none());
        assert!(opened.text().await.unwrap().contains("ana@lumora.example"));
    }
    // A form on another site cannot use it (login CSRF).
    let elsewhere = http.post(&link).header("sec-fetch-site", "cross-site");
    assert_eq!(
        elsewhere.send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let signed = http.post(&link).send().await.unwrap();
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let cookie = signed.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap_or_default().to_string();
    // Used once: used up.
    let reused = http.post(&link).send().await.unwrap();
    assert_eq!(reused.status(), StatusCode::GONE);
    assert!(reused.headers().get(SET_COOKIE).is_none());
    let tampered = http
        .post(format!("{base}/login/{}0", &token[..63]))
        .send()
        .await
        .unwrap();
    assert_eq!(tampered.status(), StatusCode::GONE);

    // The inbox: cs's open mentions, not tech's; no script may run.
    let get = |path: String| {
        http.get(format!("{base}{path}"))
            .header(COOKIE, &cookie)
            .send()
    };
    let inbox = get("/".into()).await.unwrap();
    assert_eq!(inbox.status(), StatusCode::OK);
    let csp = inbox.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let page = inbox.text().await.unwrap();
    let (cs, tech) = (mentions_of(&setup, "cs"), mentions_of(&setup, "tech"));
    for (id, _, _) in &cs {
        assert!(
            page.contains(&format!("href=\"/mentions/{id}\"")),
            "cs mention {id}: {page}"
        );
    }
    for (id, _, _) in &tech {
        assert!(
            !page.contains(&format!("href=\"/mentions/{id}\"")),
            "tech mention {id}"
        );
    }
    // Hostile text is text.
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "the hostile item is listed, as text: {page}"
    );
    for inert in ["<img", "<script", "<b ", "javascript:"] {
        assert!(!page.contains(inert), "{inert} in {page}");
    }

    // Another team's mention: 404, to see and to change.
    let (tech_id, _, tech_status) = tech[0].clone();
    let hidden = get(format!("/mentions/{tech_id}")).await.unwrap();
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    let token = csrf(&page);
    assert_eq!(token.len(), 64, "{page}");
    let post = |path: String, body: String| {
        http.post(format!("{base}{path}"))
            .header(COOKIE, &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let refused = post(
        format!("/mentions/{tech_id}"),
        format!("csrf={token}&action=ignore"),
    );
    assert_eq!(refused.await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(mentions_of(&setup, "tech")[0].2, tech_status);

    // A change without the CSRF token changes nothing.
    let (id, title, _) = cs[0].clone();
    let forged = post(format!("/mentions/{id}"), "action=resolve".into())
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let forged = post(format!("/mentions/{id}"), "csrf=0000&action=resolve".into());
    assert_eq!(forged.await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(mentions_of(&setup, "cs")[0].2, "routed");

    // Acknowledge, then resolve with a note; the history says who.
    let mention = get(format!("/mentions/{id}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf(&mention);
    let acked = post(
        format!("/mentions/{id}"),
        format!("csrf={token}&action=ack"),
    );
    assert_eq!(acked.await.unwrap().status(), StatusCode::SEE_OTHER);
    let note = "called+the+customer";
    let resolved = post(
        format!("/mentions/{id}"),
        format!("csrf={token}&action=resolve&note={note}"),
    );
    assert_eq!(resolved.await.unwrap().status(), StatusCode::SEE_OTHER);
    let shown = get(format!("/mentions/{id}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        shown.contains("acknowledged</strong> by ana@lumora.example"),
        "{shown}"
    );
    assert!(
        shown.contains("resolved</strong> by ana@lumora.example: called the customer"),
        "{shown}"
    );
    let cli = stdout(&setup.vigia(&["mentions", "show", &id.to_string()]));
    assert!(
        cli.contains("by ana@lumora.example: called the customer"),
        "{cli}"
    );
    // Resolving it again is refused, and said.
    let again = post(
        format!("/mentions/{id}"),
        format!("csrf={token}&action=resolve"),
    );
    assert_eq!(again.await.unwrap().status(), StatusCode::CONFLICT);
    // Gone from the open inbox, found by searching every status.
    let open = get("/".into()).await.unwrap().text().await.unwrap();
    assert!(!open.contains(&format!("href=\"/mentions/{id}\"")));
    let word = title
        .split_whitespace()
        .find(|w| w.len() > 5 && w.chars().all(char::is_alphabetic))
        .unwrap_or_else(|| panic!("a word of {title:?}"));
    let found = get(format!("/?status=all&q={word}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        found.contains(&format!("href=\"/mentions/{id}\"")),
        "{word}: {found}"
    );

    // Only a member of the mention's teams can be assigned it.
    let open_id = mentions_of(&setup, "cs")
        .into_iter()
        .find(|m| m.2 == "routed")
        .map(|m| m.0)
        .unwrap_or_default();
    let stranger = post(
        format!("/mentions/{open_id}"),
        format!("csrf={token}&action=assign&assignee=tom%40lumora.example"),
    );
    assert_eq!(stranger.await.unwrap().status(), StatusCode::CONFLICT);
    let member = post(
        format!("/mentions/{open_id}"),
        format!("csrf={token}&action=assign&assignee=ana%40lumora.example"),
    );
    assert_eq!(member.await.unwrap().status(), StatusCode::SEE_OTHER);

    // Bulk: ignore two at once.
    let ids: Vec<i64> = mentions_of(&setup, "cs")
        .into_iter()
        .filter(|m| m.2 == "routed")
        .map(|m| m.0)
        .take(2)
        .collect();
    let body = ids.iter().map(|i| format!("id={i}&")).collect::<String>();
    let bulk = post("/bulk".into(), format!("{body}csrf={token}&action=ignore"));
    assert_eq!(bulk.await.unwrap().status(), StatusCode::SEE_OTHER);
    let after = mentions_of(&setup, "cs");
    for id in &ids {
        assert!(
            after.iter().any(|m| m.0 == *id && m.2 == "ignored"),
            "{id}: {after:?}"
        );
    }

    // The overview draws the team's days; subjects and sources answer.
    let overview = get("/overview".into()).await.unwrap().text().await.unwrap();
    assert!(
        overview.contains("<svg") && overview.contains("<rect"),
        "{overview}"
    );
    assert!(overview.contains("Share of voice") && overview.contains("Lumora"));
    let sources = get("/sources".into()).await.unwrap().text().await.unwrap();
    for id in ["tech", "forum", "wire", "hostile"] {
        assert!(sources.contains(&format!(">{id}<")), "{id}: {sources}");
    }
    let subjects = get("/subjects".into()).await.unwrap();
    assert_eq!(subjects.status(), StatusCode::OK);
    // Subjects are counted and quoted from the team's own mentions.
    let subjects = subjects.text().await.unwrap();
    for (id, _, _) in &tech {
        assert!(
            !subjects.contains(&format!("/mentions/{id}\"")),
            "tech {id}: {subjects}"
        );
    }
    // Proposals are for admins only.
    let proposals = get("/proposals".into()).await.unwrap();
    assert_eq!(proposals.status(), StatusCode::NOT_FOUND);

    // Signing out ends the session for good.
    let out = post("/logout".into(), format!("csrf={token}"));
    assert_eq!(out.await.unwrap().status(), StatusCode::SEE_OTHER);
    let after = get("/".into()).await.unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER);

    // Someone an admin adds signs in too; removed, their session ends.
    let refused = setup.vigia(&["users", "add", "lia@outside.example", "--team", "nope"]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no team \"nope\" in the config"));
    let added = stdout(&setup.vigia(&["users", "add", "lia@outside.example", "--team", "cs"]));
    assert!(added.contains("may sign in"), "{added}");
    let listed = stdout(&setup.vigia(&["users", "list"]));
    assert!(listed.contains("lia@outside.example  cs"), "{listed}");
    ask("lia@outside.example").await.unwrap();
    let token = mailed_token(setup.dir.path(), "lia@outside.example");
    let signed = http
        .post(format!("{base}/login/{token}"))
        .send()
        .await
        .unwrap();
    let lia = signed.headers()[SET_COOKIE].to_str().unwrap().to_string();
    let lia = lia.split(';').next().unwrap_or_default().to_string();
    let theirs = http
        .get(format!("{base}/"))
        .header(COOKIE, &lia)
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), StatusCode::OK);
    assert!(theirs
        .text()
        .await
        .unwrap()
        .contains("lia@outside.example · cs"));
    stdout(&setup.vigia(&["users", "remove", "lia@outside.example"]));
    let gone = http
        .get(format!("{base}/"))
        .header(COOKIE, &lia)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::SEE_OTHER);

    sigterm(&daemon.0);
    let mut daemon = daemon;
    assert!(wait_exit(&mut daemon.0, Duration::from_secs(15)).success());
}
