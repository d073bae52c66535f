//! The web inbox in a real headless Chromium: sign in with the link from
//! the outbox's .eml, filter, search, acknowledge, resolve with a note,
//! and read the history, as a team member would.

use std::time::Duration;

use crate::helpers::*;
use crate::inbox::{inbox_port, mailed_token, mentions_of, TEAMS};

#[tokio::test(flavor = "multi_thread")]
async fn a_team_member_works_the_inbox_in_chromium() {
    let server = lumora_server().await;
    let setup = setup_with(&lumora_feeds(&server), TEAMS);
    let log = setup.dir.path().join("vigia.log");
    let daemon = daemon_logging_to(&setup.config, &log);
    let base = format!("http://127.0.0.1:{}", inbox_port(&log));
    wait_for("the first poll", Duration::from_secs(30), || {
        mentions_of(&setup, "cs").len() >= 3
    });
    let browser = Browser::start().await;

    // Sign in: the address, then the link from the mail, then its button.
    browser.goto(&format!("{base}/")).await;
    assert_eq!(browser.url().await, format!("{base}/login"));
    browser
        .type_into("input[name=email]", "ana@lumora.example")
        .await;
    browser.submit("main form button[type=submit]").await;
    assert!(browser
        .source()
        .await
        .contains("a sign-in link is on its way"));
    let token = mailed_token(setup.dir.path(), "ana@lumora.example");
    browser.goto(&format!("{base}/login/{token}")).await;
    browser.submit("main form button[type=submit]").await;
    assert_eq!(browser.url().await, format!("{base}/"));
    let inbox = browser.source().await;
    assert!(inbox.contains("ana@lumora.example"), "{inbox}");
    // The stylesheet got past the Content-Security-Policy.
    let background = browser.style("body", "background-color").await;
    assert_eq!(background, "rgba(246, 247, 249, 1)");

    // Filter: negative mentions only.
    browser
        .click("select[name=sentiment] option[value=negative]")
        .await;
    browser.submit("form.filters button[type=submit]").await;
    assert!(browser.url().await.contains("sentiment=negative"));
    let negative = browser.source().await;
    let cs = mentions_of(&setup, "cs");
    let (id, title, _) = cs
        .iter()
        .find(|(id, _, _)| negative.contains(&format!("href=\"/mentions/{id}\"")))
        .cloned()
        .unwrap_or_else(|| panic!("no negative cs mention listed: {negative}"));
    assert!(
        cs.iter()
            .any(|(other, _, _)| !negative.contains(&format!("href=\"/mentions/{other}\""))),
        "the filter left something out"
    );

    // Search: a word of that title finds it.
    let word = title
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| w.chars().count() > 5)
        .unwrap_or_else(|| panic!("a word of {title:?}"))
        .to_string();
    browser.goto(&format!("{base}/")).await;
    browser.type_into("input[name=q]", &word).await;
    browser.submit("form.filters button[type=submit]").await;
    let found = browser.source().await;
    assert!(
        found.contains(&format!("href=\"/mentions/{id}\"")),
        "{word}: {found}"
    );

    // Open it, acknowledge, then resolve with a note.
    browser.submit(&format!("a[href=\"/mentions/{id}\"]")).await;
    assert_eq!(browser.url().await, format!("{base}/mentions/{id}"));
    browser.submit("button[value=ack]").await;
    // Assign it to a member of its team.
    browser
        .click("select[name=assignee] option[value=\"ana@lumora.example\"]")
        .await;
    browser.submit("button[value=assign]").await;
    let page = browser.source().await;
    assert!(page.contains("assigned to ana@lumora.example"), "{page}");
    browser
        .type_into("textarea[name=note]", "called the customer")
        .await;
    browser.submit("button[value=resolve]").await;
    let page = browser.source().await;
    assert!(
        page.contains("acknowledged</strong> by ana@lumora.example"),
        "{page}"
    );
    assert!(
        page.contains("resolved</strong> by ana@lumora.example: called the customer"),
        "{page}"
    );
    // Resolved, it offers to reopen.
    assert!(page.contains("value=\"reopen\""), "{page}");
    let status = mentions_of(&setup, "cs")
        .into_iter()
        .find(|m| m.0 == id)
        .map(|m| m.2);
    assert_eq!(status.as_deref(), Some("resolved"));

    // Another one is not about us: ignored, and the exclusion proposed.
    let (other, _, _) = mentions_of(&setup, "cs")
        .into_iter()
        .find(|m| m.2 == "routed")
        .unwrap_or_else(|| panic!("an open cs mention"));
    browser.goto(&format!("{base}/mentions/{other}")).await;
    browser.click("input[name=exclude_source]").await;
    browser.type_into("input[name=term]", "Lumora Park").await;
    browser.type_into("textarea[name=note]", "a namesake").await;
    browser.submit("button[value=not_relevant]").await;
    let page = browser.source().await;
    assert!(
        page.contains("not relevant; proposed excluding source"),
        "{page}"
    );
    let store = vigia::store::Store::open(&setup.db()).unwrap();
    let proposed = store
        .call_blocking(|c| vigia::store::proposals::list(c))
        .unwrap();
    assert_eq!(proposed.len(), 1, "{proposed:?}");
    assert_eq!(proposed[0].mention_id, other);
    assert_eq!(proposed[0].term.as_deref(), Some("Lumora Park"));
    assert_eq!(proposed[0].proposed_by, "ana@lumora.example");
    assert!(proposed[0].source_id.is_some());
    let ignored = mentions_of(&setup, "cs").into_iter().find(|m| m.0 == other);
    assert_eq!(ignored.map(|m| m.2).as_deref(), Some("ignored"));
    // The proposals page is for admins: a team member gets 404.
    browser.goto(&format!("{base}/proposals")).await;
    assert!(browser.source().await.contains("No such mention"));

    drop(browser);
    sigterm(&daemon.0);
    let mut daemon = daemon;
    assert!(wait_exit(&mut daemon.0, Duration::from_secs(15)).success());
}
