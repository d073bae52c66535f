//! Config loading: every problem reported at once, each with its place.

use super::*;

mod storage;

pub(super) fn load_text(text: &str) -> Result<Config, ConfigErrors> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigia.toml");
    std::fs::write(&path, text).unwrap();
    Config::load(&path)
}

pub(super) fn messages(text: &str) -> Vec<String> {
    match load_text(text) {
        Ok(_) => panic!("config was accepted:\n{text}"),
        Err(errors) => errors
            .0
            .iter()
            .map(|e| {
                e.to_string()
                    .rsplit_once("vigia.toml")
                    .map_or(String::new(), |(_, m)| m.to_string())
            })
            .collect(),
    }
}

/// Every wanted message is among those reported, and nothing else is.
pub(super) fn assert_reported(got: &[String], want: &[&str]) {
    for w in want {
        assert!(
            got.iter().any(|g| g.contains(w)),
            "missing {w:?} in\n{}",
            got.join("\n")
        );
    }
    assert_eq!(got.len(), want.len(), "{}", got.join("\n"));
}

#[test]
fn unknown_keys_name_the_key_and_line() {
    let got =
        messages("[[brand]]\nname = \"Acme\"\nqueries = [\"acme\"]\n\n[poll]\nintreval = \"5m\"\n");
    assert_eq!(got.len(), 1);
    assert!(
        got[0].starts_with(":6:1: poll: unknown field `intreval`"),
        "{got:?}"
    );
    assert!(got[0].contains("expected one of `interval`"), "{got:?}");
}

#[test]
fn unknown_keys_in_arrays_of_tables_name_the_entry() {
    let text = "[[brand]]\nname = \"A\"\nqueries = [\"a\"]\n[[feed]]\nurl = \"https://a.example/\"\n[[feed]]\nurl = \"https://b.example/\"\nintervall = \"5m\"\n";
    let got = messages(text);
    assert!(
        got[0].starts_with(":8:1: feed[1]: unknown field `intervall`"),
        "{got:?}"
    );
}

#[test]
fn every_validation_error_is_reported_with_line_and_key() {
    let text = r#"
[http]
max_body_size = "ten"
max_concurrency = 0

[poll]
interval = "5x"

[[brand]]
name = "Acme"
queries = ["acme (refund", ""]
languages = ["english"]

[[brand]]
name = "acme"
queries = []

[[feed]]
url = "htp:/example"

[[feed]]
name = "blog"
url = "ftp://example.com/feed"
headers = { "Bad Header" = "x", Authorization = "secret\u0001" }

[[feed]]
name = "blog"
url = "https://example.com/feed"
interval = "1s"
"#;
    let got = messages(text);
    let want = [
        r#":3:17: http.max_body_size: "ten" is not a size"#,
        ":4:19: http.max_concurrency: 0 is out of range",
        r#":7:12: poll.interval: "5x" is not a duration (expected e.g. "15m""#,
        r#":11:12: brand[0].queries[0]: "acme (refund": unclosed parenthesis opened at column 6"#,
        r#":11:28: brand[0].queries[1]: "": query is empty"#,
        r#":12:14: brand[0].languages[0]: "english" has no sentiment lexicon (expected "en" or "pt")"#,
        r#":15:8: brand[1].name: "acme" is already brand[0]"#,
        ":16:11: brand[1].queries: is empty",
        r#":19:7: feed[0].url: "htp:/example" has scheme "htp""#,
        r#":23:7: feed[1].url: "ftp://example.com/feed" has scheme "ftp""#,
        r#"feed[1].headers.Authorization: value has characters not allowed"#,
        r#"feed[1].headers.Bad Header: "Bad Header" is not a valid header name"#,
        r#":27:8: feed[2]: feed "blog" is already defined as feed[1]"#,
        r#":29:12: feed[2].interval: "1s" is too short"#,
    ];
    assert_reported(&got, &want);
    assert!(
        !got.iter().any(|g| g.contains("secret")),
        "header values are never echoed"
    );
}

