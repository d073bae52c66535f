//! Chat channels end to end: a negative spike and an urgent mention reach
//! a Slack-shaped, a Teams-shaped, a Telegram-shaped and a signed-webhook
//! receiver (local servers) exactly once each, through a daemon, although
//! every receiver answers 500 to its first two requests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde_json::Value;

use crate::helpers::process::{daemon_logging_to, sigterm, wait_exit};
use crate::helpers::{serve_app, setup_with, Reply};
use crate::spikes::{calm_brand, storm};

const SECRET: &str = "hook-secret-for-tests";
const BOT: &str = "123456:ABC-test-token";

/// What one receiver saw.
#[derive(Default, Clone)]
struct Seen {
    /// Requests, answered or not.
    requests: usize,
    /// Bodies it took (2xx).
    taken: Vec<Value>,
    /// For the webhook: whether each taken body's signature verified.
    verified: Vec<bool>,
    /// For the webhook: the delivery ids it took.
    deliveries: Vec<String>,
}

type Receivers = Arc<Mutex<HashMap<String, Seen>>>;

/// Each receiver answers 500 to its first two requests, then as its
/// service does.
async fn receive(
    State(seen): State<Receivers>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let name = path.split('/').next().unwrap_or_default().to_string();
    let mut all = seen.lock().unwrap();
    let s = all.entry(name.clone()).or_default();
    s.requests += 1;
    if s.requests <= 2 {
        return (StatusCode::INTERNAL_SERVER_ERROR, "try later".into());
    }
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match name.as_str() {
        "slack" => {
            s.taken.push(value);
            (StatusCode::OK, "ok".into())
        }
        "teams" => {
            s.taken.push(value);
            (StatusCode::ACCEPTED, String::new())
        }
        "telegram" => {
            if path != format!("telegram/bot{BOT}/sendMessage") {
                return (
                    StatusCode::NOT_FOUND,
                    r#"{"ok":false,"error_code":404,"description":"Not Found"}"#.into(),
                );
            }
            s.taken.push(value);
            (
                StatusCode::OK,
                r#"{"ok":true,"result":{"message_id":1}}"#.into(),
            )
        }
        _ => {
            let header = |n: &str| {
                headers
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string()
            };
            let expected = vigia::delivery::chat::signature(
                SECRET.as_bytes(),
                &header("x-vigia-timestamp"),
                &body,
            );
            s.verified.push(header("x-vigia-signature") == expected);
            s.deliveries.push(header("x-vigia-delivery"));
            s.taken.push(value);
            (StatusCode::NO_CONTENT, String::new())
        }
    }
}

fn text_of(v: &Value) -> String {
    v.to_string()
}

