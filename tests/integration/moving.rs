//! `vigia migrate`: an installation moves from its SQLite file to
//! PostgreSQL, and the daemon and the commands then read the same there.

use crate::helpers::postgres::Postgres;
use crate::helpers::{lumora_feeds, lumora_server, setup, stdout, vigia_cmd, Setup};

/// `setup`'s config, on the PostgreSQL database at `url` instead of its file.
fn on_postgres(setup: &Setup, url: &str) -> Setup {
    let text = std::fs::read_to_string(&setup.config).unwrap();
    let moved = text.replace("path = \"vigia.db\"", &format!("url = \"{url}\""));
    assert_ne!(moved, text);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vigia.toml");
    std::fs::write(&config, moved).unwrap();
    Setup { dir, config }
}

fn json(setup: &Setup, args: &[&str]) -> Vec<serde_json::Value> {
    serde_json::from_str(&stdout(&setup.vigia(args))).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_installation_moves_to_postgres_whole() {
    let server = lumora_server().await;
    let file = setup(&lumora_feeds(&server));
    file.poll(false).await;
    let listed = json(&file, &["mentions", "--format", "json"]);
    assert!(listed.len() >= 3, "{listed:?}");
    let first = listed[0]["id"].as_i64().unwrap().to_string();
    stdout(&file.vigia(&["mentions", "ack", &first, "--note", "on it"]));

    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path());
    let db = file.db();
    let from = format!("sqlite:{}", db.display());
    let moved = stdout(
        &vigia_cmd(&file.config)
            .args(["migrate", "--from", &from, "--to", &pg.url()])
            .output()
            .unwrap(),
    );
    assert!(
        moved.contains("Every table holds as many rows in both"),
        "{moved}"
    );
    assert!(moved.contains("mentions"), "{moved}");

    // The commands read the same mentions, states and history there.
    let there = on_postgres(&file, &pg.url());
    assert_eq!(
        json(&there, &["mentions", "--format", "json"]),
        json(&file, &["mentions", "--format", "json"])
    );
    let shown = stdout(&there.vigia(&["mentions", "show", &first]));
    assert!(shown.contains("on it"), "{shown}");
    let status = |s: &Setup| json(s, &["feeds", "status", "--json"]);
    let (a, b) = (status(&file), status(&there));
    assert_eq!(a.len(), b.len());
    for (a, b) in a.iter().zip(&b) {
        assert_eq!(
            (&a["id"], &a["cursor"], &a["items_total"]),
            (&b["id"], &b["cursor"], &b["items_total"])
        );
    }

    // Once is enough: the target is no longer empty.
    let again = vigia_cmd(&file.config)
        .args(["migrate", "--from", &from, "--to", &pg.url()])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds"),
        "{again:?}"
    );

    // The daemon goes on there: new mentions take new ids.
    let most = listed
        .iter()
        .filter_map(|m| m["id"].as_i64())
        .max()
        .unwrap();
    server.set(
        "/tech.xml",
        crate::helpers::Reply::Feed(
            br#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://t.example/</link>
<item><title>Lumora opens its first shop in Lisbon</title><link>https://t.example/shop</link><guid>shop</guid></item>
</channel></rss>"#
                .to_vec(),
        ),
    );
    there.poll(false).await;
    let after = json(&there, &["mentions", "--format", "json"]);
    let new: Vec<i64> = after
        .iter()
        .filter_map(|m| m["id"].as_i64())
        .filter(|id| *id > most)
        .collect();
    assert_eq!(new.len(), 1, "{after:?}");
}

#[test]
fn postgres_over_tls_with_the_password_kept_apart() {
    let dir = tempfile::tempdir().unwrap();
    crate::dovecot::make_certificates(dir.path());
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let (server, port) = Postgres::start_tls(dir.path(), (&cert, &key), "s3cret-Pw");
    std::fs::write(dir.path().join("right"), "s3cret-Pw\n").unwrap();
    std::fs::write(dir.path().join("wrong"), "guess-Pw\n").unwrap();
    let config = |password: &str, ca: bool| {
        let path = dir.path().join(format!("{password}-{ca}.toml"));
        let ca = if ca { "ca_file = \"ca.pem\"\n" } else { "" };
        std::fs::write(
            &path,
            format!(
                "[storage]\nurl = \"postgres://vigia@localhost:{port}/postgres\"\n\
                 password_file = \"{password}\"\n{ca}\n\
                 [[brand]]\nname = \"Lumora\"\nqueries = [\"Lumora\"]\n"
            ),
        )
        .unwrap();
        vigia_cmd(&path).args(["feeds", "status"]).output().unwrap()
    };

    // TLS by default off a Unix socket, the private CA trusted, the
    // password from its file: the store opens and migrates.
    let ok = config("right", true);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(server.log().contains("SSL enabled"), "{}", server.log());

    // Without the CA the server's certificate is refused; with the wrong
    // password the server refuses. Neither error shows a password.
    for (out, says) in [
        (config("right", false), "certificate"),
        (config("wrong", true), "password authentication failed"),
    ] {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(err.contains(says), "{err}");
        assert!(!err.contains("s3cret") && !err.contains("guess"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_web_inbox_of_either_daemon_serves_the_same_people_and_mentions() {
    use crate::inbox::{csrf, inbox_port, mailed_token, mentions_of, TEAMS};
    use reqwest::header::{COOKIE, SET_COOKIE};
    use reqwest::{redirect, Client, StatusCode};

    let feeds = lumora_server().await;
    let setup = setup(&lumora_feeds(&feeds));
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path());
    let text = std::fs::read_to_string(&setup.config).unwrap() + TEAMS;
    let text = text.replace("path = \"vigia.db\"", &format!("url = \"{}\"", pg.url()));
    std::fs::write(&setup.config, text).unwrap();
    // Two daemons, as on two machines (sharing the link key by its file).
    let logs = ["a.log", "b.log"].map(|l| setup.dir.path().join(l));
    let _daemons = logs
        .each_ref()
        .map(|log| crate::helpers::daemon_logging_to(&setup.config, log));
    let [a, b] = logs
        .each_ref()
        .map(|log| format!("http://127.0.0.1:{}", inbox_port(log)));
    crate::helpers::wait_for("the first poll", std::time::Duration::from_secs(30), || {
        !mentions_of(&setup, "cs").is_empty()
    });
    let http = Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();

    // Asked on one daemon, signed in on the other.
    let asked = http
        .post(format!("{a}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=ana%40lumora.example")
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::OK);
    let token = mailed_token(setup.dir.path(), "ana@lumora.example");
    let signed = http
        .post(format!("{b}/login/{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let cookie = signed.headers()[SET_COOKIE].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap_or_default().to_string();

    // The session holds on both; a step taken on one is seen on the other.
    let (id, _, _) = mentions_of(&setup, "cs")[0].clone();
    let page = http
        .get(format!("{a}/"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains(&format!("href=\"/mentions/{id}\"")), "{page}");
    let acked = http
        .post(format!("{b}/mentions/{id}"))
        .header(COOKIE, &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={}&action=ack", csrf(&page)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        acked.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        acked.text().await
    );
    let state = mentions_of(&setup, "cs")
        .into_iter()
        .find(|m| m.0 == id)
        .map(|m| m.2);
    assert_eq!(state.as_deref(), Some("acknowledged"));
    let shown = http
        .get(format!("{a}/mentions/{id}"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert!(shown.text().await.unwrap().contains("ana@lumora.example"));
}
