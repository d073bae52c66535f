use super::open::MIGRATIONS;
use super::*;
use std::time::Duration;

#[test]
fn concurrent_opens_of_a_new_database_migrate_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vigia.db");
    let openers: Vec<_> = (0..8)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || Store::open(&path).map(|_| ()).map_err(|e| e.to_string()))
        })
        .collect();
    for opener in openers {
        assert_eq!(opener.join().ok(), Some(Ok(())));
    }
}

#[test]
fn errors_name_the_file_and_say_things_once() {
    let dir = tempfile::tempdir().unwrap();
    // A folder where the file should be: SQLite cannot open it.
    let error = Store::open(dir.path()).err().map(anyhow::Error::from);
    let text = error.map(|e| format!("{e:#}")).unwrap_or_default();
    assert!(
        text.starts_with(&format!(
            "cannot open the database {}: ",
            dir.path().display()
        )),
        "{text}"
    );
    let locked = StoreError::from(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(5),
        Some("database is locked".into()),
    ));
    let text = format!("{:#}", anyhow::Error::from(locked));
    assert_eq!(text, "database error: database is locked");
}

#[test]
fn migrates_once_and_refuses_newer_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/vigia.db");
    Store::open(&path).unwrap();
    let store = Store::open(&path).unwrap();
    let (version, mode): (i64, String) = store
        .call_blocking(|c| {
            let c = c.sqlite().expect("a SQLite store");
            let v = c.pragma_query_value(None, "user_version", |r| r.get(0))?;
            let m = c.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
            Ok((v, m))
        })
        .unwrap();
    assert_eq!(version, MIGRATIONS.len() as i64);
    assert_eq!(mode, "wal");
    store
        .call_blocking(|c| Ok(c.execute_batch("PRAGMA user_version = 99")?))
        .unwrap();
    drop(store);
    assert!(matches!(
        Store::open(&path),
        Err(StoreError::TooNew { found: 99, .. })
    ));
}

#[test]
fn mentions_stored_before_texts_were_kept_are_found_by_search() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v10.db");
    {
        // A database as version 10 left it, with one mention.
        let conn = rusqlite::Connection::open(&path).unwrap();
        for sql in &MIGRATIONS[..10] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 10).unwrap();
        conn.execute(
            "INSERT INTO mentions (brand, title, snippet, terms, fingerprint, fp_words,
                                   source_id, first_seen_at)
             VALUES ('Lumora', 'Troca', 'A reclamação foi resolvida.', '[]', 0, 0, 'f', 1)",
            params![],
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let search = |words: &str| {
        let filter = mentions::MentionFilter {
            text: Some(words.to_string()),
            ..mentions::MentionFilter::default()
        };
        store
            .call_blocking(move |c| mentions::list(c, &filter))
            .unwrap()
            .len()
    };
    assert_eq!(search("reclamacao"), 1, "accents folded");
    assert_eq!(search("troca resolvida"), 1);
    assert_eq!(search("troca -resolvida"), 0);
    assert_eq!(search("reembolso"), 0);
    let detail = store.call_blocking(|c| mentions::detail(c, 1)).unwrap();
    assert_eq!(detail.text.as_deref(), Some("A reclamação foi resolvida."));
    // The index is its content's: a rebuild finds the same.
    store
        .call_blocking(|c| {
            Ok(c.execute(
                "INSERT INTO mentions_fts (mentions_fts) VALUES ('rebuild')",
                params![],
            )?)
        })
        .unwrap();
    assert_eq!(search("reclamacao"), 1);
}

