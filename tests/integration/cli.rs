//! The command line: `check`, `poll`, `mentions` with its filters and
//! formats, `feeds import`.

use crate::helpers::{lumora_feeds, lumora_server, setup, setup_with, stdout, vigia_cmd};

#[test]
fn check_names_the_file_line_and_key_and_fails() {
    let setup = setup_with(&[("blog", "htp:/nowhere".into())], "");
    let out = setup.vigia(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let config = setup.config.display().to_string();
    assert!(err.contains(&format!("{config}:")), "{err}");
    assert!(
        err.contains(r#"feed[0].url: "htp:/nowhere" has scheme "htp""#),
        "{err}"
    );
    assert!(err.contains("1 problem(s) found"), "{err}");

    std::fs::write(&setup.config, "[[brand]]\nname = \"x\"\nquery = [\"x\"]\n").unwrap();
    let err = String::from_utf8_lossy(&setup.vigia(&["check"]).stderr).into_owned();
    assert!(
        err.contains(&format!("{config}:3:1: brand[0]: unknown field `query`")),
        "{err}"
    );
}

#[test]
fn check_accepts_the_demo_config() {
    let demo = crate::helpers::repo().join("config/demo.toml");
    let out = vigia_cmd(&demo).arg("check").output().unwrap();
    assert!(stdout(&out).contains("ok (1 brands, 3 feeds, 1 maildirs"));
}

#[tokio::test(flavor = "multi_thread")]
async fn mentions_filters_and_formats() {
    let server = lumora_server().await;
    let setup = setup(&lumora_feeds(&server));
    let summary = stdout(&setup.vigia(&["poll", "--once"]));
    assert!(summary.starts_with("Polled 3 sources"), "{summary}");
    assert!(
        summary.contains("12 items, 6 new mentions, 1 new sightings, 0 failed"),
        "{summary}"
    );
    assert!(
        summary.contains("“Comprei duas lâmpadas da Lumora em outubro.”"),
        "{summary}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&stdout(&setup.vigia(&["mentions", "--format", "json"])))
            .unwrap_or_default();
    let rows = json.as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 6);
    assert!(rows
        .iter()
        .all(|r| r["brand"] == "Lumora" && r["snippet"].as_str().is_some_and(|s| !s.is_empty())));

    let forum = stdout(&setup.vigia(&["mentions", "--source", "forum", "--format", "json"]));
    assert_eq!(
        serde_json::from_str::<Vec<serde_json::Value>>(&forum)
            .map(|v| v.len())
            .ok(),
        Some(2)
    );
    let limited = stdout(&setup.vigia(&["mentions", "--limit", "1", "--format", "json"]));
    assert_eq!(
        serde_json::from_str::<Vec<serde_json::Value>>(&limited)
            .map(|v| v.len())
            .ok(),
        Some(1)
    );
    // An unknown brand or team is named, with the known ones, never an
    // empty listing.
    let unknown = setup.vigia(&["mentions", "--brand", "Lumra"]);
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains(r#"--brand "Lumra": no such brand (known: Lumora); did you mean "Lumora"?"#),
        "{unknown:?}"
    );
    let unknown = setup.vigia(&["mentions", "--team", "atendimeto"]);
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains(r#"--team "atendimeto": no such team"#),
        "{unknown:?}"
    );
    assert_eq!(
        stdout(&setup.vigia(&["mentions", "--since", "2099-01-01"])),
        "No mentions.\n"
    );
    let recent = stdout(&setup.vigia(&["mentions", "--since", "1h", "--brand", "lumora"]));
    assert_eq!(recent.lines().count(), 7, "header and six rows:\n{recent}");

    // Every mention carries its sentiment; the label filter partitions them.
    assert!(rows
        .iter()
        .all(|r| r["sentiment"].is_f64() && r["language"].is_string() && r["lexicon"].is_string()));
    let mut by_label = 0;
    for label in ["negative", "neutral", "positive"] {
        let out = stdout(&setup.vigia(&["mentions", "--sentiment", label, "--format", "json"]));
        let some: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap_or_default();
        assert!(
            some.iter().all(|r| r["sentiment_label"] == label),
            "{label}: {out}"
        );
        by_label += some.len();
    }
    assert_eq!(by_label, rows.len());
    let forum = rows
        .iter()
        .find(|r| {
            r["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("Reclamação"))
        })
        .cloned();
    assert_eq!(
        forum.map(|r| r["language"].clone()),
        Some(serde_json::json!("pt"))
    );

    let csv = stdout(&setup.vigia(&["mentions", "--format", "csv"]));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().cloned().unwrap_or_default();
    assert_eq!(&headers[4], "title");
    assert_eq!(reader.records().count(), 6);

    let bad = setup.vigia(&["mentions", "--since", "last tuesday"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr)
        .contains("--since \"last tuesday\": expected yesterday, today, last-week or a date"));
    // The digest's words work here too.
    let today = stdout(&setup.vigia(&["mentions", "--since", "today", "--format", "json"]));
    let today: Vec<serde_json::Value> = serde_json::from_str(&today).unwrap_or_default();
    assert_eq!(today.len(), 6);
    assert!(
        today.iter().all(|r| r["first_seen_at"]
            .as_str()
            .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok())),
        "RFC 3339 times in JSON, as in CSV: {today:?}"
    );
}

#[test]
fn opml_import_writes_a_feeds_file_the_config_loads() {
    let setup = setup(&[("existing", "https://a.example/feed".into())]);
    let dir = setup.dir.path();
    let opml = dir.join("subs.opml");
    std::fs::write(
        &opml,
        r#"<?xml version="1.0"?><opml version="2.0"><head/><body>
        <outline text="Press"><outline type="rss" text="Wire" xmlUrl="https://wire.example/rss"/>
        <outline type="rss" text="Again" xmlUrl="https://a.example/feed"/></outline>
        <outline type="rss" text="Blog" xmlUrl="https://blog.example/atom"/></body></opml>"#,
    )
    .unwrap();
    let out = setup.vigia(&["feeds", "import", "subs.opml", "--output", "feeds.toml"]);
    assert!(
        !out.status.success(),
        "relative to the working directory, subs.opml does not exist here"
    );
    let out = vigia_cmd(&setup.config)
        .current_dir(dir)
        .args(["feeds", "import", "subs.opml", "--output", "feeds.toml"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Imported 2 feeds"));

    let config = std::fs::read_to_string(&setup.config).unwrap_or_default();
    std::fs::write(
        &setup.config,
        format!("feed_files = [\"feeds.toml\"]\n{config}"),
    )
    .unwrap();
    let loaded = setup.load();
    let ids: Vec<&str> = loaded.feeds().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["existing", "Press/Wire", "Blog"]);
}

#[test]
fn score_prints_one_json_object_a_line_in_input_order() {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args([
            "score",
            "--no-config",
            "--lexicon",
            "vader",
            "--format",
            "json",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let input = "The book was VERY GOOD.\nNão gostei do livro, péssimo.\n\n";
    child
        .stdin
        .take()
        .map(|mut s| s.write_all(input.as_bytes()))
        .transpose()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["compound"], 0.6867, "exactly VADER's");
    assert_eq!(
        (lines[0]["label"].as_str(), lines[0]["language"].as_str()),
        (Some("positive"), Some("en"))
    );
    assert_eq!(lines[0]["lexicon"], "vader-en-3.3.2");
    assert_eq!(
        (lines[1]["label"].as_str(), lines[1]["language"].as_str()),
        (Some("negative"), Some("pt"))
    );
    assert_eq!(lines[2]["compound"], 0.0);
    for key in ["pos", "neu", "neg"] {
        assert!(lines[0][key].is_f64(), "{key}");
    }

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args(["score", "--language", "fr", "bonjour"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--language \"fr\": no scorer for it"));
}

#[test]
fn score_explain_says_which_words_and_rules_made_the_score() {
    let run = |args: &[&str]| {
        stdout(
            &std::process::Command::new(env!("CARGO_BIN_EXE_vigia"))
                .args(args)
                .output()
                .unwrap(),
        )
    };
    let text = run(&[
        "score",
        "--no-config",
        "--explain",
        "The food was not very good!",
    ]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("negative -0.4432"), "{text}");
    assert!(
        lines[1].contains("good") && lines[1].contains("+1.9000  lexicon"),
        "{text}"
    );
    assert!(lines[2].contains("+2.1930  boosted by \"very\""), "{text}");
    assert!(lines[3].contains("-1.6228  negated by \"not\""), "{text}");
    assert!(
        lines[4].contains("punctuation -0.2920") && lines[4].ends_with("= -0.4432"),
        "{text}"
    );

    let json = run(&[
        "score",
        "--no-config",
        "--explain",
        "--format",
        "json",
        "--language",
        "pt",
        "Não gostei muito",
    ]);
    let value: serde_json::Value =
        serde_json::from_str(json.trim()).unwrap_or_else(|e| panic!("{e}: {json}"));
    let steps = &value["explain"]["words"][0]["steps"];
    assert_eq!(value["explain"]["words"][0]["word"], "gostei");
    let rules: Vec<&str> = steps
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["rule"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(rules, ["lexicon", "clause_negation", "booster_after"]);
    assert_eq!(steps[1]["by"], "Não");
    assert_eq!(value["label"], "negative");
}

#[test]
fn man_pages_and_completions_come_from_the_cli_definition() {
    let dir = tempfile::tempdir().unwrap();
    let out = vigia_cmd(std::path::Path::new("unused.toml"))
        .args(["man", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let main = std::fs::read_to_string(dir.path().join("vigia.1")).unwrap();
    assert!(main.contains(".TH vigia 1"), "{main}");
    assert!(main.contains("try\\-source"), "subcommands listed");
    let page = std::fs::read_to_string(dir.path().join("vigia-try-source.1")).unwrap();
    assert!(page.contains("\\-\\-date\\-format"), "{page}");

    let bash = vigia_cmd(std::path::Path::new("unused.toml"))
        .args(["completions", "bash"])
        .output()
        .unwrap();
    let script = stdout(&bash);
    assert!(script.contains("complete -F _vigia"), "{script}");
    assert!(script.contains("--date-format") && script.contains("try-source"));
}

#[test]
fn score_reads_the_config_its_slang_in_every_form_and_leaves_brand_names_out() {
    let setup = setup_with(
        &[],
        "\n[[brand]]\nname = \"Corvina Pay\"\nqueries = ['\"corvina pay\"']\n\
         \n[sentiment.lexicon.en]\nfizzle = -2.0\n",
    );
    let score = |args: &[&str]| {
        let out = setup.vigia(args);
        assert!(out.status.success(), "{out:?}");
        (
            stdout(&out),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for text in [
        "Lumora lamps fizzle",
        "My Lumora lamp fizzled",
        "Lumora lamps keep fizzling",
    ] {
        let (said, how) = score(&["score", text]);
        assert!(said.starts_with("negative "), "{text}: {said}");
        assert!(
            how.contains("1 lexicon override(s); the names of Lumora, Corvina Pay score nothing"),
            "{how}"
        );
        // Without the config, the bare lexicon: neutral.
        let (bare, how) = score(&["score", "--no-config", text]);
        assert!(bare.starts_with("neutral "), "{text}: {bare}");
        assert!(how.contains("bare lexicons (--no-config)"), "{how}");
    }
    // "pay" is -0.4 in VADER's lexicon; as a brand's name it is nothing.
    let (said, _) = score(&["score", "Corvina Pay raises 25 million"]);
    assert!(said.starts_with("neutral  +0.0000"), "{said}");
    let (bare, _) = score(&["score", "--no-config", "Corvina Pay raises 25 million"]);
    assert!(bare.starts_with("negative "), "{bare}");

    // Brand-risk words count unless the reference lexicon is asked for.
    let (risk, _) = score(&["score", "--no-config", "Lumora announces a recall"]);
    assert!(
        risk.starts_with("negative ") && risk.contains("+risk]"),
        "{risk}"
    );
    let (reference, _) = score(&[
        "score",
        "--no-config",
        "--lexicon",
        "vader",
        "Lumora announces a recall",
    ]);
    assert!(
        reference.starts_with("neutral ") && reference.contains("vader-en-3.3.2]"),
        "{reference}"
    );

    // A config named and missing is an error, not the bare lexicons.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args(["--config", "/nonexistent.toml", "score", "fizzle"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no config file at /nonexistent.toml"));
}

/// A first poll of a large feed lists 20 new mentions and says how many
/// more there are; `--all` lists every one.
#[test]
fn poll_lists_twenty_new_mentions_unless_asked_for_all() {
    let items: String = (0..25)
        .map(|i| {
            format!(
                "<item><title>Lumora story {i}</title><link>https://news.example/{i}</link>\
                 <description>Lumora news number {i}</description></item>"
            )
        })
        .collect();
    let setup = setup_with(&[("big", "file:big.xml".to_string())], "");
    std::fs::write(
        setup.dir.path().join("big.xml"),
        format!(r#"<?xml version="1.0"?><rss version="2.0"><channel><title>b</title>{items}</channel></rss>"#),
    )
    .unwrap();
    let first = stdout(&setup.vigia(&["poll", "--once"]));
    assert!(first.contains("25 new mentions"), "{first}");
    assert_eq!(
        first.matches("[Lumora] Lumora story").count(),
        20,
        "{first}"
    );
    assert!(first.contains("… and 5 more (`--all`"), "{first}");
    std::fs::remove_file(setup.dir.path().join("vigia.db")).unwrap();
    let all = stdout(&setup.vigia(&["poll", "--once", "--all"]));
    assert_eq!(all.matches("[Lumora] Lumora story").count(), 25, "{all}");
    assert!(!all.contains("more (`--all`"), "{all}");
}