#[test]
fn a_config_without_brands_is_refused() {
    let got = messages("[[feed]]\nurl = \"https://example.com/feed\"\n");
    assert_eq!(
        got,
        [": brand: no [[brand]] configured: there is nothing to look for"]
    );
}

#[test]
fn feed_files_are_loaded_relative_to_the_config_and_checked_too() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("vigia.toml");
    std::fs::write(
        &main,
        "feed_files = [\"feeds.toml\"]\n[[brand]]\nname = \"A\"\nqueries = [\"a\"]\n",
    )
    .unwrap();
    let feeds = dir.path().join("feeds.toml");
    std::fs::write(
        &feeds,
        "[[feed]]\nurl = \"https://example.com/a\"\n[[feed]]\nurl = \"file:local.xml\"\n",
    )
    .unwrap();
    let config = Config::load(&main).unwrap();
    let loaded: Vec<&Feed> = config.feeds().collect();
    assert_eq!(loaded.len(), 2);
    assert_eq!(
        loaded[1].url.to_file_path().ok(),
        Some(base_dir(&main).join("local.xml"))
    );
    assert_eq!(config.storage_path, base_dir(&main).join("vigia.db"));

    std::fs::write(
        &feeds,
        "[[feed]]\nurl = \"https://example.com/a\"\nname = \"\"\n",
    )
    .unwrap();
    let errors = Config::load(&main)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        errors.contains("feeds.toml:3:8: feed[0].name: is empty"),
        "{errors}"
    );

    // A feeds file that is not there: the key naming it, with its line.
    std::fs::remove_file(&feeds).unwrap();
    let errors = Config::load(&main)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        errors.starts_with(&format!(
            "{}:1:15: feed_files[0]: {}: cannot read: ",
            main.display(),
            feeds.display()
        )),
        "{errors}"
    );
}

#[test]
fn every_shipped_config_is_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            if let Err(errors) = Config::load(&path) {
                panic!("{errors}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 2, "expected demo.toml and vigia.example.toml");
}

#[test]
fn the_readme_shows_the_example_config_as_it_is() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |rel: &str| {
        std::fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    };
    let (readme, example) = (read("README.md"), read("config/vigia.example.toml"));
    assert!(
        readme.contains(&format!("```toml\n{example}```")),
        "README.md's \"The whole config\" differs from config/vigia.example.toml: copy the file in"
    );
}

#[test]
fn imap_sources_are_checked() {
    let text = r#"
[[brand]]
name = "A"
queries = ["a"]

[[imap]]
name = "remote"
host = "imap.example.com"
tls = "plain"
user = "a@example.com"
password_env = "P"
password_file = "p.txt"

[[imap]]
name = "second"
host = "imap.example.com"
tls = "ssl"
user = "a@example.com"
after = "move"

[[imap]]
name = "remote"
host = "localhost"
port = 70000
tls = "plain"
user = "a"
password_file = "p.txt"
after = "seen"
move_to = "Done"
"#;
    let got = messages(text);
    let want = [
        r#":9:7: imap[0].tls: "plain" sends the password in clear and is allowed only for localhost, not "imap.example.com""#,
        ":12:17: imap[0]: set password_env or password_file, not both",
        r#":17:7: imap[1].tls: "ssl" is not a TLS mode (expected "implicit", "starttls" or "plain")"#,
        ":15:8: imap[1]: needs password_env (an environment variable) or password_file",
        r#":19:9: imap[1].move_to: is needed with after = "move""#,
        r#":22:8: imap[2].name: "remote" is already the name of imap[0]"#,
        ":24:8: imap[2].port: 70000 is not a port (1 to 65535)",
        r#":29:11: imap[2].move_to: is only used with after = "move""#,
    ];
    assert_reported(&got, &want);
}

