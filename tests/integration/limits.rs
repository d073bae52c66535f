//! `[limits]` end to end: a feed longer than a poll reads is read newest
//! first over several polls, and an alert batch larger than a mail may be
//! is split, every mail within the size.

use crate::helpers::{setup_with, stdout, FeedServer, Reply};

fn rss(items: &str) -> Vec<u8> {
    format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>F</title>{items}</channel></rss>")
        .into_bytes()
}

/// Mentions stored, by title.
fn titles(setup: &crate::helpers::Setup) -> Vec<String> {
    setup.mentions().into_iter().map(|m| m.title).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_feed_is_read_newest_first_over_several_polls() {
    let server = FeedServer::start().await;
    // 25 items, newest first as feeds list them.
    let items: String = (0..25)
        .rev()
        .map(|i| {
            format!(
                "<item><title>Lumora note {i}</title><link>https://blog.example/{i}</link>\
                 <guid>note-{i}</guid><description>Lumora note number {i} of many.</description></item>"
            )
        })
        .collect();
    server.set("/long.xml", Reply::Feed(rss(&items)));
    let setup = setup_with(
        &[("long", server.url("/long.xml"))],
        "[limits]\nitems_per_poll = 10\n",
    );
    let mut seen = Vec::new();
    for expected in [10, 20, 25, 25] {
        stdout(&setup.vigia(&["poll", "--once"]));
        let now = titles(&setup);
        assert_eq!(now.len(), expected, "{now:?}");
        seen.push(now);
    }
    // The first poll took the ten newest.
    for i in 15..25 {
        assert!(
            seen[0].contains(&format!("Lumora note {i}")),
            "{:?}",
            seen[0]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alert_batch_too_large_for_one_mail_is_split() {
    let server = FeedServer::start().await;
    let filler = "the lamp overheated and the cover melted near the kids room ".repeat(8);
    let items: String = (0..40)
        .map(|i| {
            format!(
                "<item><title>Lumora Halo caught fire, dangerous, recall now, case {i}: {filler}</title>\
                 <link>https://forum.example/t/{i}</link><guid>fire-{i}</guid>\
                 <description>My Lumora lamp caught fire, terrible and dangerous, I will sue. {filler}</description></item>"
            )
        })
        .collect();
    server.set("/fires.xml", Reply::Feed(rss(&items)));
    let setup = setup_with(
        &[("fires", server.url("/fires.xml"))],
        "[mail]\nto = [\"pr@lumora.example\"]\ndir = \"mail-out\"\n\n[limits]\nalert_bytes = 65536\n",
    );
    stdout(&setup.vigia(&["poll", "--once"]));
    let dir = setup.dir.path().join("mail-out");
    let mails: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .collect();
    assert!(mails.len() >= 2, "{} mails", mails.len());
    // Each alerted mention is listed in exactly one of them.
    let mut listed: Vec<String> = Vec::new();
    for mail in &mails {
        assert!(mail.len() <= 65_536, "a mail of {} bytes", mail.len());
        let message = mail_parser::MessageParser::default()
            .parse(mail)
            .unwrap_or_else(|| panic!("unparsable"));
        let text = message.body_text(0).unwrap_or_default().into_owned();
        let mut links: Vec<String> = text
            .split_whitespace()
            .filter(|w| w.starts_with("https://forum.example/t/"))
            .map(str::to_string)
            .collect();
        links.sort();
        links.dedup();
        listed.extend(links);
    }
    let all = listed.len();
    listed.sort();
    listed.dedup();
    assert_eq!(listed.len(), all, "a mention in two mails");
    assert!(all >= 30, "{all} mentions alerted");
}

#[test]
fn a_limit_out_of_range_names_its_key_and_file() {
    let setup = setup_with(&[], "[limits]\nitems_per_poll = 0\n");
    let out = setup.vigia(&["check"]);
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("limits.items_per_poll")
            && said.contains("vigia.toml")
            && said.contains("expected 10 to 1000000"),
        "{said}"
    );
}

#[test]
fn spike_windows_must_tile_the_day_and_a_build_up_span_less() {
    for (extra, key, says) in [
        (
            "[spikes]\nwindow = \"7m\"\n",
            "spikes.window",
            "divide a day",
        ),
        (
            "[spikes]\nsustained = 30\n",
            "spikes.sustained",
            "less than a day",
        ),
    ] {
        let setup = setup_with(&[], extra);
        let out = setup.vigia(&["check"]);
        let said = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{said}");
        assert!(said.contains(key) && said.contains(says), "{said}");
    }
}
