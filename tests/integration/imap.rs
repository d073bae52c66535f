//! Reading a real Dovecot over IMAP: once and only once, across restarts,
//! IDLE, dropped connections, UIDVALIDITY changes, bad credentials, TLS
//! modes and after-read actions.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::dovecot::{Dovecot, PASSWORD};
use crate::helpers::{
    error_of, fixture, lumora_server, report, setup_with, sigterm, vigia_cmd, wait_exit, wait_for,
    Guard, Setup,
};

/// An `[[imap]]` table for `dovecot`, with the password in a file.
fn imap_toml(
    setup_dir: &std::path::Path,
    dovecot: &Dovecot,
    extra: &str,
    password: &str,
) -> String {
    let file = setup_dir.join("imap-password");
    std::fs::write(&file, format!("{password}\n")).unwrap();
    format!(
        "\n[[imap]]\nname = \"mailbox\"\nhost = \"127.0.0.1\"\nport = {}\ntls = \"plain\"\nuser = \"vigia\"\npassword_file = \"{}\"\n{extra}\n",
        dovecot.imap_port,
        file.display()
    )
}

fn with_imap(dovecot: &Dovecot, feeds: &[(&str, String)], extra: &str, password: &str) -> Setup {
    let setup = setup_with(feeds, "");
    let toml = imap_toml(setup.dir.path(), dovecot, extra, password);
    let mut config = std::fs::read_to_string(&setup.config).unwrap_or_default();
    config.push_str(&toml);
    std::fs::write(&setup.config, config).unwrap();
    setup
}

/// The IMAP source's stored per-folder positions.
fn positions(setup: &Setup) -> serde_json::Value {
    let position = setup.state("mailbox").cursor.position.unwrap_or_default();
    serde_json::from_str(&position).unwrap_or_default()
}

fn mail(name: &str) -> Vec<u8> {
    fixture(&format!("tests/fixtures/mail/{name}"))
}