#[test]
fn imap_defaults() {
    let config = load_text(
        "[[brand]]\nname = \"A\"\nqueries = [\"a\"]\n[[imap]]\nname = \"m\"\nhost = \"imap.example.com\"\nuser = \"u\"\npassword_env = \"P\"\n",
    )
    .unwrap();
    let [SourceSpec::Imap(imap)] = &config.sources[..] else {
        panic!("{:?}", config.sources)
    };
    assert_eq!(
        (imap.port, imap.folders.as_slice()),
        (993, ["INBOX".to_string()].as_slice())
    );
    assert_eq!(imap.location(), "imaps://u@imap.example.com:993/INBOX");
    // A user name that is an address keeps the location a URL.
    let config = load_text(
        "[[brand]]\nname = \"A\"\nqueries = [\"a\"]\n[[imap]]\nname = \"m\"\nhost = \"imap.example.com\"\nuser = \"ana@lumora.example\"\npassword_env = \"P\"\n",
    )
    .unwrap();
    assert_eq!(
        config.sources[0].location(),
        "imaps://ana%40lumora.example@imap.example.com:993/INBOX"
    );
}

#[test]
fn sentiment_thresholds_are_checked() {
    let got = messages("[sentiment]\npositive = -0.2\nnegative = -1.5\n[[brand]]\nname = \"A\"\nqueries = [\"a\"]\n");
    assert_reported(
        &got,
        &[
            ":2:12: sentiment.positive: -0.2 is out of range (above 0, at most 1)",
            ":3:12: sentiment.negative: -1.5 is out of range (below 0, at least -1)",
        ],
    );
    let config = load_text("[sentiment]\npositive = 0.3\n[[brand]]\nname = \"A\"\nqueries = [\"a\"]\nlanguages = [\"pt\"]\n")
        .unwrap();
    assert_eq!(
        (config.thresholds.positive, config.thresholds.negative),
        (0.3, -0.05)
    );
    assert_eq!(config.brands[0].languages, [crate::sentiment::Language::Pt]);
}

#[test]
fn lexicon_overrides_are_checked() {
    let text = "[sentiment.lexicon.en]\nsick = 2.0\n\"bug fix\" = 1.0\nbug = -9.0\n\n[sentiment.lexicon.fr]\nbof = -1.0\n\n[[brand]]\nname = \"A\"\nqueries = [\"a\"]\n";
    let got = messages(text);
    assert_reported(
        &got,
        &[
            ":3:13: sentiment.lexicon.en.bug fix: must be a single word",
            ":4:7: sentiment.lexicon.en.bug: -9 is out of range (-4 to 4, as in VADER)",
            r#":7:7: sentiment.lexicon.fr: "fr" has no sentiment lexicon (expected "en" or "pt")"#,
        ],
    );
    let config = load_text(
        "[sentiment.lexicon.en]\nsick = 2.0\n[[brand]]\nname = \"A\"\nqueries = [\"a\"]\n",
    )
    .unwrap();
    assert_eq!(config.lexicon_overrides.len(), 1);
}

const BRAND: &str = "[[brand]]\nname = \"Acme\"\nqueries = [\"acme\"]\n";

#[test]
fn mail_and_spike_settings_are_checked_without_echoing_secrets() {
    let got = messages(&format!(
        "{BRAND}[mail]\nfrom = \"not an address\"\nhost = \"smtp.example.com\"\ntls = \"plain\"\n\
         user = \"vigia\"\nretry = \"0s\"\n[spikes]\np_value = 2.0\nmin_count = 0\n"
    ));
    assert_reported(
        &got,
        &[
            "mail.from: \"not an address\" is not an email address",
            "mail.tls: \"plain\" sends the password in clear and is allowed only for localhost",
            "mail.user: needs password_env or password_file",
            "mail.retry: \"0s\" is not a duration from 1s to 1h",
            "spikes.p_value: 2 is out of range",
            "spikes.min_count: 0 is out of range",
        ],
    );
    let config = load_text(&format!(
        "{BRAND}[mail]\nfrom = \"Vigia <v@acme.example>\"\nhost = \"smtp.acme.example\"\n\
         tls = \"starttls\"\nuser = \"vigia\"\npassword_env = \"SMTP_PASSWORD\"\n\
         [spikes]\nwindow = \"30m\"\ncooldown = \"2h\"\nmin_count = 8\n"
    ))
    .unwrap();
    assert_eq!(
        config.mail.describe(),
        "smtp+starttls://smtp.acme.example:587"
    );
    assert_eq!(config.spikes.window.as_secs(), 1800);
    assert_eq!(config.spikes.min_count, 8);
    assert_eq!(config.spikes.cooldown.as_secs(), 7200);
    let files = load_text(BRAND).unwrap();
    assert!(
        files.mail.describe().starts_with("files in "),
        "no host: .eml files"
    );
}

