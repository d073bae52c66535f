//! A negative spike through the daemon's mail pass: detected against the
//! brand's history, alerted once (cool-down), written by the default file
//! transport with the mentions that caused it.

use crate::helpers::*;

fn storm() -> Vec<u8> {
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

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_negative_mentions_is_one_spike_alert() {
    let server = FeedServer::start().await;
    server.set("/news.xml", Reply::Feed(CALM.as_bytes().to_vec()));
    server.set("/forum.xml", Reply::Feed(b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>F</title></channel></rss>".to_vec()));
    let extra = "[mail]\nto = [\"pr@lumora.example\"]\ndir = \"mail-out\"\n";
    let setup = setup_with(
        &[
            ("news", server.url("/news.xml")),
            ("forum", server.url("/forum.xml")),
        ],
        extra,
    );
    setup.poll(false).await;
    // The brand has been watched for eight days, calmly: a full baseline.
    let db = rusqlite::Connection::open(setup.db()).unwrap();
    db.execute(
        "UPDATE mentions SET first_seen_at = first_seen_at - 8 * 86400",
        [],
    )
    .unwrap();
    drop(db);

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
}