#[tokio::test]
async fn releasing_memory_keeps_both_connections_working() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("v.db")).unwrap();
    let count = |c: &Connection| -> Result<i64, StoreError> {
        Ok(c.query_row("SELECT count(*) FROM heartbeat", params![], |r| r.get(0))?)
    };
    // Before the reader is opened, then with it open.
    store.release_memory().await.unwrap();
    store
        .call(|c| Ok(c.execute("INSERT INTO heartbeat (id, at) VALUES (1, 42)", params![])?))
        .await
        .unwrap();
    assert_eq!(store.read(count).await.unwrap(), 1);
    store.release_memory().await.unwrap();
    assert_eq!(store.read(count).await.unwrap(), 1);
    assert_eq!(store.call(move |c| count(c)).await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn reads_go_on_while_the_writer_is_in_a_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("v.db")).unwrap();
    let (holding, held) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || {
            store.call_blocking(move |c| {
                let tx = c.transaction()?;
                tx.execute("INSERT INTO heartbeat (id, at) VALUES (1, 42)", params![])?;
                let _ = holding.send(());
                let _ = released.recv();
                tx.commit()?;
                Ok(())
            })
        })
    };
    held.recv().unwrap();
    let count = |c: &Connection| -> Result<i64, StoreError> {
        Ok(c.query_row("SELECT count(*) FROM heartbeat", params![], |r| r.get(0))?)
    };
    let read = tokio::time::timeout(Duration::from_secs(30), store.read(count)).await;
    let seen = read
        .unwrap_or_else(|_| panic!("the read waited for the writer"))
        .unwrap();
    assert_eq!(seen, 0, "the snapshot before the write");
    release.send(()).unwrap();
    let written = writer.join().unwrap_or_else(|_| panic!("writer panicked"));
    written.unwrap();
    assert_eq!(store.read(count).await.unwrap(), 1);
    let refused = store
        .read(|c| Ok(c.execute("DELETE FROM heartbeat", params![])?))
        .await;
    assert!(refused.is_err(), "the reader is read-only");
}

#[test]
fn the_band_backfill_files_a_hash_where_the_pipeline_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.db");
    // The top bit set: a negative integer in SQLite, whose >> is arithmetic.
    let hash: u64 = 0xF0F0_1234_89AB_CDEF;
    // A mention filed under the five narrower bands of migration 17.
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        for sql in &MIGRATIONS[..30] {
            c.execute_batch(sql).unwrap();
        }
        c.execute_batch("PRAGMA user_version = 30").unwrap();
        c.execute(
            "INSERT INTO mentions (id, brand, title, snippet, terms, fingerprint, fp_words,
                                   source_id, first_seen_at)
             VALUES (7, 'Lumora', 't', 's', '[]', ?1, 20, 'f', ?2)",
            crate::store::db::params![hash as i64, now()],
        )
        .unwrap();
        c.execute(
            "INSERT INTO mention_bands (brand, band, value, first_seen_at, fingerprint, mention_id)
             VALUES ('Lumora', 4, 3855, ?2, ?1, 7)",
            crate::store::db::params![hash as i64, now()],
        )
        .unwrap();
    }
    // Refiled under four bands (migration 31), then packed into buckets
    // (migration 33), each entry as the store writes it.
    let store = Store::open(&path).unwrap();
    let filed = store
        .call_blocking(|c| mentions::buckets::filed(c, 7))
        .unwrap();
    let expected: Vec<(u32, u64)> = crate::pipeline::dedupe::buckets(hash)
        .into_iter()
        .map(|key| (key, hash))
        .collect();
    assert_eq!(filed, expected);
}

