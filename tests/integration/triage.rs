//! Triage end to end: a poll routes mentions to teams, judges severity and
//! groups subjects; people follow mentions up from the command line; a bad
//! routing rule is refused by `vigia check`.

use serde_json::Value;

use crate::helpers::*;

const TEAMS: &str = r#"
[[team]]
name = "customer-service"
recipients = ["cs@lumora.example"]

[[team]]
name = "marketing"
recipients = ["mkt@lumora.example"]

[[team]]
name = "management"
recipients = ["ceo@lumora.example"]

[[route]]
query = 'refund OR reembolso'
teams = ["customer-service"]

[[route]]
query = 'review OR campaign'
teams = ["marketing"]
"#;

fn json(setup: &Setup, args: &[&str]) -> Vec<Value> {
    let out = setup.vigia(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let value: Value = serde_json::from_slice(&out.stdout).unwrap();
    value.as_array().cloned().unwrap_or_default()
}

fn text(setup: &Setup, args: &[&str]) -> String {
    let out = setup.vigia(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn titled<'a>(rows: &'a [Value], needle: &str) -> &'a Value {
    rows.iter()
        .find(|m| m["title"].as_str().is_some_and(|t| t.contains(needle)))
        .unwrap_or_else(|| panic!("no mention titled {needle:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_poll_routes_and_people_follow_up() {
    let server = lumora_server().await;
    let setup = setup_with(&lumora_feeds(&server), TEAMS);
    setup.poll(false).await;

    let all = json(&setup, &["mentions", "--format", "json"]);
    let refund = titled(&all, "reembolso");
    assert_eq!(refund["teams"], serde_json::json!(["customer-service"]));
    assert_eq!(refund["status"], "routed");
    let review = titled(&all, "Review");
    assert_eq!(
        review["teams"],
        serde_json::json!(["management", "marketing"]),
        "a rule, and management for an extreme score"
    );
    let recall = titled(&all, "recalls");
    assert_ne!(recall["severity"], "info", "an alarm term: {recall}");
    let funding = titled(&all, "raises");
    assert_eq!(
        funding["teams"],
        serde_json::json!(["customer-service"]),
        "the default team"
    );
    assert_eq!(funding["severity"], "info");

    let marketing = json(
        &setup,
        &["mentions", "--team", "marketing", "--format", "json"],
    );
    assert_eq!(marketing.len(), 1);
    let notable = json(
        &setup,
        &["mentions", "--severity", "notable", "--format", "json"],
    );
    assert!(notable.iter().all(|m| m["severity"] != "info") && !notable.is_empty());

    let id = refund["id"].as_i64().unwrap_or_default().to_string();
    let said = text(
        &setup,
        &[
            "mentions",
            "ack",
            &id,
            "--note",
            "calling the customer",
            "--by",
            "ana",
        ],
    );
    assert_eq!(said.trim(), format!("Mention {id} is now acknowledged."));
    let acked = json(
        &setup,
        &["mentions", "--status", "acknowledged", "--format", "json"],
    );
    assert_eq!(acked.len(), 1);
    assert_eq!(acked[0]["id"], refund["id"]);
    text(&setup, &["mentions", "resolve", &id, "--by", "ana"]);
    let open = json(
        &setup,
        &["mentions", "--status", "open", "--format", "json"],
    );
    assert_eq!(open.len(), all.len() - 1, "resolved is no longer open");
    let refused = setup.vigia(&["mentions", "resolve", &id]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("reopen it first"));
    let shown = text(&setup, &["mentions", "show", &id]);
    assert!(
        shown.contains("acknowledged  by ana: calling the customer"),
        "{shown}"
    );
    assert!(shown.contains("resolved      by ana"), "{shown}");
    assert!(
        shown.contains("routed        by vigia: to customer-service"),
        "{shown}"
    );

    let topics = json(&setup, &["topics", "--format", "json"]);
    assert!(!topics.is_empty());
    let total: u64 = topics.iter().filter_map(|t| t["count"].as_u64()).sum();
    assert!(total <= all.len() as u64);
    assert!(topics
        .iter()
        .all(|t| t["state"] == "watch" || t["state"] == "act"));
    assert!(topics[0]["examples"][0][1].is_string(), "example quotes");
}

#[test]
fn check_refuses_a_route_to_an_unknown_team() {
    let setup = setup_with(
        &[("f", "file:x.xml".to_string())],
        "[[route]]\nquery = 'bug'\nteams = [\"tech-support\"]\n\n[triage]\nact_at = 0\n",
    );
    let out = setup.vigia(&["check"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("route[0].teams[0]: no [[team]] is named \"tech-support\""),
        "{err}"
    );
    assert!(err.contains("vigia.toml:"), "names the file: {err}");
    assert!(err.contains("triage.act_at: 0 is out of range"), "{err}");
}
