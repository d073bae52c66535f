//! Mail through a real SMTP server that is not our code: aiosmtpd (Debian's
//! python3-aiosmtpd, installed by scripts/test.sh), started by each test
//! on 127.0.0.1 and stopped when it ends, storing what it receives in a
//! Maildir that the test parses back.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::*;

/// An aiosmtpd process delivering into a Maildir; killed when dropped.
pub struct SmtpServer {
    child: Option<Child>,
    pub port: u16,
    pub maildir: PathBuf,
}

impl SmtpServer {
    /// A free port, with no server on it yet.
    pub fn reserve(dir: &Path) -> SmtpServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("no free port: {e}"));
        SmtpServer {
            child: None,
            port,
            maildir: dir.join("received"),
        }
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start(&mut self) {
        self.start_with(&[]);
    }

    /// Starts it with a handler of the test's own: Python source defining
    /// `Handler`, a subclass of aiosmtpd's Mailbox (a slow or stalling
    /// server).
    pub fn start_handler(&mut self, source: &str) {
        let dir = self.maildir.with_extension("handler");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("vigia_handler.py"), source).unwrap();
        self.spawn(&[], "vigia_handler.Handler", Some(&dir));
    }

    /// Starts it with extra aiosmtpd arguments (TLS certificates).
    pub fn start_with(&mut self, extra: &[&std::ffi::OsStr]) {
        self.spawn(extra, "aiosmtpd.handlers.Mailbox", None);
    }

    fn spawn(&mut self, extra: &[&std::ffi::OsStr], handler: &str, path: Option<&Path>) {
        let python = "/usr/bin/python3";
        let probe = Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .output();
        assert!(
            probe.is_ok_and(|o| o.status.success()),
            "aiosmtpd is missing: install python3-aiosmtpd (scripts/test.sh does)"
        );
        let mut command = Command::new(python);
        if let Some(path) = path {
            command.env("PYTHONPATH", path);
        }
        let child = command
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(extra)
            .args(["-c", handler])
            .arg(&self.maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting aiosmtpd: {e}"));
        self.child = Some(child);
        let port = self.port;
        wait_for("aiosmtpd to listen", Duration::from_secs(10), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
    }

    /// The messages received so far, parsed.
    pub fn received(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) {
                for e in entries.flatten() {
                    out.push(std::fs::read(e.path()).unwrap_or_default());
                }
            }
        }
        out
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn mail_config(port: u16) -> String {
    format!(
        r#"
[mail]
from = "Vigia <vigia@lumora.example>"
host = "127.0.0.1"
port = {port}
tls = "plain"
retry = "1s"

[[team]]
name = "customer-service"
recipients = ["cs@lumora.example", "Ana <ana@lumora.example>"]
"#
    )
}

#[test]
fn test_email_goes_through_the_configured_server() {
    let setup = setup_with(&[("f", "file:none.xml".to_string())], "");
    let mut server = SmtpServer::reserve(setup.dir.path());
    let config = std::fs::read_to_string(&setup.config).unwrap_or_default();
    std::fs::write(&setup.config, config + &mail_config(server.port)).unwrap();

    let down = setup.vigia(&["test-email", "ops@lumora.example"]);
    assert!(!down.status.success(), "no server yet");
    let err = String::from_utf8_lossy(&down.stderr);
    assert!(err.contains("stays in the outbox"), "{err}");

    server.start();
    wait_until_due(&setup);
    let out = setup.vigia(&["test-email", "ops@lumora.example"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The one queued while the server was down went out on this pass too.
    let received = server.received();
    assert_eq!(received.len(), 2);
    for raw in &received {
        let message = mail_parser::MessageParser::default()
            .parse(raw)
            .unwrap_or_else(|| panic!("unparsable mail"));
        assert_eq!(message.subject(), Some("[Vigia] Test message"));
        let to = message
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address());
        assert_eq!(to, Some("ops@lumora.example"));
    }
    let listed = String::from_utf8_lossy(&setup.vigia(&["outbox"]).stdout).into_owned();
    assert!(listed.contains("The outbox is empty"), "{listed}");
}

const HOSTILE_FEED: &str = r#"<?xml version="1.0"?>
<rss version="2.0"><channel><title>Forum</title><link>https://forum.example/</link>
<item>
  <title>&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt; Lumora recall: the worst, most dangerous disaster</title>
  <link>javascript:alert(1)</link>
  <guid>hostile-1</guid>
  <description>Lumora lamps caught fire. Horrible, dangerous, a disgrace.</description>
</item>
</channel></rss>"#;

/// Waits until every mail waiting in `setup`'s outbox is due for another
/// attempt (its backoff over).
pub fn wait_until_due(setup: &Setup) {
    wait_for("the queued mail to be due", Duration::from_secs(30), || {
        let out = setup.vigia(&["outbox", "--format", "json"]);
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap_or_default();
        rows.iter()
            .filter_map(|r| r["next_attempt_at"].as_str())
            .filter_map(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .all(|t| t.timestamp() <= now())
    });
}

/// `vigia run` on `setup`'s config, killed when dropped.
pub fn run_daemon(setup: &Setup) -> Guard {
    Guard(
        vigia_cmd(&setup.config)
            .arg("run")
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

fn pending_attempts(setup: &Setup) -> Vec<u64> {
    let out = setup.vigia(&["outbox", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    rows.as_array()
        .map(|r| r.iter().filter_map(|m| m["attempts"].as_u64()).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alert_survives_an_outage_and_a_kill_and_arrives_once_inert() {
    let feeds = FeedServer::start().await;
    feeds.set("/forum.xml", Reply::Feed(HOSTILE_FEED.as_bytes().to_vec()));
    let smtp_dir = tempfile::tempdir().unwrap();
    let mut smtp = SmtpServer::reserve(smtp_dir.path());
    let setup = setup_with(
        &[("forum", feeds.url("/forum.xml"))],
        &mail_config(smtp.port),
    );

    // The daemon renders the alert into the outbox; the server is down.
    let mut daemon = run_daemon(&setup);
    wait_for("a failed attempt", Duration::from_secs(30), || {
        pending_attempts(&setup).first().is_some_and(|a| *a >= 1)
    });
    // kill -9 after render, before any successful send.
    let _ = daemon.0.kill();
    let _ = daemon.0.wait();
    assert!(smtp.received().is_empty());

    smtp.start();
    let daemon = run_daemon(&setup);
    wait_for("the alert to arrive", Duration::from_secs(30), || {
        !smtp.received().is_empty()
    });
    // Once it is recorded as sent, nothing sends it again.
    wait_for(
        "the alert recorded as sent",
        Duration::from_secs(30),
        || pending_attempts(&setup).is_empty(),
    );
    sigterm(&daemon.0);
    let mut daemon = daemon;
    assert!(wait_exit(&mut daemon.0, Duration::from_secs(15)).success());
    let received = smtp.received();
    assert_eq!(received.len(), 1, "exactly one copy");

    let message = mail_parser::MessageParser::default()
        .parse(&received[0])
        .unwrap_or_else(|| panic!("unparsable mail"));
    let subject = message.subject().unwrap_or_default();
    assert!(subject.starts_with("[Vigia] CRITICAL: "), "{subject}");
    assert!(!subject.contains('\n'));
    let to: Vec<String> = message
        .to()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.address().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(to, ["cs@lumora.example", "ana@lumora.example"]);
    let html = message.body_html(0).unwrap_or_default().into_owned();
    let text = message.body_text(0).unwrap_or_default().into_owned();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; Lumora recall"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("href=\"javascript:"), "{html}");
    assert!(
        text.contains("<script>alert(1)</script> Lumora recall"),
        "plain text keeps it as text: {text}"
    );
    assert!(
        html.contains(
            "<blockquote style=\"margin:4px 0;color:#444\">Lumora lamps caught fire.</blockquote>"
        ),
        "the quote: {html}"
    );
    let listed = String::from_utf8_lossy(&setup.vigia(&["outbox", "--all"]).stdout).into_owned();
    assert!(listed.contains("sent"), "{listed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_digest_arrives_once_with_its_chart_and_escaped_mentions() {
    let feeds = FeedServer::start().await;
    feeds.set("/forum.xml", Reply::Feed(HOSTILE_FEED.as_bytes().to_vec()));
    let smtp_dir = tempfile::tempdir().unwrap();
    let mut smtp = SmtpServer::reserve(smtp_dir.path());
    smtp.start();
    let setup = setup_with(
        &[("forum", feeds.url("/forum.xml"))],
        &mail_config(smtp.port),
    );
    let poll = setup.vigia(&["poll", "--once"]);
    assert!(poll.status.success());
    let alerts = smtp.received().len();

    let dry = setup.vigia(&["digest", "--period", "today", "--dry-run"]);
    let text = String::from_utf8_lossy(&dry.stdout).into_owned();
    assert!(
        text.starts_with("Subject: [Vigia] Digest for customer-service"),
        "{text}"
    );
    assert_eq!(smtp.received().len(), alerts, "a dry run sends nothing");

    let sent = setup.vigia(&["digest", "--period", "today", "--send"]);
    let said = String::from_utf8_lossy(&sent.stdout).into_owned();
    assert!(said.contains("customer-service: digest for"), "{said}");
    let received = smtp.received();
    assert_eq!(received.len(), alerts + 1, "one digest");
    let digest = received
        .iter()
        .filter_map(|raw| mail_parser::MessageParser::default().parse(raw))
        .find(|m| m.subject().is_some_and(|s| s.starts_with("[Vigia] Digest")))
        .unwrap_or_else(|| panic!("no digest among {} mails", received.len()));
    let html = digest.body_html(0).unwrap_or_default().into_owned();
    assert!(
        html.contains("Mentions per day") && html.contains("bgcolor=\"#c62828\""),
        "a bar chart: {html}"
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        !html.contains("<script") && !html.contains("href=\"javascript:"),
        "{html}"
    );
    let text = digest.body_text(0).unwrap_or_default().into_owned();
    assert!(
        text.contains("Most negative:") && text.contains("<script>alert(1)</script> Lumora recall"),
        "{text}"
    );
}

/// STARTTLS and implicit TLS against aiosmtpd with a certificate from a
/// private CA: refused without the CA (verification is on), delivered
/// with `ca_file`.
#[test]
fn tls_modes_verify_the_server_and_deliver() {
    for (mode, flags) in [
        ("starttls", ["--tlscert", "--tlskey"]),
        ("implicit", ["--smtpscert", "--smtpskey"]),
    ] {
        let setup = setup_with(&[("f", "file:none.xml".to_string())], "");
        let certs = setup.dir.path().join("certs");
        std::fs::create_dir_all(&certs).unwrap();
        crate::dovecot::make_certificates(&certs);
        let mut server = SmtpServer::reserve(setup.dir.path());
        let (cert, key) = (certs.join("cert.pem"), certs.join("key.pem"));
        server.start_with(&[
            flags[0].as_ref(),
            cert.as_os_str(),
            flags[1].as_ref(),
            key.as_os_str(),
        ]);
        let base = std::fs::read_to_string(&setup.config).unwrap_or_default();
        let mail = format!(
            "[mail]\nfrom = \"vigia@lumora.example\"\nhost = \"127.0.0.1\"\nport = {}\ntls = \"{mode}\"\nretry = \"1s\"\n",
            server.port
        );
        std::fs::write(&setup.config, format!("{base}{mail}")).unwrap();
        let untrusted = setup.vigia(&["test-email", "ops@lumora.example"]);
        assert!(
            !untrusted.status.success(),
            "{mode}: a certificate from an unknown CA is refused"
        );
        let ca = certs.join("ca.pem");
        std::fs::write(
            &setup.config,
            format!("{base}{mail}ca_file = {:?}\n", ca.display().to_string()),
        )
        .unwrap();
        wait_until_due(&setup);
        let out = setup.vigia(&["test-email", "ops@lumora.example"]);
        assert!(
            out.status.success(),
            "{mode}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            server.received().len(),
            2,
            "{mode}: the refused one went out too, once"
        );
    }
}

/// A team that reads Portuguese gets its alert and its digest in
/// Portuguese, the digest opening with what needs action.
#[tokio::test(flavor = "multi_thread")]
async fn a_portuguese_team_reads_its_alert_and_digest_in_portuguese() {
    let feeds = FeedServer::start().await;
    feeds.set("/forum.xml", Reply::Feed(HOSTILE_FEED.as_bytes().to_vec()));
    let smtp_dir = tempfile::tempdir().unwrap();
    let mut smtp = SmtpServer::reserve(smtp_dir.path());
    smtp.start();
    let config = mail_config(smtp.port).replace(
        "recipients = [\"cs@lumora.example\", \"Ana <ana@lumora.example>\"]",
        "recipients = [\"cs@lumora.example\"]\nlanguage = \"pt\"",
    );
    let setup = setup_with(&[("forum", feeds.url("/forum.xml"))], &config);
    assert!(setup.vigia(&["poll", "--once"]).status.success());
    let alert = smtp
        .received()
        .iter()
        .filter_map(|raw| mail_parser::MessageParser::default().parse(raw))
        .map(|m| m.body_text(0).unwrap_or_default().into_owned())
        .next()
        .unwrap_or_default();
    assert!(
        alert.starts_with("CRÍTICO: 1 menção para customer-service:"),
        "{alert}"
    );
    assert!(
        alert.contains("[crítica]") && alert.contains("fonte: forum"),
        "{alert}"
    );
    assert!(
        alert.contains("Acompanhe: vigia mentions ack ID"),
        "{alert}"
    );
    // Why it is critical, in Portuguese.
    assert!(
        alert.contains(" pontos: termos de alerta recall (+2), sentimento -0,"),
        "{alert}"
    );

    let dry = setup.vigia(&["digest", "--period", "today", "--dry-run"]);
    let text = stdout(&dry);
    assert!(
        text.starts_with("Subject: [Vigia] Resumo para customer-service, "),
        "{text}"
    );
    let action = text
        .split("Precisa de ação:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no action block: {text}"));
    assert!(
        action.contains("[crítica · encaminhada · negativa -0,")
            && action.contains("aberta há 0 h · ")
            && action.contains(" pontos: termos de alerta recall (+2)"),
        "{text}"
    );
    assert!(
        text.find("Precisa de ação") < text.find("Menções por marca"),
        "what needs doing comes first: {text}"
    );
    assert!(
        text.contains("Menções por dia pela data de publicação"),
        "{text}"
    );
    assert!(!text.contains("Most negative"), "{text}");
}