/// A plain mail naming Lumora, distinct by `n`.
fn note(n: usize) -> Vec<u8> {
    format!(
        "From: Cliente {n} <c{n}@cliente.example>\r\nTo: sac@lumora.example\r\nSubject: Lumora pedido {n}\r\n\
         Message-ID: <pedido-{n}@cliente.example>\r\nDate: Sat, 21 Nov 2026 10:{n:02}:00 -0300\r\n\r\n\
         O pedido {n} da Lumora ainda nao chegou.\r\n"
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn appended_messages_become_mentions_once_across_restarts() {
    let dovecot = Dovecot::start();
    dovecot.append("INBOX", &mail("google-alert-pt.eml")).await;
    dovecot
        .append("INBOX", &mail("forwarded-complaint.eml"))
        .await;
    let setup = with_imap(&dovecot, &[], "", PASSWORD);

    let reports = setup.poll(false).await;
    let first = report(&reports, "mailbox");
    assert!(first.error.is_none(), "{first:?}");
    assert_eq!(
        (first.items, first.new_mentions.len()),
        (4, 4),
        "three alert results and one mail"
    );

    // A restart (a new runtime on the same database) reads nothing again.
    let reports = setup.poll(false).await;
    assert_eq!(report(&reports, "mailbox").items, 0);

    dovecot.append("INBOX", &mail("talkwalker-alert.eml")).await;
    let reports = setup.poll(false).await;
    assert_eq!(report(&reports, "mailbox").new_mentions.len(), 2);
    assert_eq!(setup.mentions().len(), 6);
    assert_eq!(
        dovecot.messages_in("INBOX").len(),
        3,
        "after = leave: the mailbox is untouched"
    );
}

fn wait_for_mentions(setup: &Setup, count: usize, within: Duration, what: &str) {
    let start = Instant::now();
    while setup.mentions().len() < count {
        assert!(
            start.elapsed() < within,
            "{what}: {} of {count} mentions after {within:?}",
            setup.mentions().len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_picks_up_new_mail_and_a_dropped_connection_is_recovered() {
    let mut dovecot = Dovecot::start();
    dovecot.append("INBOX", &note(1)).await;
    let setup = with_imap(&dovecot, &[], "interval = \"15m\"", PASSWORD);
    let config = std::fs::read_to_string(&setup.config).unwrap_or_default();
    std::fs::write(
        &setup.config,
        config.replace("min_backoff = \"1m\"", "min_backoff = \"10s\""),
    )
    .unwrap();
    let mut daemon = Guard(
        vigia_cmd(&setup.config)
            .arg("run")
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_mentions(&setup, 1, Duration::from_secs(20), "first poll");
    // The next poll is 15 minutes away: only IDLE can bring this in.
    dovecot.append("INBOX", &note(2)).await;
    wait_for_mentions(&setup, 2, Duration::from_secs(20), "IDLE");
    // The server goes away and comes back; mail sent meanwhile is read.
    dovecot.restart();
    dovecot.append("INBOX", &note(3)).await;
    wait_for_mentions(&setup, 3, Duration::from_secs(60), "after reconnecting");
    sigterm(&daemon);
    assert_eq!(
        wait_exit(&mut daemon, Duration::from_secs(10)).code(),
        Some(0)
    );
    assert_eq!(setup.mentions().len(), 3, "nothing read twice");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_uidvalidity_rereads_the_folder_without_duplicates() {
    let mut dovecot = Dovecot::start();
    dovecot.append("INBOX", &note(1)).await;
    dovecot.append("INBOX", &note(2)).await;
    let setup = with_imap(&dovecot, &[], "", PASSWORD);
    setup.poll(false).await;
    let before = positions(&setup);

    // Rebuild the folder's UID list: Dovecot hands out a new UIDVALIDITY.
    dovecot.stop();
    for entry in std::fs::read_dir(dovecot.maildir()).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("dovecot-uidlist") || name.starts_with("dovecot.index") {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
    // UIDVALIDITY is a timestamp in seconds: a new one needs a later second.
    let validity = before["INBOX"]["validity"].as_i64().unwrap_or(i64::MAX);
    wait_for(
        "a second later than UIDVALIDITY",
        Duration::from_secs(5),
        || crate::helpers::now() > validity,
    );
    dovecot.restart();
    dovecot.append("INBOX", &note(3)).await;

    let reports = setup.poll(false).await;
    let mailbox = report(&reports, "mailbox");
    assert_eq!(
        mailbox.items, 3,
        "the folder is read again from the start: {mailbox:?}"
    );
    assert_eq!(mailbox.new_mentions.len(), 1, "only the new message is new");
    let after = positions(&setup);
    assert_ne!(before["INBOX"]["validity"], after["INBOX"]["validity"]);
    assert_eq!(setup.mentions().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_credentials_are_a_clear_error_and_the_other_sources_go_on() {
    let dovecot = Dovecot::start();
    let server = lumora_server().await;
    let setup = with_imap(
        &dovecot,
        &[("tech", server.url("/tech.xml"))],
        "",
        "wrong-password-123",
    );
    let reports = setup.poll(false).await;
    let error = error_of(&reports, "mailbox");
    assert!(
        error.contains("login refused for vigia at imap://vigia@127.0.0.1"),
        "{error}"
    );
    assert!(
        !error.contains("wrong-password-123"),
        "the password never shows: {error}"
    );
    assert!(
        setup.state("mailbox").next_check_at >= crate::helpers::now() + 6 * 3600 - 5,
        "permanent: longest backoff"
    );
    assert_eq!(report(&reports, "tech").items, 6);

    // A password variable that is not set says so, by name.
    let toml = std::fs::read_to_string(&setup.config).unwrap_or_default();
    let password_line = toml
        .lines()
        .find(|l| l.starts_with("password_file"))
        .unwrap_or_default()
        .to_string();
    std::fs::write(
        &setup.config,
        toml.replace(&password_line, "password_env = \"VIGIA_TEST_NO_SUCH_VAR\""),
    )
    .unwrap();
    let out = setup.vigia(&["poll", "--once"]);
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary
            .contains("mailbox: password: environment variable VIGIA_TEST_NO_SUCH_VAR is not set"),
        "{summary}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn implicit_tls_and_starttls_with_after_read_actions() {
    let dovecot = Dovecot::start();
    dovecot.append("INBOX", &note(1)).await;
    let cert = dovecot.cert();

    // Implicit TLS, trusting the test certificate; processed mail moves.
    let setup = with_imap(&dovecot, &[], "", PASSWORD);
    let toml = std::fs::read_to_string(&setup.config).unwrap_or_default().replace(
        &format!("port = {}\ntls = \"plain\"", dovecot.imap_port),
        &format!(
            "port = {}\ntls = \"implicit\"\nca_file = \"{}\"\nafter = \"move\"\nmove_to = \"Processed\"",
            dovecot.imaps_port,
            cert.display()
        ),
    );
    std::fs::write(&setup.config, toml).unwrap();
    let reports = setup.poll(false).await;
    assert_eq!(
        report(&reports, "mailbox").new_mentions.len(),
        1,
        "{reports:?}"
    );
    assert_eq!(
        dovecot.messages_in("INBOX").len(),
        1,
        "not moved before it is stored"
    );
    setup.poll(false).await;
    assert_eq!(dovecot.messages_in("INBOX").len(), 0);
    assert_eq!(dovecot.messages_in("Processed").len(), 1);

    // STARTTLS; processed mail is marked \Seen.
    dovecot.append("INBOX", &note(2)).await;
    let setup = with_imap(&dovecot, &[], "", PASSWORD);
    let toml = std::fs::read_to_string(&setup.config)
        .unwrap_or_default()
        .replace(
            "tls = \"plain\"",
            &format!(
                "tls = \"starttls\"\nca_file = \"{}\"\nafter = \"seen\"",
                cert.display()
            ),
        );
    std::fs::write(&setup.config, toml).unwrap();
    let reports = setup.poll(false).await;
    assert_eq!(report(&reports, "mailbox").items, 1, "{reports:?}");
    setup.poll(false).await;
    let inbox = dovecot.messages_in("INBOX");
    assert!(
        inbox.iter().all(|m| m.contains(":2,") && m.ends_with('S')),
        "{inbox:?}"
    );

    // Without the CA, the server's certificate is refused.
    let setup = with_imap(&dovecot, &[], "", PASSWORD);
    let toml = std::fs::read_to_string(&setup.config)
        .unwrap_or_default()
        .replace(
            &format!("port = {}\ntls = \"plain\"", dovecot.imap_port),
            &format!("port = {}\ntls = \"implicit\"", dovecot.imaps_port),
        );
    std::fs::write(&setup.config, toml).unwrap();
    let reports = setup.poll(false).await;
    let error = error_of(&reports, "mailbox");
    assert!(
        error.contains("TLS with") && error.contains("failed"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_reaches_the_log_at_any_level() {
    let dovecot = Dovecot::start();
    let server = lumora_server().await;
    let setup = with_imap(&dovecot, &[("tech", server.url("/tech.xml"))], "", PASSWORD);
    // An SMTP password too, and a feed with a credential in a header.
    let smtp_secret = "smtp-s3cret-word";
    let mut config = std::fs::read_to_string(&setup.config).unwrap_or_default();
    config.push_str(&format!(
        "\n[[feed]]\nname = \"private\"\nurl = \"{}\"\nheaders = {{ Authorization = \"Bearer feed-t0ken-secret\" }}\n\
         \n[mail]\nfrom = \"vigia@lumora.example\"\nto = [\"cs@lumora.example\"]\nhost = \"127.0.0.1\"\nport = 9\n\
         tls = \"plain\"\nuser = \"vigia\"\npassword_env = \"VIGIA_TEST_SMTP_PASSWORD\"\ntimeout = \"2s\"\n",
        server.url("/forum.atom")
    ));
    std::fs::write(&setup.config, config).unwrap();
    for format in ["human", "json"] {
        let out = vigia_cmd(&setup.config)
            .args([
                "--log-level",
                "trace",
                "--log-format",
                format,
                "poll",
                "--once",
            ])
            .env("RUST_LOG", "trace")
            .env("VIGIA_TEST_SMTP_PASSWORD", smtp_secret)
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(all.contains("Polled source."), "the log is written: {all}");
        assert!(all.contains("Polled 3 sources"), "{all}");
        for secret in [PASSWORD, smtp_secret, "feed-t0ken-secret"] {
            assert!(!all.contains(secret), "{secret} in the {format} log");
        }
    }
}
