//! Polling RSS 2.0, Atom 1.0 and RSS 1.0 over HTTP: mentions, conditional
//! GET, dedupe across feeds, and per-feed failures that stay per-feed.

use std::time::Duration;

use crate::helpers::{
    error_of, fixture, lumora_feeds, lumora_server, now, report, setup, FeedServer, Reply,
};

#[tokio::test]
async fn finds_mentions_with_brand_terms_and_snippet() {
    let server = lumora_server().await;
    let setup = setup(&lumora_feeds(&server));
    let reports = setup.poll(false).await;
    assert_eq!(report(&reports, "tech").items, 6);
    assert_eq!(report(&reports, "forum").items, 3, "gzip-encoded Atom");
    assert_eq!(report(&reports, "wire").items, 3, "RSS 1.0");

    let mentions = setup.mentions();
    let titles: Vec<&str> = mentions.iter().map(|m| m.title.as_str()).collect();
    assert_eq!(mentions.len(), 6, "{titles:#?}");
    assert!(mentions.iter().all(|m| m.brand == "Lumora"));
    assert!(
        !titles.iter().any(|t| t.contains("Lumoraville")),
        "word boundary: {titles:?}"
    );

    let forum = mentions
        .iter()
        .find(|m| m.title.starts_with("Reclamação"))
        .unwrap_or_else(|| panic!("{titles:?}"));
    assert_eq!(forum.snippet, "Comprei duas lâmpadas da Lumora em outubro.");
    assert_eq!(
        forum.url.as_deref(),
        Some("https://forum-consumidor.example/t/88121-lampada-lumora-queimou")
    );

    let review = mentions
        .iter()
        .find(|m| m.title.starts_with("Review"))
        .unwrap_or_else(|| panic!("{titles:?}"));
    assert_eq!(
        review.url.as_deref(),
        Some("https://gadgetledger.example/reviews/lumora-halo-mini"),
        "unwrapped, untracked"
    );
    assert_eq!(review.terms, ["lumora", "halo mini"]);
    assert!(
        !review.snippet.contains("evil"),
        "scripts dropped: {}",
        review.snippet
    );
}

#[tokio::test]
async fn same_story_in_two_feeds_is_one_mention_with_two_sightings() {
    let server = lumora_server().await;
    let setup = setup(&lumora_feeds(&server));
    setup.poll(false).await;
    let recall: Vec<_> = setup
        .mentions()
        .into_iter()
        .filter(|m| m.title.contains("recalls 12,000"))
        .collect();
    assert_eq!(recall.len(), 1, "{recall:#?}");
    assert_eq!(recall[0].sightings, 2);
    assert_eq!(recall[0].sources, ["tech", "wire"]);
}

#[tokio::test]
async fn second_poll_gets_304_and_creates_nothing() {
    let server = lumora_server().await;
    let setup = setup(&lumora_feeds(&server));
    setup.poll(false).await;
    let before = setup.mentions();
    let reports = setup.poll(false).await;
    for path in ["/tech.xml", "/forum.atom", "/wire.rdf"] {
        assert_eq!(server.hits(path), [200, 304], "{path}");
        assert_eq!(server.conditional(path), 1, "{path}");
    }
    assert!(
        reports
            .iter()
            .all(|r| r.items == 0 && r.new_mentions.is_empty() && r.error.is_none()),
        "{reports:#?}"
    );
    assert_eq!(setup.mentions(), before);
}

#[tokio::test]
async fn changed_guids_and_restarts_create_no_duplicates() {
    let server = lumora_server().await;
    let setup = setup(&lumora_feeds(&server));
    setup.poll(false).await;
    let before = setup.mentions().len();
    // The feed rewrites every GUID (and so its ETag): same stories, same URLs.
    let body = String::from_utf8(fixture("config/feeds/tech-news.rss2.xml")).unwrap_or_default();
    server.set(
        "/tech.xml",
        Reply::Feed(body.replace("gl-2026", "guid-v2-2026").into_bytes()),
    );
    let reports = setup.poll(false).await;
    assert_eq!(report(&reports, "tech").items, 6);
    assert!(report(&reports, "tech").new_mentions.is_empty());
    assert_eq!(setup.mentions().len(), before);
}

