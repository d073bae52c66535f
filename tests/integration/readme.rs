//! The README cannot drift from the program: its demo output is what the
//! demo prints.

use crate::helpers::{repo, stdout, vigia_cmd};

/// The README's sample of what the demo prints: the lines of the code
/// block after "What the demo prints".
fn readme_sample() -> Vec<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap_or_default();
    let after = readme
        .split("What the demo prints")
        .nth(1)
        .unwrap_or_else(|| panic!("the README has no demo sample"));
    after
        .split("```")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect()
}

/// The summary line with its time left out: "Polled 6 sources: …".
fn without_time(line: &str) -> String {
    match (line.split_once(" in "), line.split_once("s: ")) {
        (Some((head, _)), Some((_, tail))) => format!("{head}: {tail}"),
        _ => line.to_string(),
    }
}

#[test]
fn the_demo_prints_what_the_readme_shows() {
    // The demo config, run from a scratch folder: its paths made absolute,
    // its database and outbox there.
    let config_dir = repo().join("config");
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read_to_string(config_dir.join("demo.toml")).unwrap_or_default();
    let dirs = config_dir.display().to_string();
    let demo = demo
        .replace(
            "path = \"../var/demo.db\"",
            &format!("path = {:?}", dir.path().join("demo.db")),
        )
        .replace("\"file:", &format!("\"file://{dirs}/"))
        .replace("path = \"mail/", &format!("path = \"{dirs}/mail/"));
    let config = dir.path().join("demo.toml");
    std::fs::write(&config, demo).unwrap();
    let run = |args: &[&str]| stdout(&vigia_cmd(&config).args(args).output().unwrap());

    let sample = readme_sample();
    let polled = run(&["poll", "--once"]);
    let summary = polled.lines().next().unwrap_or_default();
    assert_eq!(
        without_time(summary),
        without_time(&sample[0]),
        "the README's demo summary is stale"
    );
    let mail = polled.lines().nth(1).unwrap_or_default();
    let readme_mail = sample[1].split(" (files in").next().unwrap_or_default();
    assert!(
        mail.starts_with(readme_mail),
        "{mail}\nREADME: {}",
        sample[1]
    );

    let listed: Vec<serde_json::Value> =
        serde_json::from_str(&run(&["mentions", "--format", "json"])).unwrap_or_default();
    let new_mentions = summary
        .split(", ")
        .find_map(|p| p.strip_suffix(" new mentions"))
        .and_then(|n| n.parse::<usize>().ok());
    assert_eq!(new_mentions, Some(listed.len()));
    // The README's table lists every mention, one row each.
    let header = sample
        .iter()
        .position(|l| l.starts_with("ID  "))
        .unwrap_or_else(|| panic!("no table in the README's sample"));
    let rows = sample[header + 1..]
        .iter()
        .take_while(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|id| id.parse::<i64>().is_ok())
        })
        .count();
    assert_eq!(rows, listed.len(), "the README's table has {rows} rows");

    // The README's backtests of the demo's history, as printed (the days
    // replayed aside: an undated page item counts from today).
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap_or_default();
    let days = |line: &str| match line.strip_prefix("Alerts:") {
        Some(rest) => rest.split(" in ").next().unwrap_or_default().to_string(),
        None => line.to_string(),
    };
    for command in readme.lines().filter_map(|l| {
        l.trim()
            .strip_prefix("$ vigia --config config/demo.toml spikes backtest ")
    }) {
        let args: Vec<&str> = command.split_whitespace().collect();
        let printed = run(&[&["spikes", "backtest"], &args[..]].concat());
        let shown: Vec<&str> = readme
            .split(command)
            .nth(1)
            .unwrap_or_default()
            .lines()
            .skip(1)
            .map(str::trim)
            .take_while(|l| !l.starts_with('$') && !l.starts_with("```"))
            .collect();
        let printed: Vec<&str> = printed.lines().collect();
        assert_eq!(
            printed.len(),
            shown.len(),
            "{command}: {printed:?} / {shown:?}"
        );
        for (p, s) in printed.iter().zip(&shown) {
            assert_eq!(days(p), days(s), "{command}");
        }
    }
}
