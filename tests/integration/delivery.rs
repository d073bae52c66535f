//! Every mail once, and no server can hold the sender: commands sending
//! beside each other and beside the daemon, against a real SMTP server
//! (aiosmtpd) made slow or stalling by a handler of the test's own.

use std::collections::HashSet;
use std::io::Read;
use std::net::TcpListener;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::helpers::*;
use crate::smtp::{mail_config, run_daemon, wait_until_due, SmtpServer};

/// An aiosmtpd handler that takes a second over every DATA.
const SLOW: &str = r#"
import asyncio
from aiosmtpd.handlers import Mailbox

class Handler(Mailbox):
    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(1)
        return await super().handle_DATA(server, session, envelope)
"#;

/// An aiosmtpd handler that never answers the first DATA, and takes the
/// rest.
const STALLS_ONCE: &str = r#"
import asyncio
from aiosmtpd.handlers import Mailbox

class Handler(Mailbox):
    stalled = False

    async def handle_DATA(self, server, session, envelope):
        if not Handler.stalled:
            Handler.stalled = True
            await asyncio.sleep(3600)
        return await super().handle_DATA(server, session, envelope)
"#;

/// The Message-IDs of what the server received, each once; panics on a
/// second copy.
fn received_once(server: &SmtpServer) -> usize {
    let mut ids = HashSet::new();
    for raw in server.received() {
        let message = mail_parser::MessageParser::default()
            .parse(&raw)
            .unwrap_or_else(|| panic!("unparsable mail"));
        let id = message.message_id().unwrap_or_default().to_string();
        assert!(ids.insert(id.clone()), "received twice: {id}");
    }
    ids.len()
}

/// Outbox rows by state.
fn outbox_states(setup: &Setup) -> Vec<String> {
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout(
        &setup.vigia(&["outbox", "--all", "--format", "json"]),
    ))
    .unwrap_or_default();
    rows.iter()
        .filter_map(|r| r["state"].as_str().map(str::to_string))
        .collect()
}

/// Waits until a daemon on `setup` has polled once: it is running, its
/// heartbeat written and its sender started.
fn wait_first_poll(setup: &Setup) {
    wait_for("the daemon's first poll", Duration::from_secs(30), || {
        stdout(&setup.vigia(&["feeds", "status", "--json"])).contains("\"last_polled_at\": \"")
    });
}

