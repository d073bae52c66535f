//! Web pages over HTTP on 127.0.0.1: list pages with pagination, a
//! windows-1252 review list with local dates, whole-page watching,
//! robots.txt, a layout change, the per-host delay and `vigia try-source`.

use std::time::Duration;

use crate::helpers::{error_of, fixture, report, setup_with, FeedServer, Reply, Setup};

const HTML: &str = "text/html; charset=utf-8";
const ROBOTS: &str = "User-agent: *\nDisallow: /private/\n\nUser-agent: vigia\nDisallow: /members/\nAllow: /private/\n";

async fn server() -> FeedServer {
    let server = FeedServer::start().await;
    server.set("/robots.txt", Reply::Page(ROBOTS.into(), "text/plain"));
    server.set(
        "/c/smart-lighting",
        Reply::Page(fixture("tests/fixtures/pages/forum-page1.html"), HTML),
    );
    server.set(
        "/c/smart-lighting?page=2",
        Reply::Page(fixture("tests/fixtures/pages/forum-page2.html"), HTML),
    );
    server
}

/// A config with the given `[[page]]` tables and no delay between requests.
fn pages(tables: &str) -> Setup {
    spaced(tables, "0s")
}

/// The same, with `host_delay`.
fn spaced(tables: &str, delay: &str) -> Setup {
    let setup = setup_with(&[], tables);
    let text = std::fs::read_to_string(&setup.config).unwrap();
    let text = text.replacen(
        "[http]\n",
        &format!("[http]\nhost_delay = \"{delay}\"\n"),
        1,
    );
    std::fs::write(&setup.config, text).unwrap();
    setup
}

fn forum(server: &FeedServer, extra: &str) -> String {
    format!(
        r#"
[[page]]
name = "forum"
url = "{}"
item = "tr.topic-list-item"
title = "a.title"
text = ".excerpt"
date = "time"
{extra}
"#,
        server.url("/c/smart-lighting")
    )
}

#[tokio::test]
async fn list_pages_follow_next_and_never_repeat_a_mention() {
    let server = server().await;
    let setup = pages(&forum(&server, "next = \"a[rel=next]\"\nmax_pages = 2"));
    let reports = setup.poll(false).await;
    assert_eq!(error_of(&reports, "forum"), "");
    assert_eq!(report(&reports, "forum").items, 6, "4 + 2 topics");
    let mentions = setup.mentions();
    let mut titles: Vec<&str> = mentions.iter().map(|m| m.title.as_str()).collect();
    titles.sort_unstable();
    assert_eq!(
        titles,
        [
            "Halo Mini vs the competition: a month of testing",
            "Lumora Halo A19 keeps disconnecting from wifi",
            "Shout-out to Lumora support",
        ]
    );
    let wifi = mentions
        .iter()
        .find(|m| m.title.starts_with("Lumora Halo A19"))
        .unwrap_or_else(|| panic!("{titles:?}"));
    assert_eq!(
        wifi.url.as_deref(),
        Some(
            server
                .url("/t/lumora-halo-a19-keeps-disconnecting-from-wifi/4411")
                .as_str()
        ),
        "relative link resolved"
    );
    assert_eq!(
        wifi.published_at,
        Some(1_795_209_240),
        "2026-11-20T21:14:00Z"
    );
    assert!(
        wifi.snippet.contains("drop off the network"),
        "{}",
        wifi.snippet
    );
    assert_eq!(
        server.hits("/c/smart-lighting?page=3"),
        [0u16; 0],
        "max_pages"
    );

    // Unchanged: a conditional GET, a 304, nothing new.
    let again = setup.poll(false).await;
    assert_eq!(report(&again, "forum").items, 0);
    assert_eq!(server.hits("/c/smart-lighting"), [200, 304]);
    assert_eq!(server.conditional("/c/smart-lighting"), 1);
    assert_eq!(setup.mentions().len(), 3);

    // A new topic: only it becomes a mention; the others are known.
    let page = String::from_utf8(fixture("tests/fixtures/pages/forum-page1.html"))
        .unwrap()
        .replace(
            "<tbody>",
            r#"<tbody><tr class="topic-list-item"><td class="main-link">
            <a class="title" href="/t/lumora-hub-bricked/4420">Lumora hub bricked by update</a>
            <div class="excerpt">The hub will not boot since last night.</div></td>
            <td class="activity"><time datetime="2026-11-22T07:00:00Z">Nov 22</time></td></tr>"#,
        );
    server.set("/c/smart-lighting", Reply::Page(page.into_bytes(), HTML));
    let third = setup.poll(false).await;
    assert_eq!(report(&third, "forum").new_mentions.len(), 1);
    assert_eq!(report(&third, "forum").sightings, 0);
    let after = setup.mentions();
    assert_eq!(after.len(), 4);
    assert!(after.iter().all(|m| m.sightings == 1), "{after:#?}");
}