#[test]
fn subjects_from_before_the_feature_index_are_filed_under_their_features() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.db");
    // A database as migration 17 left it, with one subject.
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        for sql in &MIGRATIONS[..17] {
            c.execute_batch(sql).unwrap();
        }
        c.execute_batch(
            "PRAGMA user_version = 17;
             INSERT INTO subjects (brand, profile, first_seen_at, last_seen_at) VALUES
                 ('Lumora', '{\"members\":1,\"features\":{\"#delay\":[1,\"delay\"],\"lamp\":[1,\"lamp\"]}}', 1, 1);
             INSERT INTO mentions (id, brand, title, snippet, terms, fingerprint, fp_words,
                                   source_id, first_seen_at)
                 VALUES (7, 'Lumora', 't', 's', '[]', -42, 20, 'f', unixepoch());
             INSERT INTO mention_bands (brand, band, value, first_seen_at, mention_id)
                 VALUES ('Lumora', 0, 1, unixepoch(), 7);",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let keys: Vec<(String, i64)> = store
        .call_blocking(|c| {
            let mut stmt =
                c.prepare("SELECT key, last_seen_at FROM subject_features ORDER BY key")?;
            let keys = stmt
                .query_map(params![], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            Ok(keys)
        })
        .unwrap();
    // Filed with the subject's last sighting (migration 19).
    assert_eq!(keys, [("#delay".to_string(), 1), ("lamp".to_string(), 1)]);
    // The band index learns each mention's fingerprint (migration 20)
    // and keeps it when packed into buckets (migration 33).
    let filed = store
        .call_blocking(|c| mentions::buckets::filed(c, 7))
        .unwrap();
    assert_eq!(filed.len(), crate::pipeline::dedupe::BANDS);
    assert!(filed.iter().all(|&(_, hash)| hash == -42i64 as u64));
}

/// Writes queued together share one commit, yet each stands alone: one
/// that fails or panics is rolled back by itself, its neighbours are kept,
/// and the store's thread goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn batched_writes_fail_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("vigia.db")).unwrap();
    store
        .call(|c| Ok(c.execute_batch("CREATE TABLE t (x INTEGER)")?))
        .await
        .unwrap();
    let writes = (0..200).map(|i| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .write(move |tx| {
                    tx.execute("INSERT INTO t VALUES (?1)", [i])?;
                    match i % 10 {
                        3 => Err(StoreError::Task("refused".into())),
                        7 => panic!("a bug in write {i}"),
                        _ => Ok(i),
                    }
                })
                .await
        })
    });
    let results = futures_util::future::join_all(writes).await;
    let kept: Vec<i64> = results
        .into_iter()
        .filter_map(|r| r.unwrap().ok())
        .collect();
    assert_eq!(kept.len(), 160);
    let stored: Vec<i64> = store
        .call(|c| {
            let mut stmt = c.prepare("SELECT x FROM t ORDER BY x")?;
            let rows = stmt.query_map(params![], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
        .unwrap();
    let mut kept = kept;
    kept.sort_unstable();
    assert_eq!(stored, kept, "exactly the writes that succeeded are stored");
}

/// Expired sign-ins, ended sessions and old link uses are forgotten; live
/// ones stay.
#[test]
fn the_inbox_forgets_what_can_no_longer_be_used() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("vigia.db")).unwrap();
    let now = 1_000_000;
    let removed = store
        .write_blocking(|tx| {
            web::add_login(tx, "old", "a@x.example", now - 3 * 86_400, now - 2 * 86_400)?;
            web::add_login(tx, "live", "a@x.example", now, now + 600)?;
            let session = |hash, expires_at| web::NewSession {
                token_hash: hash,
                csrf: "c",
                now,
                expires_at,
            };
            web::add_login(tx, "l1", "a@x.example", now, now + 600)?;
            web::redeem_login(tx, "l1", &session("ended", now - 2 * 86_400))?;
            web::add_login(tx, "l2", "a@x.example", now, now + 600)?;
            web::redeem_login(tx, "l2", &session("open", now + 86_400))?;
            let used = |nonce| web::LinkUse {
                nonce,
                mention: 1,
                step: "ack",
                recipient: "a@x.example",
            };
            web::use_link(tx, &used("old"), now - 40 * 86_400)?;
            web::use_link(tx, &used("recent"), now - 86_400)?;
            web::prune(tx, now, now - 14 * 86_400)
        })
        .unwrap();
    assert_eq!(removed, 3, "the old link, the ended session, the old use");
    store
        .call_blocking(|c| {
            assert_eq!(
                web::pending_login(c, "live", now)?,
                Some("a@x.example".into())
            );
            assert!(web::session(c, "open", now)?.is_some());
            assert!(web::link_used(c, "recent")?);
            assert!(!web::link_used(c, "old")?);
            Ok(())
        })
        .unwrap();
}

