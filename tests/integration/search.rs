//! Search sources by name, each against a local server replaying answers
//! in its provider's documented format (`tests/fixtures/search/`): the
//! query in the provider's syntax, a second page, authors and reach, an
//! error page that loses nothing, and a rate-limit answer that is waited
//! out.

use crate::helpers::replay::{Answer, Asked, Replay};
use crate::helpers::{error_of, now, report, setup_with, Setup};

/// A config with one `[[search]]` table (the test brand Lumora).
fn search(table: &str) -> Setup {
    setup_with(&[], &format!("\n[[search]]\nname = \"s\"\n{table}\n"))
}

/// An error page and a rate-limit answer at `path`: each fails the poll
/// with what the provider said, keeps every mention, and the rate limit
/// is waited out.
async fn survives_errors(setup: &Setup, replay: &Replay, path: &str) {
    let before = setup.mentions().len();
    replay.answer(path, None, Answer::busy_page());
    let reports = setup.poll(false).await;
    let error = error_of(&reports, "s");
    assert!(
        error.contains("Our servers are busy") || error.contains("HTML page"),
        "the error says what came instead: {error}"
    );
    assert_eq!(setup.mentions().len(), before, "nothing lost");
    replay.answer(path, None, Answer::too_many(900));
    let reports = setup.poll(false).await;
    assert!(error_of(&reports, "s").contains("429"), "{reports:?}");
    let state = setup.state("s");
    assert!(
        state.next_check_at >= now() + 890,
        "Retry-After is waited out: next check in {} s",
        state.next_check_at - now()
    );
    assert_eq!(setup.mentions().len(), before, "nothing lost");
}

fn by_title<'a>(
    mentions: &'a [vigia::store::mentions::MentionRow],
    title: &str,
) -> &'a vigia::store::mentions::MentionRow {
    mentions
        .iter()
        .find(|m| m.title == title)
        .unwrap_or_else(|| {
            let titles: Vec<&str> = mentions.iter().map(|m| m.title.as_str()).collect();
            panic!("no mention titled {title:?} in {titles:?}")
        })
}

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
    survives_errors(&setup, &replay, "/search.json").await;
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
    let reports = setup.poll(false).await;
    assert_eq!(error_of(&reports, "s"), "");
    let asked = replay.asked();
    assert_eq!(
        asked[0].query["query"], "lumora",
        "no exclusion: Algolia would read it as a word"
    );
    assert_eq!(asked[0].query["tags"], "(story,comment)");
    assert_eq!(replay.asked_for("page", "1"), 1, "the second page");
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
    survives_errors(&setup, &replay, path).await;
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
    survives_errors(&setup, &replay, path).await;
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
             \n[[search]]\nname = \"tag\"\nprovider = \"mastodon\"\nendpoint = \"{0}\"\nquery = \"lumora\"\n",
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
    survives_errors(&setup, &replay, path).await;
}