#[test]
fn web_pages_are_checked() {
    let text = r#"
[[brand]]
name = "Acme"
queries = ["acme"]

[[page]]
name = "reviews"
url = "https://r.example/acme"
item = "article["
title = "h2"
date_format = "dd/mm/yyyy"
max_pages = 3
select = "main"

[[page]]
name = "news"
url = "ftp://n.example/"
title = "h2"
timezone = "Mars/Olympus"

[[page]]
name = "reviews"
url = "https://r.example/b"
item = "li"
date = "span"
timezone = "Mars/Olympus"
next = "a.next"
max_pages = 0
weight = 11
"#;
    assert_reported(
        &messages(text),
        &[
            ":9:8: page[0].item: \"article[\" is not a CSS selector",
            ":11:15: page[0].date_format: \"dd/mm/yyyy\" has no %-field",
            ":12:13: page[0].max_pages: is set but `next` is not",
            ":13:10: page[0].select: is for watching a whole page",
            ":11:15: page[0].date_format: is set but `date` is not",
            ":17:7: page[1].url: \"ftp://n.example/\" has scheme \"ftp\"",
            ":18:9: page[1].title: only applies to a list page",
            ":19:12: page[1].timezone: only applies to a list page",
            ":22:8: page[2].name: \"reviews\" is already the name of page[0]",
            ":26:12: page[2].timezone: \"Mars/Olympus\" is not an IANA time zone",
            ":28:13: page[2].max_pages: 0 is out of range",
            ":29:10: page[2].weight: 11 is out of range",
        ],
    );
}

#[test]
fn web_pages_read_as_lists_or_whole() {
    let config = load_text(
        r#"
[http]
host_delay = "500ms"

[[brand]]
name = "Acme"
queries = ["acme"]

[[page]]
name = "list"
url = "file:pages/list.html"
item = "li"
link = "a.more@data-href"
date = "span.when"
date_format = "%d/%m/%Y"
timezone = "America/Sao_Paulo"
next = "a[rel=next]"

[[page]]
name = "whole"
url = "https://n.example/news"
exclude = [".ad", "nav"]
"#,
    )
    .unwrap();
    assert_eq!(config.http.host_delay, Duration::from_millis(500));
    let [list, whole] = &config.pages().collect::<Vec<_>>()[..] else {
        panic!("{:?}", config.sources)
    };
    assert_eq!(list.url.scheme(), "file");
    assert!(list.url.path().ends_with("/pages/list.html"));
    let crate::source::web::Reading::List(rules) = &list.reading else {
        panic!("{:?}", list.reading)
    };
    assert_eq!(
        rules.link.as_ref().and_then(|l| l.attr.as_deref()),
        Some("data-href")
    );
    assert_eq!(rules.max_pages, crate::source::web::DEFAULT_MAX_PAGES);
    assert_eq!(rules.dates.timezone, chrono_tz::America::Sao_Paulo);
    assert!(matches!(
        whole.reading,
        crate::source::web::Reading::Whole { select: None }
    ));
    assert_eq!(whole.exclude.len(), 2);
    assert!(config
        .source_locations()
        .contains(&("whole".into(), "https://n.example/news".into())));
}

mod listeners;