#[test]
fn a_spike_and_an_urgent_mention_reach_every_chat_once() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seen: Receivers = Arc::default();
    let app = Router::new()
        .route("/{*path}", post(receive))
        .with_state(seen.clone());
    let (base, _stop) = runtime.block_on(serve_app(app));
    std::env::set_var(
        "VIGIA_TEST_SLACK_URL",
        format!("{base}/slack/services/T0/B0/x"),
    );
    std::env::set_var("VIGIA_TEST_TEAMS_URL", format!("{base}/teams/workflows/1"));
    std::env::set_var("VIGIA_TEST_BOT", BOT);
    std::env::set_var("VIGIA_TEST_HOOK_SECRET", SECRET);
    let extra = format!(
        r#"
[mail]
dir = "mail-out"
retry = "1s"

[[team]]
name = "support"
recipients = ["support@lumora.example"]

[[team.chat]]
kind = "slack"
url_env = "VIGIA_TEST_SLACK_URL"

[[team.chat]]
kind = "teams"
url_env = "VIGIA_TEST_TEAMS_URL"

[[team.chat]]
kind = "telegram"
token_env = "VIGIA_TEST_BOT"
chat_id = "-1001234567890"
endpoint = "{base}/telegram"

[[team.chat]]
kind = "webhook"
url = "{base}/hook"
secret_env = "VIGIA_TEST_HOOK_SECRET"
"#
    );
    // Eight calm days of history, then a storm of complaints.
    let (server, setup) = runtime.block_on(calm_brand(&extra));
    server.set("/forum.xml", Reply::Feed(storm()));
    // A command polls, queues the alert and the spike, and tries each
    // once (500); the daemon retries.
    let polled = setup.vigia(&["poll", "--once"]);
    assert!(
        polled.status.success(),
        "{}",
        String::from_utf8_lossy(&polled.stderr)
    );

    let log = setup.dir.path().join("daemon.log");
    let mut daemon = daemon_logging_to(&setup.config, &log);
    let taken = |name: &str| seen.lock().unwrap().get(name).map_or(0, |s| s.taken.len());
    let started = std::time::Instant::now();
    while !["slack", "teams", "telegram", "hook"]
        .iter()
        .all(|n| taken(n) >= 2)
    {
        if started.elapsed() > Duration::from_secs(90) {
            let counts: Vec<(String, usize, usize)> = seen
                .lock()
                .unwrap()
                .iter()
                .map(|(k, s)| (k.clone(), s.requests, s.taken.len()))
                .collect();
            let logged = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("timed out: receivers (requests, taken) {counts:?}; daemon log:\n{logged}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    sigterm(&daemon);
    assert!(wait_exit(&mut daemon, Duration::from_secs(30)).success());

    let seen = seen.lock().unwrap().clone();
    for name in ["slack", "teams", "telegram", "hook"] {
        let s = &seen[name];
        assert_eq!(s.requests, 4, "{name}: two 500s, then each message once");
        assert_eq!(
            s.taken.len(),
            2,
            "{name}: the alert and the spike, once each"
        );
    }
    // Slack: Block Kit, the quote and the link.
    let slack: Vec<String> = seen["slack"].taken.iter().map(text_of).collect();
    assert!(slack.iter().all(|t| t.contains("\"blocks\"")), "{slack:?}");
    assert!(
        slack.iter().any(|t| t.contains("Negative spike")),
        "{slack:?}"
    );
    assert!(
        slack
            .iter()
            .any(|t| t.contains("<https://forum.example/t/")),
        "{slack:?}"
    );
    // Teams: an Adaptive Card with the severity.
    let teams: Vec<String> = seen["teams"].taken.iter().map(text_of).collect();
    assert!(
        teams
            .iter()
            .all(|t| t.contains("application/vnd.microsoft.card.adaptive")),
        "{teams:?}"
    );
    assert!(
        teams
            .iter()
            .any(|t| t.contains("urgent") || t.contains("critical")),
        "{teams:?}"
    );
    // Telegram: the chat, HTML with the quote and the link.
    for m in &seen["telegram"].taken {
        assert_eq!(m["chat_id"], "-1001234567890");
        assert_eq!(m["parse_mode"], "HTML");
        let text = m["text"].as_str().unwrap_or_default();
        assert!(
            text.contains("<blockquote>") && text.contains("href=\"https://forum.example/t/"),
            "{text}"
        );
    }
    // The webhook: signed, one delivery id each, the events and their mentions.
    let hook = &seen["hook"];
    assert_eq!(
        hook.verified,
        [true, true],
        "the HMAC-SHA256 signature verifies"
    );
    assert_ne!(hook.deliveries[0], hook.deliveries[1]);
    let mut events: Vec<&str> = hook
        .taken
        .iter()
        .filter_map(|v| v["event"].as_str())
        .collect();
    events.sort_unstable();
    assert_eq!(events, ["alert", "spike"]);
    let alert = hook.taken.iter().find(|v| v["event"] == "alert").unwrap();
    let first = &alert["mentions"][0];
    assert!(
        matches!(first["severity"].as_str(), Some("urgent" | "critical")),
        "{alert}"
    );
    assert!(
        first["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://forum.example/t/")),
        "{alert}"
    );
    assert!(
        first["quote"]
            .as_str()
            .is_some_and(|q| q.contains("Lumora")),
        "{alert}"
    );

    // Every chat message is recorded as taken: none is tried again.
    let out = setup.vigia(&["outbox", "--all", "--format", "json"]);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let chats: Vec<&Value> = rows
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            r["to"][0]
                .as_str()
                .is_some_and(|t| t.starts_with("support/"))
        })
        .collect();
    assert_eq!(chats.len(), 8, "{rows}");
    assert!(chats.iter().all(|r| r["state"] == "sent"), "{rows}");
    let checked = crate::helpers::stdout(&setup.vigia(&["check"]));
    assert!(
        checked.contains("chat support/slack, support/teams, support/telegram, support/webhook;"),
        "{checked}"
    );
    assert!(
        !checked.contains(BOT) && !checked.contains("/services/"),
        "{checked}"
    );
    // The bot token and the webhook URLs are in no log line.
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        !logged.contains(BOT) && !logged.contains("/services/T0/B0/x"),
        "secrets logged"
    );
}

