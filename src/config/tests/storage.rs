//! `[storage]`: the SQLite file's cache, or a PostgreSQL URL whose
//! password is kept apart.

use super::{assert_reported, load_text, messages};

#[test]
fn the_page_cache_is_a_size() {
    let brand = "[[brand]]\nname = \"A\"\nqueries = [\"a\"]\n";
    let config = load_text(&format!("[storage]\ncache_size = \"64MiB\"\n{brand}")).unwrap();
    assert_eq!(config.storage_cache_bytes, 64 << 20);
    assert_eq!(load_text(brand).unwrap().storage_cache_bytes, 32 << 20);
    let got = messages(&format!("[storage]\ncache_size = \"lots\"\n{brand}"));
    assert_reported(
        &got,
        &[r#":2:14: storage.cache_size: "lots" is not a size"#],
    );
}

#[test]
fn a_postgres_store_has_its_password_apart() {
    let brand = "[[brand]]\nname = \"A\"\nqueries = [\"a\"]\n";
    let config = load_text(&format!(
        "[storage]\nurl = \"postgres://vigia@db/vigia\"\npassword_env = \"PG\"\nlease = \"30s\"\n{brand}"
    ))
    .unwrap();
    let url = config.storage_url.as_ref().map(|u| u.url.as_str());
    assert_eq!(url, Some("postgres://vigia@db/vigia"));
    assert_eq!(config.storage_lease, std::time::Duration::from_secs(30));
    assert_eq!(
        config.store_place().to_string(),
        "postgres://vigia@db/vigia"
    );
    let got = messages(&format!(
        "[storage]\nurl = \"postgres://vigia:secret@db/vigia\"\npath = \"v.db\"\n{brand}"
    ));
    assert!(
        got.iter()
            .any(|m| m.contains("storage.url: has a password")),
        "{got:?}"
    );
    assert!(
        got.iter()
            .any(|m| m.contains("storage.path: set path (SQLite) or url")),
        "{got:?}"
    );
    assert!(!got.iter().any(|m| m.contains("secret")), "{got:?}");
    let got = messages(&format!(
        "[storage]\nurl = \"postgres://db/v?password=secret\"\n{brand}"
    ));
    assert!(
        got.iter()
            .any(|m| m.contains("storage.url: has a password")),
        "{got:?}"
    );
    let place = crate::store::Place::Postgres {
        url: "postgres://u:secret@db/v?sslmode=require&password=secret".into(),
        password: None,
        ca_file: None,
    };
    assert!(!format!("{place} {place:?}").contains("secret"), "{place}");
    let got = messages(&format!("[storage]\nurl = \"mysql://db/v\"\n{brand}"));
    assert!(
        got.iter()
            .any(|m| m.contains("storage.url: is not a postgres:// URL")),
        "{got:?}"
    );
    let got = messages(&format!("[storage]\npassword_file = \"pw\"\n{brand}"));
    assert!(got.iter().any(|m| m.contains("set url too")), "{got:?}");
}