#[tokio::test]
async fn every_feed_format_of_real_publishers_parses() {
    let server = FeedServer::start().await;
    let files = [
        "rss_1.0_debian.xml",
        "atom_example_reddit.xml",
        "rss_2.0_bbc.xml",
        "rss_0.91_spec_1.xml",
    ];
    let mut feeds = Vec::new();
    for file in files {
        server.set(
            &format!("/{file}"),
            Reply::Feed(fixture(&format!("tests/fixtures/feeds/real/{file}"))),
        );
        feeds.push((file, server.url(&format!("/{file}"))));
    }
    let setup = crate::helpers::setup_with(
        &[],
        "\n[[brand]]\nname = \"Debian\"\nqueries = ['debian \"point release\" OR bullseye']\n",
    );
    let config = std::fs::read_to_string(&setup.config).unwrap_or_default();
    let feeds_toml: String = feeds
        .iter()
        .map(|(n, u)| format!("\n[[feed]]\nname = \"{n}\"\nurl = \"{u}\"\n"))
        .collect();
    std::fs::write(&setup.config, config + &feeds_toml).unwrap();
    let reports = setup.poll(false).await;
    for file in files {
        let r = report(&reports, file);
        assert!(r.error.is_none() && r.items > 0, "{file}: {r:?}");
    }
    let debian: Vec<_> = setup
        .mentions()
        .into_iter()
        .filter(|m| m.brand == "Debian")
        .collect();
    assert_eq!(debian.len(), 1, "{debian:#?}");
    assert_eq!(
        debian[0].url.as_deref(),
        Some("https://www.debian.org/News/2022/20221217")
    );
    assert!(
        debian[0].snippet.contains("bullseye"),
        "{}",
        debian[0].snippet
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_result_that_cannot_be_stored_is_said_so_and_fetched_again() {
    let server = lumora_server().await;
    let setup = setup(&lumora_feeds(&server));
    // The database refuses new mentions as a full disk would.
    vigia::store::Store::open(&setup.db()).unwrap();
    let full = rusqlite::Connection::open(setup.db()).unwrap();
    let refuse = "CREATE TRIGGER full BEFORE INSERT ON mentions
                  BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END";
    full.execute_batch(refuse).unwrap();
    let out = setup.vigia(&["poll", "--once"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("Poll result not stored.")
            && log.contains("fetched, but the result could not be stored: database error: database or disk is full")
            && !log.contains("Fetch failed."),
        "{log}"
    );
    // Nothing was lost: with room again, the same items are stored.
    full.execute_batch("DROP TRIGGER full").unwrap();
    setup.poll(false).await;
    assert_eq!(setup.mentions().len(), 6);
}

#[tokio::test]
async fn a_timeout_names_the_limit_that_ran_out() {
    let server = lumora_server().await;
    server.set(
        "/slow",
        Reply::Slow(
            Duration::from_secs(3),
            fixture("config/feeds/tech-news.rss2.xml"),
        ),
    );
    let setup = setup(&[("slow", server.url("/slow"))]);
    let config = std::fs::read_to_string(&setup.config).unwrap_or_default();
    let config = config
        .replace("request_timeout = \"2s\"", "request_timeout = \"20s\"")
        .replace("read_timeout = \"2s\"", "read_timeout = \"1s\"");
    std::fs::write(&setup.config, config).unwrap();
    let reports = setup.poll(false).await;
    assert_eq!(
        error_of(&reports, "slow"),
        "timed out: the server sent nothing for [http] read_timeout (1s)"
    );
}

#[tokio::test]
async fn failures_are_clear_back_off_and_spare_the_other_feeds() {
    let server = lumora_server().await;
    server.set("/500", Reply::Status(500, None));
    server.set("/429", Reply::Status(429, Some(7200)));
    server.set(
        "/slow",
        Reply::Slow(
            Duration::from_secs(5),
            fixture("config/feeds/tech-news.rss2.xml"),
        ),
    );
    server.set("/huge", Reply::Huge(1024 * 1024));
    server.set(
        "/invalid",
        Reply::Feed(b"<rss version=\"2.0\"><channel><item></item".to_vec()),
    );
    server.set("/loop-a", Reply::Redirect(302, "/loop-b".into()));
    server.set("/loop-b", Reply::Redirect(302, "/loop-a".into()));
    server.set("/gone", Reply::Status(410, None));
    let mut feeds = lumora_feeds(&server);
    for path in [
        "/500", "/429", "/slow", "/huge", "/invalid", "/loop-a", "/gone",
    ] {
        feeds.push((&path[1..], server.url(path)));
    }
    let setup = setup(&feeds);
    let reports = setup.poll(false).await;

    assert_eq!(
        setup.mentions().len(),
        6,
        "the good feeds were polled in full"
    );
    let expected = [
        ("500", "HTTP 500"),
        ("429", "HTTP 429"),
        (
            "slow",
            "timed out: the request took longer than [http] request_timeout (2s)",
        ),
        ("huge", "larger than 262144 bytes"),
        ("invalid", "not a valid feed"),
        ("loop-a", "redirect loop"),
        ("gone", "HTTP 410"),
    ];
    let t = now();
    for (id, message) in expected {
        let error = error_of(&reports, id);
        assert!(error.contains(message), "{id}: {error:?}");
        let state = setup.state(id);
        assert_eq!(state.error_count, 1, "{id}");
        assert_eq!(state.last_error.as_deref(), Some(error.as_str()));
        assert!(
            state.next_check_at >= t + 29,
            "{id} backs off at least min_backoff/2"
        );
    }
    assert!(
        setup.state("429").next_check_at >= t + 7200 - 5,
        "Retry-After honoured"
    );
    assert!(
        setup.state("gone").next_check_at >= t + 6 * 3600 - 5,
        "permanent errors wait longest"
    );

    // Backing-off feeds are not due; nothing is requested again.
    let hits = server.total_hits();
    let reports = setup.poll(true).await;
    assert!(reports.is_empty(), "{reports:#?}");
    assert_eq!(server.total_hits(), hits);

    // `feeds status` tells a person what is wrong.
    let out = setup.vigia(&["feeds", "status"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    for (id, message) in expected {
        let line = table
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id} missing:\n{table}"));
        assert!(line.contains("failing") && line.contains(message), "{line}");
    }
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("tech ") && l.contains(" ok ")),
        "{table}"
    );
}

#[tokio::test]
async fn a_permanent_redirect_moves_the_stored_url() {
    let server = lumora_server().await;
    server.set("/old.xml", Reply::Redirect(301, "/tech.xml".into()));
    let setup = setup(&[("tech", server.url("/old.xml"))]);
    setup.poll(false).await;
    assert_eq!(
        setup.state("tech").cursor.location.as_deref(),
        Some(server.url("/tech.xml").as_str())
    );
    setup.poll(false).await;
    assert_eq!(
        server.hits("/old.xml"),
        [301],
        "second poll goes straight to the new URL"
    );
    assert_eq!(server.hits("/tech.xml"), [200, 304]);

    // A temporary redirect does not move it.
    server.set("/temp.xml", Reply::Redirect(302, "/wire.rdf".into()));
    let setup = crate::helpers::setup(&[("wire", server.url("/temp.xml"))]);
    setup.poll(false).await;
    assert_eq!(setup.state("wire").cursor.location, None);
}

/// Items of one feed that all link to the same page are separate mentions
/// when their texts differ; the same text is still one.
#[tokio::test]
async fn distinct_items_sharing_one_link_are_distinct_mentions() {
    let server = FeedServer::start().await;
    let item = |guid: &str, title: &str, text: &str| {
        format!("<item><guid>{guid}</guid><title>{title}</title><link>https://status.lumora.example/</link><description>{text}</description></item>")
    };
    let feed = format!(
        "<rss version=\"2.0\"><channel><title>Lumora status</title>{}{}{}</channel></rss>",
        item("inc-1", "Lumora app login failures", "Since 09:10 UTC some customers cannot sign in to the Lumora app; engineers are rolling back the release that caused it."),
        item("inc-2", "Lumora cloud schedules delayed", "Scheduled scenes in the Lumora cloud ran up to forty minutes late overnight because a queue in the Frankfurt region filled its disk."),
        item("inc-2b", "Lumora cloud schedules delayed", "Scheduled scenes in the Lumora cloud ran up to forty minutes late overnight because a queue in the Frankfurt region filled its disk."),
    );
    server.set("/status.xml", Reply::Feed(feed.into_bytes()));
    let setup = setup(&[("status", server.url("/status.xml"))]);
    setup.poll(false).await;
    let mentions = setup.mentions();
    assert_eq!(mentions.len(), 2, "{mentions:#?}");
    assert!(mentions
        .iter()
        .all(|m| m.url.as_deref() == Some("https://status.lumora.example/")));
}

/// Two different stories that end in the same long footer are close by
/// content; their titles keep them apart.
#[tokio::test]
async fn a_shared_footer_does_not_merge_different_stories() {
    let footer = "This article appeared first on Lumora Insider. Subscribe to our newsletter for weekly news about smart lighting, connected homes, energy savings and the companies that make them, delivered every Friday morning to your inbox for free.";
    let feed = |title: &str, text: &str, n: usize| {
        format!("<rss version=\"2.0\"><channel><title>t</title><item><guid>g{n}</guid><title>{title}</title><link>https://insider{n}.example/story</link><description>{text} {footer}</description></item></channel></rss>")
    };
    let server = FeedServer::start().await;
    server.set(
        "/a.xml",
        Reply::Feed(
            feed(
                "Lumora opens a store in Lisbon",
                "The shop on Rua Augusta sells the whole Halo range.",
                1,
            )
            .into_bytes(),
        ),
    );
    server.set(
        "/b.xml",
        Reply::Feed(
            feed(
                "Lumora app gets a dark mode",
                "Version 5.2 adds a dark theme and faster pairing.",
                2,
            )
            .into_bytes(),
        ),
    );
    let setup = setup(&[("a", server.url("/a.xml")), ("b", server.url("/b.xml"))]);
    setup.poll(false).await;
    assert_eq!(setup.mentions().len(), 2);
}

#[tokio::test]
async fn feed_headers_are_not_sent_to_another_origin() {
    let server = lumora_server().await;
    let other = FeedServer::start().await;
    other.set(
        "/tech.xml",
        Reply::Feed(fixture("config/feeds/tech-news.rss2.xml")),
    );
    server.set("/away.xml", Reply::Redirect(302, other.url("/tech.xml")));
    let setup = crate::helpers::setup_with(
        &[],
        &format!(
            "\n[[feed]]\nname = \"home\"\nurl = \"{}\"\nheaders = {{ Authorization = \"Bearer s3cret\" }}\n\n[[feed]]\nname = \"away\"\nurl = \"{}\"\nheaders = {{ Authorization = \"Bearer s3cret\" }}\n",
            server.url("/tech.xml"),
            server.url("/away.xml")
        ),
    );
    let reports = setup.poll(false).await;
    assert_eq!(reports.len(), 2, "{reports:#?}");
    assert!(reports.iter().all(|r| r.error.is_none()), "{reports:#?}");
    assert_eq!(
        server.authorization("/tech.xml"),
        [Some("Bearer s3cret".to_string())]
    );
    assert_eq!(
        server.authorization("/away.xml"),
        [Some("Bearer s3cret".to_string())]
    );
    assert_eq!(
        other.authorization("/tech.xml"),
        [None],
        "dropped on the way to another origin"
    );
}

#[tokio::test]
async fn the_body_cap_holds_without_content_length_and_hosts_get_two_requests_at_a_time() {
    let server = FeedServer::start().await;
    server.set("/chunked", Reply::Chunked(1024 * 1024));
    let mut feeds = vec![("chunked", server.url("/chunked"))];
    let names = ["s0", "s1", "s2", "s3", "s4", "s5"];
    for name in names {
        let path = format!("/{name}.xml");
        server.set(
            &path,
            Reply::Slow(
                Duration::from_millis(300),
                fixture("config/feeds/press.rss1.xml"),
            ),
        );
        feeds.push((name, server.url(&path)));
    }
    let setup = setup(&feeds);
    let reports = setup.poll(false).await;
    let error = error_of(&reports, "chunked");
    assert!(error.contains("larger than 262144 bytes"), "{error}");
    for name in names {
        assert_eq!(report(&reports, name).items, 3, "{name}");
    }
    // Seven feeds on one host, per_host_concurrency at its default of 2.
    assert_eq!(server.max_in_flight(), 2);
}

/// A feed that gives its one item a new GUID and a new session id in its
/// link on every fetch, as some forums and shops do.
fn rotating(n: usize) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Shop</title>
<item><title>Lumora Halo Mini back in stock</title>
<link>https://shop.example/halo-mini;jsessionid=S{n}?PHPSESSID=p{n}&amp;ref=rss</link>
<guid isPermaLink="false">visit-{n}</guid>
<description>The Lumora Halo Mini is back in stock at the shop.</description></item>
</channel></rss>"#
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn rotating_guids_and_session_links_count_one_sighting() {
    let server = FeedServer::start().await;
    let setup = setup(&[("shop", server.url("/shop.xml"))]);
    let mut new_sightings = Vec::new();
    for n in 0..4 {
        server.set("/shop.xml", Reply::Feed(rotating(n)));
        let reports = setup.poll(false).await;
        new_sightings.push(report(&reports, "shop").sightings);
    }
    assert_eq!(
        new_sightings,
        [0, 0, 0, 0],
        "the first sighting comes with the mention"
    );
    let mentions = setup.mentions();
    assert_eq!(mentions.len(), 1);
    assert_eq!(
        mentions[0].sightings, 1,
        "one row, however often it was seen"
    );
    assert_eq!(
        mentions[0].url.as_deref(),
        Some("https://shop.example/halo-mini?ref=rss"),
        "session ids are not part of the page's address"
    );
    let store = vigia::store::Store::open(&setup.db()).unwrap();
    let id = mentions[0].id;
    let sightings = store
        .call_blocking(move |c| vigia::store::mentions::detail(c, id))
        .unwrap()
        .sightings;
    assert_eq!(sightings.len(), 1);
    assert_eq!(sightings[0].times, 4, "seen under four item keys");
}
