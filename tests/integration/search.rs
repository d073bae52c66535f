//! Search sources by name, each against a local server replaying answers
//! in its provider's documented format (`tests/fixtures/search/`): the
//! query in the provider's syntax, a second page, authors and reach, an
//! error page that loses nothing, and a rate-limit answer that is waited
//! out. Social sites here; news and video in `search_media.rs`.

use crate::helpers::replay::{by_title, search, survives_errors, Answer, Asked, Replay};
use crate::helpers::{error_of, report, setup_with};

#[tokio::test]
async fn reddit_pages_through_a_search_in_its_syntax() {
    let replay = Replay::start().await;
    replay.answer("/search.json", None, Answer::json("reddit-page1.json"));
    replay.answer(
        "/search.json",
        Some(("after", "t3_1h4k2p9")),
        Answer::json("reddit-page2.json"),
    );
    let setup = search(&format!(
        "provider = \"reddit\"\nendpoint = \"{}\"\ninterval = \"1m\"",
        replay.base
    ));
    let reports = setup.poll(false).await;
    assert_eq!(error_of(&reports, "s"), "");
    let first = &replay.asked()[0];
    assert_eq!(
        first.query["q"], r#"(lumora NOT "job opening") OR ("halo a19" OR "halo mini")"#,
        "the brand's queries in Reddit's syntax"
    );
    assert_eq!(first.query["sort"], "new");
    let mentions = setup.mentions();
    assert_eq!(mentions.len(), 3, "both pages: {mentions:?}");
    let m = by_title(
        &mentions,
        "Lumora bulbs disconnecting every night & support silent",
    );
    assert_eq!(m.author.as_deref(), Some("u/dimlight_dave"));
    assert_eq!(
        (m.reach, m.reach_kind.as_deref()),
        (Some(214), Some("score"))
    );
    assert_eq!(m.origin.as_deref(), Some("r/smarthome"));
    assert!(
        m.url.as_deref().is_some_and(|u| u
            .ends_with("/r/smarthome/comments/1h4k2q1/lumora_bulbs_disconnecting_every_night/")),
        "{:?}",
        m.url
    );
    by_title(&mentions, "Lumora for the long run?");

    // Nothing newer: the first page is enough.
    setup.poll(false).await;
    assert_eq!(
        replay.asked_for("after", "t3_1h4k2p9"),
        1,
        "page 2 read once"
    );

    // Requests used up: the next poll waits for the reset.
    replay.answer(
        "/search.json",
        None,
        Answer::json("reddit-page1.json")
            .with("x-ratelimit-remaining", "0.0")
            .with("x-ratelimit-reset", "420"),
    );
    let reports = setup.poll(false).await;
    assert!(
        report(&reports, "s").next_in_secs >= 415,
        "{:?}",
        report(&reports, "s")
    );
    survives_errors(&setup, &replay, ("/search.json", "s")).await;
}

