//! The generic `[[json]]` source: field paths, a next-page link, a token
//! header, relative and millisecond dates, reach, `try-source --source`,
//! and config errors that name the key.

use crate::helpers::replay::{Answer, Replay};
use crate::helpers::{error_of, setup_with, stdout};

fn forum(base: &str) -> String {
    format!(
        r#"
[[json]]
name = "forum"
url = "{base}/api/posts"
token_env = "VIGIA_TEST_FORUM_KEY"
token_header = "X-Api-Key"
items = "$.data.posts"
id = "id"
title = "headline"
text = "body"
link = "permalink"
date = "when"
author = "by.name"
reach = "by.followers"
reach_kind = "followers"
next = "links.next"

[[route]]
teams = ["press"]
min_reach = 1000

[[team]]
name = "support"

[[team]]
name = "press"
"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_json_api_is_read_by_its_field_paths() {
    let replay = Replay::start().await;
    replay.answer("/api/posts", None, Answer::json("forum-api-page1.json"));
    replay.answer(
        "/api/posts",
        Some(("page", "2")),
        Answer::json("forum-api-page2.json"),
    );
    std::env::set_var("VIGIA_TEST_FORUM_KEY", "k-123");
    let setup = setup_with(&[], &forum(&replay.base));
    let reports = setup.poll(false).await;
    assert_eq!(error_of(&reports, "forum"), "");
    assert_eq!(replay.asked_for("page", "2"), 1, "the next link, followed");
    let mentions = setup.mentions();
    assert_eq!(
        mentions.len(),
        2,
        "the rental question names no brand: {mentions:?}"
    );
    let bricked = mentions
        .iter()
        .find(|m| m.title == "Lumora hub bricked after update")
        .unwrap();
    assert_eq!(
        bricked.url.as_deref(),
        Some(format!("{}/t/lumora-hub-bricked/9001", replay.base).as_str())
    );
    assert_eq!(
        (bricked.author.as_deref(), bricked.reach),
        (Some("zed"), Some(1200))
    );
    let age = crate::helpers::now() - bricked.published_at.unwrap();
    assert!(
        (3 * 3600 - 120..=3 * 3600 + 120).contains(&age),
        "\"3 hours ago\": {age} s"
    );
    assert_eq!(
        bricked.teams,
        ["press"],
        "1,200 followers: min_reach 1000 holds"
    );
    let colour = mentions
        .iter()
        .find(|m| m.title == "Halo Mini colour accuracy")
        .unwrap();
    assert_eq!(colour.published_at, Some(1_764_300_000), "milliseconds");
    assert_eq!(colour.teams, ["support"], "51 followers: the default team");
    let sent: Vec<_> = replay.asked().iter().map(|a| a.path.clone()).collect();
    assert_eq!(sent.len(), 2, "{sent:?}");

    let out = setup.vigia(&["try-source", "--source", "forum"]);
    let text = stdout(&out);
    assert!(text.contains("by zed · 1,200 followers"), "{text}");
    assert!(text.contains("3 items"), "{text}");
}

#[test]
fn a_bad_json_table_names_the_key() {
    let setup = setup_with(
        &[],
        "\n[[json]]\nname = \"x\"\nurl = \"https://api.example.com/\"\nitems = \"data[\"\ntitle = \"a.[b\"\nreach_kind = \"likes\"\nnext = \"last.id\"\n",
    );
    let out = setup.vigia(&["check"]);
    assert!(!out.status.success());
    let said =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    for key in [
        "json[0].items",
        "json[0].title",
        "json[0].reach_kind",
        "json[0].next: `last.` needs next_param",
    ] {
        assert!(said.contains(key), "{key} in {said}");
    }
    assert!(said.contains("vigia.toml"), "{said}");
    let setup = setup_with(
        &[],
        "\n[[search]]\nprovider = \"hacker-news\"\nquery = \"(a OR b OR c) (d OR e OR f)\"\n",
    );
    let out = setup.vigia(&["check"]);
    let said =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("needs 9 searches"), "{said}");
}
