//! Search sources by name for news and video (Google News, Bing News,
//! YouTube) against a local server replaying their documented answers,
//! and `vigia try-source --search`.

use crate::helpers::replay::{by_title, search, survives_errors, Answer, Replay};
use crate::helpers::{error_of, setup_with};

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
    survives_errors(&setup, &replay, (path, "s")).await;
    // Nobody answers: the error names the request without its key.
    drop(replay);
    let reports = setup.poll(false).await;
    let error = error_of(&reports, "s");
    assert!(error.contains("key=[token]"), "{error}");
    assert!(
        !error.contains("AIzaTestKey"),
        "the key is never said: {error}"
    );
    let state = format!("{:?}", setup.state("s"));
    assert!(!state.contains("AIzaTestKey"), "{state}");
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
    survives_errors(&setup, &replay, ("/rss/search", "s")).await;
    survives_errors(&setup, &replay, ("/news/search", "bing")).await;
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