#[tokio::test]
async fn hacker_news_reads_stories_and_comments_page_by_page() {
    let replay = Replay::start().await;
    let path = "/api/v1/search_by_date";
    replay.answer(path, None, Answer::json("hn-page0.json"));
    replay.answer(path, Some(("page", "1")), Answer::json("hn-page1.json"));
    replay.answer(
        path,
        Some(("page", "2")),
        Answer::inline(r#"{"hits": [], "nbPages": 2, "page": 2}"#),
    );
    let setup = search(&format!(
        "provider = \"hacker-news\"\nendpoint = \"{}\"\nquery = 'Lumora -\"job opening\"'",
        replay.base
    ));
    // The second page fails: the first's mentions are kept, and the next
    // poll reads on from the start, past them.
    replay.answer(path, Some(("page", "1")), Answer::too_many(1).status(503));
    let reports = setup.poll(false).await;
    assert_eq!(error_of(&reports, "s"), "");
    assert_eq!(setup.mentions().len(), 2, "the first page's");
    let warning = setup.state("s").warning.unwrap_or_default();
    assert!(
        warning.contains("page 2") && warning.contains("503"),
        "{warning}"
    );
    replay.answer(path, Some(("page", "1")), Answer::json("hn-page1.json"));
    let reports = setup.poll(false).await;
    assert_eq!(error_of(&reports, "s"), "");
    let asked = replay.asked();
    assert_eq!(
        asked[0].query["query"], "lumora",
        "no exclusion: Algolia would read it as a word"
    );
    assert_eq!(asked[0].query["tags"], "(story,comment)");
    assert_eq!(replay.asked_for("page", "1"), 2, "the second page, again");
    let mentions = setup.mentions();
    assert_eq!(mentions.len(), 3, "{mentions:?}");
    let story = by_title(&mentions, "Lumora's bulbs phone home every 30 seconds");
    assert_eq!(
        story.url.as_deref(),
        Some("https://news.ycombinator.com/item?id=42817001")
    );
    assert_eq!(
        (story.reach, story.author.as_deref()),
        (Some(312), Some("pgerr"))
    );
    let comment = by_title(&mentions, "Re: Lumora's bulbs phone home every 30 seconds");
    assert_eq!(
        comment.url.as_deref(),
        Some("https://news.ycombinator.com/item?id=42817050")
    );
    assert!(
        comment.snippet.contains("I returned my Lumora hub"),
        "{}",
        comment.snippet
    );
    assert_eq!(comment.reach, None, "comments have no points");
    survives_errors(&setup, &replay, (path, "s")).await;
}

#[tokio::test]
async fn bluesky_follows_the_cursor() {
    let replay = Replay::start().await;
    let path = "/xrpc/app.bsky.feed.searchPosts";
    replay.answer(path, None, Answer::json("bluesky-page1.json"));
    replay.answer(
        path,
        Some(("cursor", "25")),
        Answer::json("bluesky-page2.json"),
    );
    // One of the two searches is refused: the other's posts still count.
    replay.answer(
        path,
        Some(("q", "\"halo mini\"")),
        Answer::inline(r#"{"error": "BadQueryString", "message": "Query too complex"}"#)
            .status(400),
    );
    let setup = search(&format!(
        "provider = \"bluesky\"\nendpoint = \"{}\"\nquery = 'Lumora OR \"Halo Mini\"'",
        replay.base
    ));
    let reports = setup.poll(false).await;
    assert_eq!(error_of(&reports, "s"), "");
    let queries: Vec<String> = replay
        .asked()
        .iter()
        .filter(|a| !a.query.contains_key("cursor"))
        .map(|a| a.query["q"].clone())
        .collect();
    assert_eq!(
        queries,
        ["lumora", "\"halo mini\""],
        "one search per alternative"
    );
    let mentions = setup.mentions();
    assert_eq!(mentions.len(), 3, "{mentions:?}");
    let m = mentions
        .iter()
        .find(|m| m.author.as_deref() == Some("@maria.bsky.social"))
        .unwrap();
    assert_eq!(
        m.url.as_deref(),
        Some("https://bsky.app/profile/maria.bsky.social/post/3lbmxq4ycqs2a")
    );
    assert_eq!(m.reach, Some(57));
    assert_eq!(m.sentiment_label.as_deref(), Some("negative"), "{m:?}");
    let warning = setup.state("s").warning.unwrap_or_default();
    assert!(warning.contains("Query too complex"), "{warning}");
    survives_errors(&setup, &replay, (path, "s")).await;
}

#[tokio::test]
async fn mastodon_searches_with_a_token_and_reads_a_hashtag_without() {
    let replay = Replay::start().await;
    let path = "/api/v2/search";
    replay.answer(path, None, Answer::json("mastodon-search1.json"));
    replay.answer(
        path,
        Some(("offset", "2")),
        Answer::json("mastodon-search2.json"),
    );
    replay.answer(
        path,
        Some(("offset", "3")),
        Answer::json("mastodon-search3.json"),
    );
    let tag = "/api/v1/timelines/tag/lumora";
    replay.answer(tag, None, Answer::json("mastodon-tag.json"));
    replay.answer(
        tag,
        Some(("max_id", "113571234567890999")),
        Answer::json("mastodon-tag2.json"),
    );
    replay.answer(
        tag,
        Some(("max_id", "113560000000000777")),
        Answer::inline("[]"),
    );
    let setup = setup_with(
        &[],
        &format!(
            "\n[[search]]\nname = \"s\"\nprovider = \"mastodon\"\nendpoint = \"{0}\"\nquery = \"lumora\"\ntoken_env = \"VIGIA_TEST_MASTODON_TOKEN\"\n\
             \n[[search]]\nname = \"tag\"\nprovider = \"mastodon\"\nendpoint = \"{0}\"\nquery = \"lumora\"\ninterval = \"1m\"\n",
            replay.base
        ),
    );
    std::env::set_var("VIGIA_TEST_MASTODON_TOKEN", "s3cret-token");
    let reports = setup.poll(false).await;
    assert_eq!(error_of(&reports, "s"), "");
    assert_eq!(error_of(&reports, "tag"), "");
    let searched: Vec<Asked> = replay
        .asked()
        .into_iter()
        .filter(|a| a.path == path)
        .collect();
    assert!(searched
        .iter()
        .all(|a| a.authorization.as_deref() == Some("Bearer s3cret-token")));
    assert_eq!(searched[0].query["type"], "statuses");
    assert_eq!(replay.asked_for("offset", "2"), 1, "the second page");
    let mentions = setup.mentions();
    assert_eq!(mentions.len(), 5, "{mentions:?}");
    assert_eq!(
        replay.asked_for("max_id", "113571234567890999"),
        1,
        "the hashtag's second page, older than its last post"
    );
    let m = mentions
        .iter()
        .find(|m| m.author.as_deref() == Some("@tinkerer@fosstodon.org"))
        .unwrap();
    assert_eq!(
        m.url.as_deref(),
        Some("https://fosstodon.org/@tinkerer/113571234567890123")
    );
    assert_eq!(
        (m.reach, m.reach_kind.as_deref()),
        (Some(4210), Some("followers"))
    );
    assert!(
        m.title.starts_with("Flashed open firmware"),
        "a post without a title is listed under its words: {}",
        m.title
    );
    assert!(
        mentions
            .iter()
            .any(|m| m.author.as_deref() == Some("@bright@hachyderm.io")),
        "the hashtag timeline"
    );
    // Mastodon says when its used-up limit resets as an ISO 8601 date.
    let reset = (chrono::Utc::now() + chrono::Duration::seconds(1200)).to_rfc3339();
    replay.answer(
        tag,
        None,
        Answer::json("mastodon-tag.json")
            .with("x-ratelimit-remaining", "0")
            .with("x-ratelimit-reset", &reset),
    );
    let reports = setup.poll(false).await;
    let waits = report(&reports, "tag").next_in_secs;
    assert!(
        (1190..=1201).contains(&waits),
        "waits for the reset: {waits} s"
    );
    survives_errors(&setup, &replay, (path, "s")).await;
}