/// Starts every command at once; their standard output is kept.
fn spawn_all(setup: &Setup, commands: &[&[&str]]) -> Vec<std::process::Child> {
    commands
        .iter()
        .map(|args| {
            vigia_cmd(&setup.config)
                .args(*args)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect()
}

fn config_with_mail(setup: &Setup, port: u16, extra: &str) {
    let config = std::fs::read_to_string(&setup.config).unwrap_or_default();
    std::fs::write(
        &setup.config,
        config + &mail_config(port).replace("retry = \"1s\"", &format!("retry = \"1s\"\n{extra}")),
    )
    .unwrap();
}

#[test]
fn commands_sending_at_once_deliver_every_mail_once() {
    let setup = setup_with(&[("f", "file:none.xml".to_string())], "");
    let mut server = SmtpServer::reserve(setup.dir.path());
    config_with_mail(&setup, server.port, "");
    // Four test mails wait in the outbox while the server is down.
    for _ in 0..4 {
        let down = setup.vigia(&["test-email", "ops@lumora.example"]);
        assert!(!down.status.success());
    }
    server.start_handler(SLOW);
    wait_until_due(&setup);
    // Four commands, each with a mail pass, over a server that takes a
    // second per message: without claims each would send all four.
    let commands = spawn_all(
        &setup,
        &[
            &["poll", "--once"],
            &["poll", "--once"],
            &["digest", "--send", "--period", "today"],
            &["test-email", "ana@lumora.example"],
        ],
    );
    for command in commands {
        let _ = command.wait_with_output();
    }
    wait_for("every mail sent", Duration::from_secs(30), || {
        outbox_states(&setup).iter().all(|s| s == "sent")
    });
    let states = outbox_states(&setup);
    assert_eq!(received_once(&server), states.len(), "{states:?}");
    assert!(states.len() >= 5, "{states:?}");
}

#[test]
fn beside_a_running_daemon_commands_leave_the_sending_to_it() {
    let setup = setup_with(
        &[("f", "file:none.xml".to_string())],
        "\n[digest]\nempty = \"send\"\n",
    );
    let mut server = SmtpServer::reserve(setup.dir.path());
    config_with_mail(&setup, server.port, "");
    // Three mails wait while the server is down.
    for _ in 0..3 {
        assert!(!setup
            .vigia(&["test-email", "ops@lumora.example"])
            .status
            .success());
    }
    server.start_handler(SLOW);
    let daemon = run_daemon(&setup);
    wait_first_poll(&setup);
    // While the daemon sends them, a second a piece, every command that
    // has a mail pass runs at once, twice over.
    let commands = spawn_all(
        &setup,
        &[
            &["poll", "--once"],
            &["test-email", "ana@lumora.example"],
            &["digest", "--send", "--period", "today"],
            &["poll", "--once"],
            &["test-email", "cs@lumora.example"],
            &["digest", "--send", "--period", "today"],
        ],
    );
    for command in commands {
        let out = command.wait_with_output().unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        if said.starts_with("Sent to ") {
            assert!(said.contains("by the running daemon (heartbeat "), "{said}");
        }
    }
    wait_for("every mail sent", Duration::from_secs(60), || {
        outbox_states(&setup).iter().all(|s| s == "sent")
    });
    // Five test mails and the digests (today's, and the last one due).
    let states = outbox_states(&setup);
    assert!(states.len() >= 6, "{states:?}");
    assert_eq!(received_once(&server), states.len());
    sigterm(&daemon.0);
    let mut daemon = daemon;
    assert!(wait_exit(&mut daemon.0, Duration::from_secs(15)).success());
}

#[test]
fn a_server_that_never_greets_or_stalls_holds_one_attempt_for_the_timeout() {
    // Accepts connections and never says a word.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().map(|a| a.port()).unwrap_or_default();
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in silent.incoming().take(1).flatten() {
            open.push(stream);
        }
        // Keep the connection until the client leaves.
        for mut s in open {
            let _ = s.read(&mut [0u8; 16]);
        }
    });
    let setup = setup_with(&[("f", "file:none.xml".to_string())], "");
    config_with_mail(&setup, port, "timeout = \"2s\"");
    let started = Instant::now();
    let out = setup.vigia(&["test-email", "ops@lumora.example"]);
    let waited = started.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("did not finish the conversation within [mail] timeout (2s)")
            && err.contains("stays in the outbox"),
        "{err}"
    );
    // Bounded: it used to wait for as long as the server kept quiet.
    assert!(waited < Duration::from_secs(30), "{waited:?}");
    let _ = held.join();

    // A server that takes the first message's DATA and never answers: that
    // attempt ends at the timeout, the mail stays queued, and it and the
    // next one then go out, once each.
    let setup = setup_with(&[("f", "file:none.xml".to_string())], "");
    let mut server = SmtpServer::reserve(setup.dir.path());
    server.start_handler(STALLS_ONCE);
    config_with_mail(&setup, server.port, "timeout = \"2s\"");
    let stalled = setup.vigia(&["test-email", "ops@lumora.example"]);
    assert!(
        String::from_utf8_lossy(&stalled.stderr).contains("[mail] timeout (2s)"),
        "{stalled:?}"
    );
    wait_until_due(&setup);
    stdout(&setup.vigia(&["test-email", "ana@lumora.example"]));
    assert_eq!(received_once(&server), 2);
    assert!(outbox_states(&setup).iter().all(|s| s == "sent"));
}

/// An aiosmtpd handler that refuses the login while a file `refuse` lies
/// beside it (535, as a server does when the password is wrong), and a
/// recipient `name@` while a file `no-name` does (550, for good).
const GATED: &str = r#"
import os
from aiosmtpd.handlers import Mailbox

HERE = os.path.dirname(__file__)

class Handler(Mailbox):
    async def handle_MAIL(self, server, session, envelope, address, options):
        if os.path.exists(os.path.join(HERE, "refuse")):
            return "535 5.7.8 Authentication credentials invalid"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        if os.path.exists(os.path.join(HERE, "no-" + address.split("@")[0])):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"
"#;

