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
