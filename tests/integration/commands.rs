//! What a person at the shell meets: closed pipes, every config problem at
//! once, a missing config, a mention listing that fits the terminal and
//! searches text, a mention shown whole, follow-up by the login user,
//! source counts, OPML imports that say what they skipped.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use crate::helpers::{lumora_feeds, lumora_server, setup, setup_with, stdout, vigia_cmd, Setup};

/// A reader that stops after `lines` lines (none: before the command
/// writes at all, so that no pipe buffer hides the closed end): the
/// command ends quietly, with status 0 or killed by SIGPIPE (141 in a
/// shell), never a panic.
fn assert_quiet_on_closed_pipe(mut child: std::process::Child, lines: usize) {
    let out = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut reader = BufReader::new(out);
    for _ in 0..lines {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(!line.is_empty(), "the command printed fewer lines");
    }
    drop(reader);
    let status = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert!(
        status.status.success() || status.status.signal() == Some(13),
        "{:?}: {stderr}",
        status.status
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
}

#[test]
fn closed_pipes_end_commands_quietly() {
    let completions = Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args(["completions", "bash"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Its 50 kB would fit a pipe's buffer: close the pipe first.
    assert_quiet_on_closed_pipe(completions, 0);

    let mut score = Command::new(env!("CARGO_BIN_EXE_vigia"))
        .arg("score")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = score.stdin.take().unwrap_or_else(|| panic!("no stdin"));
    let writer = std::thread::spawn(move || {
        // The reader leaves after one line; the rest may not fit the pipe.
        for _ in 0..200_000 {
            if stdin.write_all(b"good\n").is_err() {
                break;
            }
        }
    });
    assert_quiet_on_closed_pipe(score, 1);
    writer.join().unwrap_or_else(|_| panic!("writer"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_poll_whose_reader_left_still_stores_everything() {
    let server = lumora_server().await;
    let setup = setup(&lumora_feeds(&server));
    let poll = vigia_cmd(&setup.config)
        .args(["poll", "--once"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = tokio::task::spawn_blocking(move || {
        let mut poll = poll;
        drop(poll.stdout.take());
        poll.wait_with_output()
    })
    .await
    .unwrap()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Network commands keep SIGPIPE ignored: the closed pipe is an error
    // they drop, not a signal that kills them mid-send.
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(setup.mentions().len(), 6);
}

#[test]
fn check_reports_every_problem_with_the_closest_key() {
    let setup = setup_with(
        &[],
        r#"
[[team]]
name = "support"
recipents = ["support@lumora.example"]

[[team]]
name = "tech"
recipients = "oncall@lumora.example"

[[feed]]
name = "blog"
url = "htp:/nowhere"

[spikes]
windw = "1h"
"#,
    );
    let out = setup.vigia(&["check"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    let config = setup.config.display().to_string();
    let problems: Vec<&str> = err.lines().filter(|l| !l.ends_with("found")).collect();
    assert!(
        problems
            .iter()
            .all(|p| p.starts_with(&format!("{config}:"))),
        "{err}"
    );
    assert!(
        problems[0].contains("team[0]: unknown field `recipents`")
            && problems[0].ends_with("did you mean `recipients`?"),
        "{err}"
    );
    assert!(
        problems[1].contains("team[1].recipients: invalid type"),
        "{err}"
    );
    assert!(
        err.contains("spikes: unknown field `windw`") && err.contains("did you mean `window`?"),
        "{err}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("feed[0].url: \"htp:/nowhere\"")),
        "validation runs on what could be read: {err}"
    );
    assert!(
        err.ends_with(&format!("{} problem(s) found\n", problems.len())),
        "{err}"
    );

    // Valid, with the same feed twice: a warning, and check passes.
    let setup = crate::helpers::setup(&[
        ("blog", "https://blog.example/feed".into()),
        ("blog-again", "https://blog.example/feed".into()),
    ]);
    let out = setup.vigia(&["check"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("warning: ")
            && err.contains("feed[1].url")
            && err.contains("is also feed[0] (\"blog\"): it will be polled twice"),
        "{err}"
    );
}

#[test]
fn a_missing_config_says_how_to_name_one() {
    let out = vigia_cmd(std::path::Path::new("/nonexistent/vigia.toml"))
        .arg("mentions")
        .env_remove("VIGIA_CONFIG")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("there is no config file at /nonexistent/vigia.toml")
            && err.contains("--config FILE")
            && err.contains("VIGIA_CONFIG"),
        "{err}"
    );
    let out = vigia_cmd(std::path::Path::new("/nonexistent/vigia.toml"))
        .arg("check")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("VIGIA_CONFIG"));
}

/// The Lumora feeds polled once into a fresh setup.
pub async fn polled() -> (crate::helpers::FeedServer, Setup) {
    let server = lumora_server().await;
    let setup = setup(&lumora_feeds(&server));
    stdout(&setup.vigia(&["poll", "--once"]));
    (server, setup)
}

#[tokio::test(flavor = "multi_thread")]
async fn mentions_fit_the_terminal_sort_by_severity_and_search_text() {
    let (_server, setup) = polled().await;
    let wide = stdout(
        &vigia_cmd(&setup.config)
            .arg("mentions")
            .env_remove("COLUMNS")
            .output()
            .unwrap(),
    );
    assert!(
        wide.lines().next().is_some_and(|h| h.contains("URL")),
        "{wide}"
    );
    for width in ["80", "120"] {
        let out = vigia_cmd(&setup.config)
            .arg("mentions")
            .env("COLUMNS", width)
            .output()
            .unwrap();
        let table = stdout(&out);
        let width: usize = width.parse().unwrap_or_default();
        assert!(
            table.lines().all(|l| l.chars().count() <= width),
            "wider than {width}:\n{table}"
        );
        let header = table.lines().next().unwrap_or_default();
        assert!(
            header.contains("SEVERITY") && header.contains("TITLE"),
            "{header}"
        );
        assert!(!header.contains("URL"), "the URL gives way first: {header}");
        assert_eq!(table.lines().count(), 7, "{table}");
    }

    // Most severe first, by default; newest first on request.
    let json = |args: &[&str]| -> Vec<serde_json::Value> {
        let mut all = vec!["mentions", "--format", "json"];
        all.extend_from_slice(args);
        serde_json::from_str(&stdout(&setup.vigia(&all))).unwrap_or_default()
    };
    let rank = |s: &str| {
        ["info", "notable", "urgent", "critical"]
            .iter()
            .position(|x| *x == s)
    };
    let severities: Vec<Option<usize>> = json(&[])
        .iter()
        .map(|r| r["severity"].as_str().and_then(rank))
        .collect();
    assert!(
        severities.windows(2).all(|w| w[0] >= w[1]),
        "{severities:?}"
    );
    let newest: Vec<i64> = json(&["--sort", "newest"])
        .iter()
        .filter_map(|r| r["id"].as_i64())
        .collect();
    assert!(newest.windows(2).all(|w| w[0] > w[1]), "{newest:?}");

    // Full-text search over title and text, accents and case aside.
    let found = json(&["--query", "reclamacao"]);
    assert!(!found.is_empty());
    assert!(
        found.iter().all(|r| {
            let t = format!("{} {}", r["title"], r["snippet"]).to_lowercase();
            t.contains("reclamação") || t.contains("reclamacao")
        }),
        "{found:?}"
    );
    assert!(json(&["--query", "\"no such phrase anywhere\""]).is_empty());
    let excluded = json(&["--query", "lumora -overheating"]);
    assert_eq!(excluded.len(), 5, "{excluded:?}");
    assert!(
        excluded
            .iter()
            .all(|r| !r.to_string().to_lowercase().contains("overheat")),
        "{excluded:?}"
    );
    let bad = setup.vigia(&["mentions", "--query", "!!"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--query \"!!\": no word to look for"));

    // Semicolon CSV for spreadsheets in Portuguese.
    let csv = stdout(&setup.vigia(&["mentions", "--format", "csv", "--delimiter", ";"]));
    assert!(
        csv.starts_with("id;first_seen_at;published_at;brand;title"),
        "{csv}"
    );
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv.as_bytes());
    assert_eq!(reader.records().count(), 6);
    let bad = setup.vigia(&["mentions", "--format", "csv", "--delimiter", " "]);
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--delimiter ' ': expected one punctuation")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mention_shown_whole_and_followed_up_by_the_login_user() {
    let (_server, setup) = polled().await;
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&stdout(&setup.vigia(&["mentions", "--format", "json"])))
            .unwrap_or_default();
    // The recall story, seen in two feeds.
    let seen_twice = rows
        .iter()
        .find(|r| r["sightings"].as_i64() == Some(2))
        .cloned()
        .unwrap_or_else(|| panic!("no mention seen twice: {rows:?}"));
    let id = seen_twice["id"].to_string();
    let shown = stdout(&setup.vigia(&["mentions", "show", &id]));
    assert!(shown.contains("Seen in 2 place(s):"), "{shown}");
    for source in seen_twice["sources"].as_array().into_iter().flatten() {
        let source = source.as_str().unwrap_or_default();
        assert!(
            shown
                .lines()
                .any(|l| l.contains(source) && l.contains("http")),
            "sighting in {source}: {shown}"
        );
    }
    assert!(shown.contains("  published  20"), "{shown}");
    assert!(shown.contains("  matched    lumora"), "{shown}");
    let text = shown
        .split("Text:\n")
        .nth(1)
        .and_then(|t| t.split("History:").next())
        .unwrap_or_default();
    let quote = seen_twice["snippet"].as_str().unwrap_or_default();
    assert!(
        text.len() > quote.len() && text.contains(quote),
        "the whole text, not the quote: {shown}"
    );

    // The login user by default, not "cli", whatever the environment lacks.
    let expected = Command::new("id")
        .arg("-un")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let out = vigia_cmd(&setup.config)
        .args(["mentions", "ignore", &id])
        .env_remove("USER")
        .env_remove("LOGNAME")
        .env_remove("SUDO_USER")
        .output()
        .unwrap();
    assert_eq!(stdout(&out), format!("Mention {id} is now ignored.\n"));
    // Nobody had taken it on: reopening routes it again.
    let reopened = stdout(&setup.vigia(&["mentions", "reopen", &id, "--by", "ana"]));
    assert_eq!(reopened, format!("Mention {id} is now routed.\n"));
    let shown = stdout(&setup.vigia(&["mentions", "show", &id]));
    assert!(
        shown.contains(&format!("ignored       by {expected}")),
        "{expected}: {shown}"
    );
    assert!(shown.contains("routed        by ana"), "{shown}");
}

#[tokio::test(flavor = "multi_thread")]
async fn feeds_status_counts_items_and_mentions() {
    let (_server, setup) = polled().await;
    let table = stdout(&setup.vigia(&["feeds", "status"]));
    let header = table.lines().next().unwrap_or_default();
    assert!(
        header.contains("ITEMS") && header.contains("MENTIONS"),
        "{table}"
    );
    let json: Vec<serde_json::Value> =
        serde_json::from_str(&stdout(&setup.vigia(&["feeds", "status", "--json"])))
            .unwrap_or_default();
    let items: i64 = json
        .iter()
        .filter_map(|s| s["state"]["items_total"].as_i64())
        .sum();
    let mentions: i64 = json
        .iter()
        .filter_map(|s| s["state"]["mentions_total"].as_i64())
        .sum();
    assert_eq!((items, mentions), (12, 6), "{json:?}");
    let tech = table
        .lines()
        .find(|l| l.starts_with("tech "))
        .unwrap_or_default();
    let cells: Vec<&str> = tech.split_whitespace().collect();
    let tech_json = json.iter().find(|s| s["id"] == "tech");
    assert_eq!(
        cells.get(2).copied().unwrap_or_default(),
        tech_json
            .map(|s| s["state"]["items_total"].to_string())
            .unwrap_or_default(),
        "{table}"
    );
}

#[test]
fn opml_import_says_what_it_skipped() {
    let setup = setup(&[("existing", "https://a.example".into())]);
    let dir = setup.dir.path();
    std::fs::write(
        dir.join("subs.opml"),
        r#"<?xml version="1.0"?><opml version="2.0"><head/><body>
        <outline text="Press"><outline type="rss" text="Wire" xmlUrl="https://wire.example/rss"/>
        <outline type="rss" text="Again" xmlUrl="https://a.example/"/>
        <outline type="rss" text="Wire twice" xmlUrl="https://wire.example/rss"/>
        <outline text="A site without a feed" htmlUrl="https://c.example/"/></outline>
        </body></opml>"#,
    )
    .unwrap();
    let import = || {
        vigia_cmd(&setup.config)
            .current_dir(dir)
            .args(["feeds", "import", "subs.opml", "--output", "feeds.toml"])
            .output()
            .unwrap()
    };
    let out = import();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{err}");
    assert!(err.contains("Imported 1 feeds"), "{err}");
    assert!(
        err.contains("Skipped 1 feeds the config already has:\n  Again  https://a.example/"),
        "{err}"
    );
    assert!(
        err.contains("Skipped 1 repeats of a feed earlier in the file:\n  Wire twice"),
        "{err}"
    );
    assert!(
        err.contains("Skipped 1 outlines with no feed URL (xmlUrl):\n  A site without a feed"),
        "{err}"
    );
    // Again: the feeds file already has the new one, though the config
    // does not list that file yet.
    let out = import();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        err.contains("Nothing new to import into feeds.toml."),
        "{err}"
    );
    let written = std::fs::read_to_string(dir.join("feeds.toml")).unwrap_or_default();
    assert_eq!(written.matches("[[feed]]").count(), 1, "{written}");
}