#[tokio::test]
async fn review_list_in_windows_1252_with_local_dates() {
    let server = FeedServer::start().await;
    server.set("/robots.txt", Reply::Status(404, None));
    // No charset in the header: the page's <meta> says windows-1252.
    server.set(
        "/empresas/lumora/lista",
        Reply::Page(fixture("config/pages/reviews-cp1252.html"), "text/html"),
    );
    let setup = pages(&format!(
        r#"
[[page]]
name = "reclama"
url = "{}"
item = "li.reclamacao"
title = "h4"
link = "a.titulo"
text = ".descricao"
date = ".data"
date_format = "%d/%m/%Y às %H:%M"
timezone = "America/Sao_Paulo"
exclude = [".publicidade"]
"#,
        server.url("/empresas/lumora/lista")
    ));
    let reports = setup.poll(false).await;
    assert_eq!(error_of(&reports, "reclama"), "");
    assert!(setup.state("reclama").warning.is_none());
    let mentions = setup.mentions();
    assert_eq!(mentions.len(), 3, "the ad is not an item");
    let burnt = mentions
        .iter()
        .find(|m| m.title == "Lâmpada Lumora queimou em uma semana")
        .unwrap_or_else(|| panic!("{mentions:#?}"));
    assert_eq!(
        burnt.url.as_deref(),
        Some(
            server
                .url("/empresas/lumora/reclamacao/lampada-lumora-queimou-em-uma-semana_Xk29aB/")
                .as_str()
        )
    );
    // 12/11/2026 14:35 in São Paulo (UTC-3) is 17:35 UTC.
    assert_eq!(burnt.published_at, Some(1_794_504_900));
    assert_eq!(burnt.language.as_deref(), Some("pt"));
    assert!(burnt.sentiment.is_some(), "{burnt:?}");
    assert!(mentions.iter().all(|m| !m.snippet.contains("Anúncio")));
}

#[tokio::test]
async fn whole_page_reports_only_new_paragraphs() {
    let server = FeedServer::start().await;
    server.set("/robots.txt", Reply::Page(ROBOTS.into(), "text/plain"));
    server.set(
        "/news",
        Reply::Page(fixture("config/pages/newsroom.html"), HTML),
    );
    let setup = pages(&format!(
        "[[page]]\nname = \"rival\"\nurl = \"{}\"\nselect = \"main\"\nexclude = [\".counter\"]\n",
        server.url("/news")
    ));
    setup.poll(false).await;
    let first = setup.mentions();
    assert_eq!(first.len(), 1, "{first:#?}");
    assert!(first[0].snippet.contains("unlike the Lumora hub"));
    assert!(
        first[0].title.starts_with("All Brightwave hubs"),
        "an untitled paragraph is titled by its start: {}",
        first[0].title
    );

    // The same page again: nothing, though it still names the brand.
    setup.poll(false).await;
    assert_eq!(setup.mentions().len(), 1);

    // A new article: only its paragraph naming the brand is a mention, at
    // the same URL as the first, yet a mention of its own.
    server.set(
        "/news",
        Reply::Page(fixture("tests/fixtures/pages/newsroom-updated.html"), HTML),
    );
    let reports = setup.poll(false).await;
    assert_eq!(report(&reports, "rival").items, 4, "the new paragraphs");
    let after = setup.mentions();
    assert_eq!(after.len(), 2, "{after:#?}");
    let new = after
        .iter()
        .find(|m| m.id != first[0].id)
        .unwrap_or_else(|| panic!("{after:#?}"));
    assert!(new
        .snippet
        .contains("undercutting the Lumora Halo Mini bundle"));
    assert_eq!(new.url, first[0].url);
    assert_eq!(
        new.origin.as_deref(),
        Some("Newsroom – Brightwave Lighting")
    );

    // Unchanged once more.
    setup.poll(false).await;
    assert_eq!(setup.mentions().len(), 2);
}