#[tokio::test]
async fn youtube_searches_with_a_key_and_reads_channel_feeds() {
    let replay = Replay::start().await;
    let path = "/youtube/v3/search";
    replay.answer(path, None, Answer::json("youtube-search1.json"));
    replay.answer(
        path,
        Some(("pageToken", "CAIQAA")),
        Answer::json("youtube-search2.json"),
    );
    replay.answer(
        "/feeds/videos.xml",
        None,
        Answer::xml("youtube-channel.xml"),
    );
    let key_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(key_file.path(), "AIzaTestKey\n").unwrap();
    let setup = setup_with(
        &[],
        &format!(
            "\n[[search]]\nname = \"s\"\nprovider = \"youtube\"\nendpoint = \"{0}\"\nquery = 'Lumora OR \"Halo Mini\"'\ntoken_file = \"{1}\"\n\
             \n[[search]]\nname = \"channel\"\nprovider = \"youtube\"\nendpoint = \"{0}\"\nchannel = \"UCBR8-60-B28hp2BmDPdntcQ\"\n",
            replay.base,
            key_file.path().display()
        ),
    );
    let reports = setup.poll(false).await;
    assert_eq!(error_of(&reports, "s"), "");
    assert_eq!(error_of(&reports, "channel"), "");
    let first = replay.asked().into_iter().find(|a| a.path == path).unwrap();
    assert_eq!(first.query["q"], "lumora | \"halo mini\"", "YouTube's OR");
    assert_eq!(first.query["key"], "AIzaTestKey");
    assert_eq!(
        replay.asked_for("pageToken", "CAIQAA"),
        1,
        "the second page"
    );
    let mentions = setup.mentions();
    let teardown = by_title(&mentions, "Lumora Halo A19 teardown: why it overheats");
    assert_eq!(
        teardown.url.as_deref(),
        Some("https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    );
    assert_eq!(teardown.author.as_deref(), Some("Bench Lab"));
    assert_eq!(
        teardown.sightings, 2,
        "found by the search and in the channel's feed"
    );
    by_title(&mentions, "Unboxing: Lumora Halo Mini");
    assert!(
        !format!("{:?}", setup.state("s")).contains("AIzaTestKey"),
        "the key is kept out of the stored state"
    );
    // A key over its quota: the API's own words.
    replay.answer(path, None, Answer::json("youtube-quota.json").status(403));
    let reports = setup.poll(false).await;
    assert!(
        error_of(&reports, "s").contains("exceeded your quota"),
        "{reports:?}"
    );
    let channel = setup.state("channel");
    assert!(channel.items_total >= 1);
    survives_errors(&setup, &replay, path).await;
}

#[tokio::test]
async fn news_searches_unwrap_their_links() {
    let replay = Replay::start().await;
    replay.answer("/rss/search", None, Answer::xml("google-news.xml"));
    replay.answer("/news/search", None, Answer::xml("bing-news.xml"));
    let setup = setup_with(
        &[],
        &format!(
            "\n[[search]]\nname = \"s\"\nprovider = \"google-news\"\nendpoint = \"{0}\"\nlanguage = \"pt-BR\"\n\
             \n[[search]]\nname = \"bing\"\nprovider = \"bing-news\"\nendpoint = \"{0}\"\nlanguage = \"en\"\ncountry = \"us\"\n",
            replay.base
        ),
    );
    let reports = setup.poll(false).await;
    assert_eq!(error_of(&reports, "s"), "");
    assert_eq!(error_of(&reports, "bing"), "");
    let google = replay
        .asked()
        .into_iter()
        .find(|a| a.path == "/rss/search")
        .unwrap();
    assert_eq!(
        (
            google.query["hl"].as_str(),
            google.query["gl"].as_str(),
            google.query["ceid"].as_str()
        ),
        ("pt-BR", "BR", "BR:pt")
    );
    assert_eq!(
        google.query["q"],
        r#"(lumora -"job opening") OR ("halo a19" OR "halo mini")"#
    );
    let bing = replay
        .asked()
        .into_iter()
        .find(|a| a.path == "/news/search")
        .unwrap();
    assert_eq!(
        (bing.query["format"].as_str(), bing.query["mkt"].as_str()),
        ("rss", "en-US")
    );
    let mentions = setup.mentions();
    let recall = by_title(
        &mentions,
        "Lumora anuncia recall de lâmpadas Halo A19 após superaquecimento",
    );
    assert_eq!(
        recall.origin.as_deref(),
        Some("Folha de S.Paulo"),
        "the publisher, off the title"
    );
    assert_eq!(
        recall.url.as_deref(),
        Some("https://www.folha.example.com.br/mercado/2026/11/lumora-recall.shtml"),
        "the article, out of Google's link"
    );
    let procon = by_title(&mentions, "Procon notifica Lumora por falhas em app");
    assert!(
        procon
            .url
            .as_deref()
            .is_some_and(|u| u.contains("news.google.com/rss/articles/AU_yqL")),
        "a new-style link stays Google's"
    );
    let reuters = by_title(
        &mentions,
        "Lumora recalls 40,000 Halo A19 bulbs over overheating",
    );
    assert_eq!(
        reuters.url.as_deref(),
        Some("https://www.reuters.example.com/business/lumora-recall-2026-11-30/"),
        "Bing's click wrapper and the tracking parameter gone"
    );
    assert_eq!(
        mentions.len(),
        3,
        "the market story does not name the brand"
    );
    survives_errors(&setup, &replay, "/rss/search").await;
}

#[test]
fn try_source_shows_what_a_search_reads() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let replay = runtime.block_on(Replay::start());
    replay.answer(
        "/api/v1/search_by_date",
        None,
        Answer::json("hn-page0.json"),
    );
    let setup = search("provider = \"hacker-news\"");
    let out = setup.vigia(&[
        "try-source",
        "--search",
        "hacker-news",
        "--endpoint",
        &replay.base,
        "Lumora",
    ]);
    let text = crate::helpers::stdout(&out);
    assert!(
        text.contains(&format!(
            "reads {}/api/v1/search_by_date?query=lumora",
            replay.base
        )),
        "{text}"
    );
    assert!(
        text.contains("Lumora's bulbs phone home every 30 seconds"),
        "{text}"
    );
    assert!(text.contains("by pgerr · 312 points"), "{text}");
    assert!(text.contains("mentions: Lumora"), "{text}");
    let out = setup.vigia(&["try-source", "--search", "myspace", "x"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a provider (google-news, bing-news"));
}