#[test]
fn a_bad_chat_table_names_the_key_and_keeps_secrets_out() {
    let setup = setup_with(
        &[],
        r#"
[[team]]
name = "support"

[[team.chat]]
kind = "slack"
url = "https://hooks.slack.com/services/T0/B0/secret-part"

[[team.chat]]
kind = "telegram"
token_env = "BOT"

[[team.chat]]
kind = "discord"

[[team.chat]]
kind = "webhook"
url = "ftp://example.com/"
chat_id = "1"
"#,
    );
    let out = setup.vigia(&["check"]);
    assert!(!out.status.success());
    let said =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    for expected in [
        "team[0].chat[0].url: a slack webhook URL is a secret",
        "team[0].chat[1]: a telegram channel needs chat_id",
        "team[0].chat[2].kind: \"discord\" is not a chat kind",
        "team[0].chat[3].url: \"ftp://example.com/\" is not an http(s) URL",
        "team[0].chat[3].chat_id: is not a key of a webhook channel",
    ] {
        assert!(said.contains(expected), "{expected:?} in {said}");
    }
    assert!(
        !said.contains("secret-part"),
        "the secret is not echoed: {said}"
    );
}

/// A team with no mail recipients but a webhook still gets its digest,
/// with its counts and its mentions.
#[test]
fn a_chat_only_team_gets_its_digest() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seen: Receivers = Arc::default();
    let app = Router::new()
        .route("/{*path}", post(receive))
        .with_state(seen.clone());
    let (base, _stop) = runtime.block_on(serve_app(app));
    // Its first two requests are the 500s every receiver here gives.
    seen.lock()
        .unwrap()
        .entry("hook".into())
        .or_default()
        .requests = 2;
    let server = runtime.block_on(crate::helpers::lumora_server());
    let setup = setup_with(
        &crate::helpers::lumora_feeds(&server),
        &format!(
            "\n[mail]\ndir = \"mail-out\"\n\n[[team]]\nname = \"social\"\n\n[[team.chat]]\nkind = \"webhook\"\nurl = \"{base}/hook\"\nsends = [\"digests\"]\n"
        ),
    );
    runtime.block_on(setup.poll(false));
    for _ in 0..2 {
        let out = setup.vigia(&["digest", "--period", "today", "--send"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let seen = seen.lock().unwrap().clone();
    let hook = &seen["hook"];
    assert_eq!(
        hook.taken.len(),
        1,
        "one digest, asked for twice: {:?}",
        hook.taken
    );
    let digest = &hook.taken[0];
    assert_eq!(digest["event"], "digest");
    assert_eq!(digest["teams"], serde_json::json!(["social"]));
    let lines = digest["lines"].to_string();
    assert!(lines.contains("Lumora: "), "counts by brand: {lines}");
    assert!(
        digest["total"].as_u64().unwrap_or_default() >= 1,
        "{digest}"
    );
    assert!(
        !setup.dir.path().join("mail-out").exists()
            || std::fs::read_dir(setup.dir.path().join("mail-out"))
                .unwrap()
                .count()
                == 0,
        "no mail: the team has no recipients"
    );
}