#[tokio::test]
async fn robots_txt_is_obeyed_per_user_agent_group() {
    let server = server().await;
    for path in ["/members/reviews", "/private/reviews"] {
        server.set(
            path,
            Reply::Page(fixture("tests/fixtures/pages/forum-page2.html"), HTML),
        );
    }
    let table = |name: &str, path: &str| {
        format!(
            "[[page]]\nname = \"{name}\"\nurl = \"{}\"\nitem = \"tr.topic-list-item\"\n",
            server.url(path)
        )
    };
    let setup = pages(&format!(
        "{}{}",
        table("members", "/members/reviews"),
        table("private", "/private/reviews")
    ));
    let reports = setup.poll(false).await;
    let refused = error_of(&reports, "members");
    assert!(
        refused.contains("robots.txt does not allow \"vigia\""),
        "{refused}"
    );
    assert!(server.hits("/members/reviews").is_empty(), "never fetched");
    assert!(setup.state("members").error_count == 1);
    // `User-agent: vigia` is the group that applies, not `*`.
    assert_eq!(error_of(&reports, "private"), "");
    assert_eq!(server.hits("/private/reviews"), [200]);
}

#[tokio::test]
async fn an_unreachable_robots_txt_holds_the_site() {
    let server = server().await;
    server.set("/robots.txt", Reply::Status(503, None));
    let setup = pages(&forum(&server, ""));
    let reports = setup.poll(false).await;
    let error = error_of(&reports, "forum");
    assert!(error.contains("robots.txt is unreachable"), "{error}");
    assert!(server.hits("/c/smart-lighting").is_empty());
    assert!(report(&reports, "forum").next_in_secs >= 60, "backs off");
}

#[tokio::test]
async fn a_layout_change_is_a_warning_until_fixed() {
    let server = server().await;
    let setup = pages(&forum(&server, ""));
    setup.poll(false).await;
    assert!(setup.state("forum").warning.is_none());

    server.set(
        "/c/smart-lighting",
        Reply::Page(fixture("tests/fixtures/pages/forum-redesign.html"), HTML),
    );
    let reports = setup.poll(false).await;
    assert_eq!(error_of(&reports, "forum"), "", "a warning, not a failure");
    let state = setup.state("forum");
    let warning = state.warning.unwrap_or_default();
    assert!(
        warning.contains("item selector \"tr.topic-list-item\" matched nothing"),
        "{warning}"
    );
    let status = tokio::task::spawn_blocking(move || {
        let out = setup.vigia(&["feeds", "status"]);
        (setup, out)
    })
    .await
    .unwrap();
    let (setup, out) = status;
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("warning") && table.contains("matched nothing"),
        "{table}"
    );

    server.set(
        "/c/smart-lighting",
        Reply::Page(fixture("tests/fixtures/pages/forum-page1.html"), HTML),
    );
    setup.poll(false).await;
    assert!(setup.state("forum").warning.is_none(), "cleared once fixed");
}

#[tokio::test]
async fn requests_to_one_host_are_spaced() {
    let server = server().await;
    let setup = spaced(
        &forum(&server, "next = \"a[rel=next]\"\nmax_pages = 2"),
        "1s",
    );
    setup.poll(false).await;
    let requests = server.requests();
    let paths: Vec<&str> = requests.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/robots.txt",
            "/c/smart-lighting",
            "/c/smart-lighting?page=2"
        ]
    );
    for pair in requests.windows(2) {
        let gap = pair[1].1 - pair[0].1;
        assert!(
            gap >= Duration::from_millis(950),
            "{gap:?} between {pair:?}"
        );
    }
}

#[tokio::test]
async fn try_source_prints_what_the_selectors_extract() {
    let server = server().await;
    let setup = pages("");
    let url = server.url("/c/smart-lighting");
    let (setup, good, bad) = tokio::task::spawn_blocking(move || {
        let good = setup.vigia(&[
            "try-source",
            &url,
            "--item",
            "tr.topic-list-item",
            "--title",
            "a.title",
            "--date",
            "time",
            "--format",
            "json",
        ]);
        let bad = setup.vigia(&["try-source", &url, "--item", "tr[", "--title", "a"]);
        (setup, good, bad)
    })
    .await
    .unwrap();
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&good.stdout).unwrap();
    let items = json["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 4, "{json:#}");
    assert_eq!(
        items[0]["title"],
        "Lumora Halo A19 keeps disconnecting from wifi"
    );
    assert_eq!(items[0]["published"], "2026-11-20T21:14:00+00:00");
    assert_eq!(items[0]["brands"], serde_json::json!(["Lumora"]));
    assert_eq!(items[1]["brands"], serde_json::json!([]));
    assert_eq!(json["warnings"], serde_json::json!([]));

    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("--item: \"tr[\" is not a CSS selector"),
        "{stderr}"
    );
    assert!(setup.mentions().is_empty(), "trying stores nothing");
}