#[test]
fn a_refused_login_pauses_sending_and_a_reload_sends_everything_once() {
    let setup = setup_with(&[("f", "file:none.xml".to_string())], "");
    let mut server = SmtpServer::reserve(setup.dir.path());
    let gate = server.maildir.with_extension("handler");
    server.start_handler(GATED);
    config_with_mail(&setup, server.port, "");
    let touch = |name: &str| std::fs::write(gate.join(name), b"").unwrap();
    touch("refuse");

    // The login is refused: the mail is not failed, it waits, and every
    // place a person looks says why.
    let out = setup.vigia(&["test-email", "ops@lumora.example"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("sending is paused: SMTP: ")
            && err.contains("535")
            && err.contains("stays queued"),
        "{err}"
    );
    assert_eq!(outbox_states(&setup), ["pending"]);
    let listed = stdout(&setup.vigia(&["outbox"]));
    assert!(listed.starts_with("Sending is paused since "), "{listed}");
    let checked = setup.vigia(&["check"]);
    assert!(checked.status.success());
    assert!(
        String::from_utf8_lossy(&checked.stderr).contains("warning: mail sending is paused since"),
        "{checked:?}"
    );

    // The daemon meets the same refusal; the password is then fixed and
    // the daemon reloaded: the mail goes, once.
    let daemon = run_daemon(&setup);
    // Its first sender pass comes with its first poll.
    wait_first_poll(&setup);
    assert_eq!(received_once(&server), 0);
    std::fs::remove_file(gate.join("refuse")).unwrap();
    sighup(&daemon.0);
    wait_for("the waiting mail to go", Duration::from_secs(30), || {
        received_once(&server) == 1
    });
    let listed = stdout(&setup.vigia(&["outbox"]));
    assert!(!listed.contains("paused"), "{listed}");

    // A mail refused for good is failed; `outbox retry` puts it back.
    touch("no-nobody");
    let out = setup.vigia(&["test-email", "nobody@lumora.example"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refused it for good"), "{err}");
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&stdout(&setup.vigia(&["outbox", "--format", "json"])))
            .unwrap_or_default();
    let failed = rows
        .iter()
        .find(|r| r["state"] == "failed")
        .and_then(|r| r["id"].as_i64())
        .unwrap_or_else(|| panic!("no failed mail: {rows:?}"));
    std::fs::remove_file(gate.join("no-nobody")).unwrap();
    let retried = stdout(&setup.vigia(&["outbox", "retry", &failed.to_string()]));
    assert_eq!(retried, "1 mail(s) back in the queue, due now.\n");
    wait_for("the retried mail to go", Duration::from_secs(30), || {
        received_once(&server) == 2
    });

    // A digest to a team of two, one of whom the server refuses for good:
    // the other still gets it, and only the refused copy is failed.
    touch("no-ana");
    let config = std::fs::read_to_string(&setup.config).unwrap_or_default();
    std::fs::write(&setup.config, config + "\n[digest]\nempty = \"send\"\n").unwrap();
    let sent = setup.vigia(&["digest", "--send", "--period", "today"]);
    assert!(sent.status.success(), "{sent:?}");
    wait_for("the digests to settle", Duration::from_secs(30), || {
        !outbox_states(&setup).iter().any(|s| s == "pending")
    });
    let digests: Vec<String> = server
        .received()
        .into_iter()
        .map(|raw| String::from_utf8_lossy(&raw).into_owned())
        .filter(|text| text.contains("Subject: [Vigia] Digest"))
        .collect();
    assert!(!digests.is_empty());
    for digest in &digests {
        assert!(digest.contains("X-RcptTo: cs@lumora.example\n"), "{digest}");
    }
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&stdout(&setup.vigia(&["outbox", "--format", "json"])))
            .unwrap_or_default();
    // Each digest: one copy delivered to cs@, one failed for ana@.
    assert_eq!(rows.len(), digests.len(), "{rows:?}");
    for row in &rows {
        assert_eq!(row["state"], "failed");
        assert_eq!(row["to"], serde_json::json!(["ana@lumora.example"]));
    }
    sigterm(&daemon.0);
    let mut daemon = daemon;
    assert!(wait_exit(&mut daemon.0, Duration::from_secs(15)).success());
}

/// An aiosmtpd handler that never answers DATA for mail to stuck@.
const STALLS_FOR_STUCK: &str = r#"
import asyncio
from aiosmtpd.handlers import Mailbox

class Handler(Mailbox):
    async def handle_DATA(self, server, session, envelope):
        if any(to.startswith("stuck@") for to in envelope.rcpt_tos):
            await asyncio.sleep(3600)
        return await super().handle_DATA(server, session, envelope)
"#;

/// The body of `GET /healthz` on `port`.
fn healthz(port: u16) -> String {
    use std::io::Write;
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

#[test]
fn a_mail_the_server_stalls_on_is_named_on_healthz_and_holds_no_other() {
    let setup = setup_with(
        &[("f", "file:none.xml".to_string())],
        "\n[status]\nlisten = \"127.0.0.1:0\"\n",
    );
    let mut server = SmtpServer::reserve(setup.dir.path());
    server.start_handler(STALLS_FOR_STUCK);
    config_with_mail(&setup, server.port, "timeout = \"2s\"");
    let log = setup.dir.path().join("vigia.log");
    let daemon = daemon_logging_to(&setup.config, &log);
    let port = status_port(&log);
    wait_first_poll(&setup);
    let stuck = vigia_cmd(&setup.config)
        .args(["test-email", "stuck@lumora.example"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(
        "/healthz to name the mail in hand",
        Duration::from_secs(30),
        || healthz(port).contains("sending mail 1 (\"[Vigia] Test message\") for "),
    );
    // Another mail goes out while the first keeps failing.
    let sent = stdout(&setup.vigia(&["test-email", "ops@lumora.example"]));
    assert!(sent.starts_with("Sent to ops@lumora.example"), "{sent}");
    let out = stuck.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("within [mail] timeout (2s)"), "{err}");
    let named = healthz(port);
    assert!(
        named.starts_with("HTTP/1.1 200")
            && named.contains("mail 1 (\"[Vigia] Test message\") waits after ")
            && named
                .contains("the server did not finish the conversation within [mail] timeout (2s)"),
        "{named}"
    );
    assert_eq!(received_once(&server), 1);
    sigterm(&daemon.0);
    let mut daemon = daemon;
    assert!(wait_exit(&mut daemon.0, Duration::from_secs(15)).success());
}