#[test]
fn mentions_are_indexed_for_search_when_their_write_commits() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("v.db")).unwrap();
    let add = |tx: &Tx<'_>, id: i64, title: &str| -> Result<(), StoreError> {
        tx.execute(
            "INSERT INTO mentions (id, brand, title, snippet, terms, fingerprint, fp_words,
                                   source_id, first_seen_at, text)
             VALUES (?1, 'Lumora', ?2, '', '[]', 0, 0, 'f', 1, 'lamp')",
            crate::store::db::params![id, title],
        )?;
        Ok(())
    };
    // Queued mentions edited or deleted before the commit: the index
    // gets what is left, as it is then.
    store
        .write_blocking(|tx| {
            add(tx, 1, "alpha")?;
            add(tx, 2, "beta")?;
            tx.execute(
                "UPDATE mentions SET title = 'gamma' WHERE id = 2",
                params![],
            )?;
            tx.execute("DELETE FROM mentions WHERE id = 1", params![])?;
            Ok(())
        })
        .unwrap();
    // An indexed mention edited and another deleted later.
    store
        .write_blocking(|tx| {
            add(tx, 3, "delta")?;
            add(tx, 4, "omega")?;
            Ok(())
        })
        .unwrap();
    store
        .write_blocking(|tx| {
            tx.execute(
                "UPDATE mentions SET title = 'epsilon' WHERE id = 3",
                params![],
            )?;
            tx.execute("DELETE FROM mentions WHERE id = 4", params![])?;
            Ok(())
        })
        .unwrap();
    let found = |words: &str| {
        let filter = mentions::MentionFilter {
            text: Some(words.to_string()),
            ..mentions::MentionFilter::default()
        };
        let rows = store
            .call_blocking(move |c| mentions::list(c, &filter))
            .unwrap();
        rows.iter().map(|m| m.id).collect::<Vec<_>>()
    };
    assert_eq!(found("gamma"), [2]);
    assert_eq!(found("epsilon"), [3]);
    for gone in ["alpha", "beta", "delta", "omega"] {
        assert_eq!(found(gone), Vec::<i64>::new(), "{gone}");
    }
    let (queued, check) = store
        .call_blocking(|c| {
            let queued: i64 =
                c.query_row("SELECT count(*) FROM mentions_fts_queue", params![], |r| {
                    r.get(0)
                })?;
            // FTS5 compares its index with the content table: an error
            // when they disagree.
            let check = c.execute(
                "INSERT INTO mentions_fts (mentions_fts, rank) VALUES ('integrity-check', 1)",
                params![],
            );
            Ok((queued, check.map_err(|e| e.to_string())))
        })
        .unwrap();
    assert_eq!(queued, 0);
    assert_eq!(check, Ok(1));
}

#[test]
fn mention_counters_follow_the_mentions_from_before_the_migration_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.db");
    let add = |c: &Connection, id: i64, brand: &str, label: Option<&str>| {
        c.execute(
            "INSERT INTO mentions (id, brand, title, snippet, terms, fingerprint, fp_words,
                                   source_id, first_seen_at, sentiment_label)
             VALUES (?1, ?2, 't', 's', '[]', 0, 0, 'f', 1, ?3)",
            crate::store::db::params![id, brand, label],
        )
        .map(|_| ())
    };
    // Counted by the migration.
    {
        let c = Connection::Sqlite(rusqlite::Connection::open(&path).unwrap());
        for sql in &MIGRATIONS[..33] {
            c.execute_batch(sql).unwrap();
        }
        c.execute_batch("PRAGMA user_version = 33").unwrap();
        add(&c, 1, "Lumora", Some("negative")).unwrap();
        add(&c, 2, "Lumora", None).unwrap();
    }
    let store = Store::open(&path).unwrap();
    let counted = || {
        store
            .call_blocking(|c| metrics::snapshot(c).map(|s| s.mentions))
            .unwrap()
    };
    let row = |brand: &str, label: &str, n: i64| (brand.to_string(), label.to_string(), n);
    assert_eq!(
        counted(),
        [row("Lumora", "negative", 1), row("Lumora", "unscored", 1)]
    );
    // Then by the triggers: added, relabelled, removed.
    store
        .write_blocking(|tx| {
            add(tx, 3, "Lumora", Some("negative"))?;
            add(tx, 4, "Orla", Some("positive"))?;
            tx.execute(
                "UPDATE mentions SET sentiment_label = 'neutral' WHERE id = 2",
                params![],
            )?;
            tx.execute("DELETE FROM mentions WHERE id = 1", params![])?;
            Ok(())
        })
        .unwrap();
    assert_eq!(
        counted(),
        [
            row("Lumora", "negative", 1),
            row("Lumora", "neutral", 1),
            row("Orla", "positive", 1)
        ]
    );
}
