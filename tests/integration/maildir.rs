//! Mail from a local Maildir through the same pipeline as feeds.

use std::path::Path;

use crate::helpers::{error_of, fixture, lumora_server, report, setup_with};

fn deliver(maildir: &Path, name: &str, raw: &[u8]) {
    std::fs::write(maildir.join("new").join(name), raw).unwrap();
}

fn maildir(root: &Path) -> std::path::PathBuf {
    let dir = root.join("Maildir");
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    dir
}

#[tokio::test]
async fn alerts_in_a_maildir_join_the_feeds_mentions() {
    let server = lumora_server().await;
    let setup = setup_with(
        &[("tech", server.url("/tech.xml"))],
        "\n[[maildir]]\nname = \"alerts\"\npath = \"Maildir\"\ninterval = \"1m\"\n",
    );
    let dir = maildir(setup.dir.path());
    deliver(
        &dir,
        "1700000000.M1P1.host",
        &fixture("tests/fixtures/mail/google-alert-en-text.eml"),
    );
    deliver(
        &dir,
        "1700000001.M2P1.host",
        &fixture("tests/fixtures/mail/forwarded-complaint.eml"),
    );
    deliver(
        &dir,
        "1700000002.M3P1.host",
        b"\x00\x01 this is not mail at all",
    );

    let reports = setup.poll(false).await;
    assert_eq!(
        report(&reports, "alerts").items,
        3,
        "two alert results and one plain mail: {reports:#?}"
    );
    assert!(report(&reports, "alerts").error.is_none());

    let mentions = setup.mentions();
    let recall: Vec<_> = mentions
        .iter()
        .filter(|m| m.title.contains("recalls 12,000"))
        .collect();
    assert_eq!(
        recall.len(),
        1,
        "one story, seen in the feed and in the alert"
    );
    assert_eq!(recall[0].sources, ["alerts", "tech"]);
    assert_eq!(recall[0].sightings, 2);

    let cafe = mentions
        .iter()
        .find(|m| m.title.starts_with("Café owners"))
        .unwrap_or_else(|| panic!("{mentions:#?}"));
    assert_eq!(cafe.origin.as_deref(), Some("Smallbiz Review"));
    assert_eq!(cafe.query.as_deref(), Some("Lumora"));
    let complaint = mentions
        .iter()
        .find(|m| m.title == "Reclamação - lâmpada Lumora queimou")
        .unwrap_or_else(|| panic!("{mentions:#?}"));
    assert_eq!(
        complaint.origin.as_deref(),
        Some("João Suporte <joao@lumora.example>")
    );
    assert_eq!(complaint.url, None);
    // Quoted from the customer's words, not the forwarded header lines.
    assert_eq!(
        complaint.snippet,
        "Comprei duas lâmpadas Lumora em outubro e uma já queimou."
    );

    // Read again, or moved to cur/ by a mail client: nothing new.
    let before = setup.mentions();
    let moved = dir.join("cur").join("1700000000.M1P1.host:2,S");
    std::fs::rename(dir.join("new").join("1700000000.M1P1.host"), &moved).unwrap();
    let reports = setup.poll(false).await;
    assert!(report(&reports, "alerts").new_mentions.is_empty());
    assert_eq!(setup.mentions(), before);

    // A new delivery is picked up.
    deliver(
        &dir,
        "1700000100.M4P1.host",
        &fixture("tests/fixtures/mail/talkwalker-alert.eml"),
    );
    let reports = setup.poll(false).await;
    assert_eq!(report(&reports, "alerts").new_mentions.len(), 2);
}

#[tokio::test]
async fn a_missing_maildir_is_a_clear_error_and_the_feeds_go_on() {
    let server = lumora_server().await;
    let setup = setup_with(
        &[("tech", server.url("/tech.xml"))],
        "\n[[maildir]]\nname = \"alerts\"\npath = \"NoSuchMaildir\"\n",
    );
    let reports = setup.poll(false).await;
    let error = error_of(&reports, "alerts");
    assert!(
        error.contains("cannot read") && error.contains("NoSuchMaildir/new"),
        "{error}"
    );
    assert_eq!(report(&reports, "tech").items, 6);
}

/// Forwarded and replied complaints as Gmail, Outlook, Apple Mail and
/// Thunderbird write them, in English and Portuguese: each is quoted from
/// what the customer wrote, never from a header line (the brand's own
/// domain is in every `To:`), and the legal threat sets its severity.
#[tokio::test]
async fn forwarded_and_replied_mail_is_quoted_from_the_body() {
    let setup = setup_with(
        &[],
        "\n[[maildir]]\nname = \"sac\"\npath = \"Maildir\"\ninterval = \"1m\"\n",
    );
    let dir = maildir(setup.dir.path());
    let clients = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail/clients");
    let mut names: Vec<String> = std::fs::read_dir(&clients)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 10);
    for (i, name) in names.iter().enumerate() {
        let raw = std::fs::read(clients.join(name)).unwrap();
        deliver(&dir, &format!("17000000{i:02}.M{i}P1.host"), &raw);
    }
    let reports = setup.poll(false).await;
    assert_eq!(report(&reports, "sac").items, 10);
    let mentions = setup.mentions();
    assert!(!mentions.is_empty());
    for m in &mentions {
        let quote = &m.snippet;
        for header in [
            "From:", "To:", "Subject:", "De:", "Para:", "Assunto:", "@lumora", "wrote:",
        ] {
            assert!(!quote.contains(header), "{}: {quote}", m.title);
        }
        assert!(
            quote.contains("Lumora Halo"),
            "quoted from the customer's words: {}: {quote}",
            m.title
        );
        assert!(
            !m.title.starts_with("Fwd:") && !m.title.starts_with("ENC:"),
            "{}",
            m.title
        );
        // Why, in `mentions show`: the alarm term counted.
        let shown = crate::helpers::stdout(&setup.vigia(&["mentions", "show", &m.id.to_string()]));
        assert!(
            shown.contains("  severity   ") && shown.contains(" points: alarm terms "),
            "{shown}"
        );
        // A threat to sue or to go to Procon is urgent at least.
        assert!(
            ["urgent", "critical"].contains(&m.severity.as_str()),
            "{}: {} ({quote}) {:?} {:?}",
            m.title,
            m.severity,
            m.sentiment,
            m.language
        );
    }
}
