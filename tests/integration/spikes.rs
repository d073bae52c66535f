//! A negative spike through the daemon's mail pass: detected against the
//! brand's history, alerted once (cool-down), written by the default file
//! transport with the mentions that caused it.

use crate::helpers::*;

pub fn storm() -> Vec<u8> {
    let complaints = [
        "My Lumora lamp exploded and burned the desk, terrible and dangerous",
        "Lumora support is useless, rude and awful, I hate this company",
        "Worst purchase ever: the Lumora bulb died after one horrible day",
        "Lumora app crashed and bricked my lights, a disgraceful failure",
        "Never buying Lumora again, broken products and terrible refunds",
        "Lumora charged me twice and refuses to help, this is a scam",
        "Awful smell of burning plastic from my Lumora strip, so scary",
    ];
    let items: String = complaints
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "<item><title>{c}</title><link>https://forum.example/t/{i}</link>\
                 <guid>storm-{i}</guid><description>{c}.</description></item>"
            )
        })
        .collect();
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Forum</title>{items}</channel></rss>")
        .into_bytes()
}

const CALM: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>
<item><title>Lumora opens a new store</title><link>https://news.example/a</link><guid>calm-1</guid>
<description>Lumora opened a store downtown.</description></item></channel></rss>"#;

/// A brand watched for eight days, calmly (a full baseline), through a
/// news feed and a forum feed the returned server serves, with `extra`
/// config; [`storm`] on `/forum.xml` makes a spike.
pub async fn calm_brand(extra: &str) -> (FeedServer, Setup) {
    let server = FeedServer::start().await;
    server.set("/news.xml", Reply::Feed(CALM.as_bytes().to_vec()));
    server.set("/forum.xml", Reply::Feed(b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>F</title></channel></rss>".to_vec()));
    let setup = setup_with(
        &[
            ("news", server.url("/news.xml")),
            ("forum", server.url("/forum.xml")),
        ],
        extra,
    );
    setup.poll(false).await;
    let db = rusqlite::Connection::open(setup.db()).unwrap();
    db.execute(
        "UPDATE mentions SET first_seen_at = first_seen_at - 8 * 86400",
        [],
    )
    .unwrap();
    (server, setup)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_negative_mentions_is_one_spike_alert() {
    let extra = "[mail]\nto = [\"pr@lumora.example\"]\ndir = \"mail-out\"\n";
    let (server, setup) = calm_brand(extra).await;
    server.set("/forum.xml", Reply::Feed(storm()));
    let out = setup.vigia(&["poll", "--once"]);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.contains("7 new mentions"), "{said}");
    let outbox = setup.vigia(&["outbox", "--all", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_slice(&outbox.stdout).unwrap_or_default();
    let spikes: Vec<&serde_json::Value> = rows
        .as_array()
        .map(|r| {
            r.iter()
                .filter(|m| {
                    m["subject"]
                        .as_str()
                        .is_some_and(|s| s.contains("Negative spike"))
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(spikes.len(), 1, "{rows}");
    assert_eq!(spikes[0]["state"], "sent");
    assert_eq!(
        spikes[0]["to"],
        serde_json::json!(["pr@lumora.example"]),
        "teams without recipients: [mail] to"
    );
    let file = setup.dir.path().join("mail-out").join(format!(
        "{:08}.eml",
        spikes[0]["id"].as_i64().unwrap_or_default()
    ));
    let raw = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let message = mail_parser::MessageParser::default()
        .parse(&raw)
        .unwrap_or_else(|| panic!("unparsable"));
    let text = message.body_text(0).unwrap_or_default().into_owned();
    assert!(text.contains("7 negative mentions of Lumora"), "{text}");
    assert!(
        text.contains("Lumora lamp exploded") && text.contains("burning plastic"),
        "{text}"
    );
    assert_eq!(
        text.matches("https://forum.example/t/").count(),
        7,
        "every mention listed: {text}"
    );
    // What drives it: sources and subjects with counts, three quotes, and
    // the last 48 hours against the usual level.
    assert!(text.contains("Sources: forum (7)"), "{text}");
    assert!(text.contains("Subjects: "), "{text}");
    let quotes = text.split("In their words:").nth(1).map_or(0, |rest| {
        rest.lines()
            .skip(1)
            .take_while(|l| l.starts_with("  \""))
            .count()
    });
    assert_eq!(quotes, 3, "{text}");
    let hours = text
        .lines()
        .find_map(|l| l.strip_prefix("Negative mentions per hour, last 48 hours: "))
        .unwrap_or_else(|| panic!("no hours: {text}"));
    let counts: Vec<&str> = hours.split(' ').collect();
    assert_eq!(counts.len(), 48, "{hours}");
    assert_eq!(counts.last(), Some(&"7"), "{hours}");
    let html = message.body_html(0).unwrap_or_default().into_owned();
    assert_eq!(
        html.matches("bgcolor=\"#b00020\"").count(),
        1,
        "one red bar: the spike's hour"
    );
    assert!(!html.contains("<script"), "{html}");

    // Still within the cool-down: no second alert.
    let again = setup.vigia(&["poll", "--once"]);
    assert!(again.status.success());
    let rows = setup.vigia(&["outbox", "--all", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_slice(&rows.stdout).unwrap_or_default();
    let count = rows.as_array().map_or(0, |r| {
        r.iter()
            .filter(|m| {
                m["subject"]
                    .as_str()
                    .is_some_and(|s| s.contains("Negative spike"))
            })
            .count()
    });
    assert_eq!(count, 1);

    // The backtest over the store's history finds the same burst, once.
    let replay = stdout(&setup.vigia(&["spikes", "backtest", "--since", "30d"]));
    assert_eq!(
        replay
            .matches(" Lumora  burst: 7 negative mentions")
            .count(),
        1,
        "{replay}"
    );
    assert!(replay.contains("Alerts: Lumora 1 in 7 days"), "{replay}");
}

/// `vigia spikes backtest --events FILE --format json`: one JSON object
/// per alert per line, with the settings given on the command line, and
/// no config needed (none at the default path).
#[test]
fn a_backtest_replays_an_events_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("time,brand,compound\n");
    let at = |t: i64| {
        chrono::DateTime::from_timestamp(1_790_000_000 + t, 0)
            .unwrap()
            .to_rfc3339()
    };
    // Ten days of one negative and two positives every two hours...
    for h in (0..240).step_by(2) {
        csv.push_str(&format!("{},Acme,-0.6\n", at(h * 3600)));
        csv.push_str(&format!("{},Acme,0.4\n", at(h * 3600 + 60)));
        csv.push_str(&format!("{},\"Beta, Inc\",0.4\n", at(h * 3600 + 90)));
    }
    // ...and 14 negatives in 40 minutes on day 9, listed out of order.
    for i in (0..14).rev() {
        csv.push_str(&format!(
            "{},Acme,-0.9\n",
            at(9 * 86_400 + 10 * 3600 + i * 170)
        ));
    }
    let file = dir.path().join("events.csv");
    std::fs::write(&file, csv).unwrap();
    let run = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigia"))
            .env_remove("VIGIA_CONFIG")
            .args(["spikes", "backtest", "--events"])
            .arg(&file)
            .args(["--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        let lines: Vec<serde_json::Value> = stdout(&out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect();
        (lines, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (alerts, summary) = run(&[]);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let a = &alerts[0];
    assert_eq!(a["brand"], "Acme");
    assert_eq!(a["kind"], "burst");
    assert!(a["count"].as_u64().unwrap() >= 5, "{a}");
    assert!(a["expected"].as_f64().unwrap() < 1.0, "{a}");
    let time = chrono::DateTime::parse_from_rfc3339(a["time"].as_str().unwrap()).unwrap();
    let offset = time.timestamp() - (1_790_000_000 + 9 * 86_400 + 10 * 3600);
    assert!((0..3600).contains(&offset), "{offset}");
    assert!(
        summary.contains("Acme 1 in 9 days") && summary.contains("Beta, Inc 0"),
        "{summary}"
    );
    // A stricter setting on the command line: no alert.
    let (alerts, _) = run(&["--min-count", "20"]);
    assert!(alerts.is_empty(), "{alerts:?}");
    // A broken file names the line.
    std::fs::write(&file, "time,brand,compound\nyesterday,Acme,-1\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigia"))
        .args(["spikes", "backtest", "--events"])
        .arg(&file)
        .output()
        .unwrap();
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && error.contains("line 2"), "{error}");
}
