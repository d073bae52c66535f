//! `[status]` and `[web]`: where the listeners bind, and the inbox's
//! address and admins.

use super::{assert_reported, load_text, messages};

#[test]
fn the_status_listener_is_off_by_default_and_on_loopback() {
    const BRAND: &str = "[[brand]]\nname = \"A\"\nqueries = [\"a\"]\n";
    let config = load_text(BRAND).unwrap();
    assert_eq!(config.status_listen, None);
    let config = load_text(&format!("[status]\nlisten = \"127.0.0.1:9187\"\n{BRAND}")).unwrap();
    assert_eq!(config.status_listen, Some(([127, 0, 0, 1], 9187).into()));
    let got = messages(&format!("[status]\nlisten = \"0.0.0.0:9187\"\n{BRAND}"));
    assert_reported(
        &got,
        &[":2:10: status.listen: 0.0.0.0:9187 is reachable from other machines"],
    );
    let got = messages(&format!("[status]\nlisten = \"localhost\"\n{BRAND}"));
    assert_reported(
        &got,
        &[":2:10: status.listen: \"localhost\" is not an address and port"],
    );
    let config = load_text(&format!(
        "[status]\nlisten = \"[::]:9187\"\nallow_remote = true\n{BRAND}"
    ))
    .unwrap();
    assert!(config.status_listen.is_some());
}

#[test]
fn the_web_inbox_needs_its_public_address_and_stays_on_loopback() {
    const BRAND: &str = "[[brand]]\nname = \"A\"\nqueries = [\"a\"]\n";
    let config = load_text(BRAND).unwrap();
    assert_eq!(config.web, None);
    let config = load_text(&format!(
        "[web]\nlisten = \"127.0.0.1:8480\"\nbase_url = \"https://vigia.example.com/\"\n\
         admins = [\"Ops@Example.com\"]\n{BRAND}"
    ))
    .unwrap();
    let web = config.web.unwrap();
    assert_eq!(web.listen, ([127, 0, 0, 1], 8480).into());
    assert_eq!(web.base_url.as_str(), "https://vigia.example.com/");
    assert_eq!(web.admins, ["ops@example.com"]);
    assert_eq!(web.session.as_secs(), 30 * 86_400);
    let got = messages(&format!("[web]\nlisten = \"127.0.0.1:8480\"\n{BRAND}"));
    assert_reported(&got, &[":2:10: web.base_url: is needed with web.listen"]);
    let got = messages(&format!(
        "[web]\nlisten = \"0.0.0.0:8480\"\nbase_url = \"javascript:alert(1)\"\n\
         admins = [\"nobody\"]\nsession = \"forever\"\n{BRAND}"
    ));
    assert_reported(
        &got,
        &[
            ":2:10: web.listen: 0.0.0.0:8480 is reachable from other machines",
            ":3:12: web.base_url: \"javascript:alert(1)\" is not an http or https URL",
            ":4:11: web.admins[0]: \"nobody\" is not an email address",
            ":5:11: web.session:",
        ],
    );
}
