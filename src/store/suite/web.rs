//! The web inbox's records in a real store, SQLite's and PostgreSQL's:
//! one-time sign-in links, sessions, passwords and their failed attempts,
//! one-click links, what pruning forgets, and the people an admin added.

use crate::store::db::{params, Connection};
use crate::store::users::{self, User};
use crate::store::web::{self, LinkUse, NewSession, Session};
use crate::store::{Store, StoreError};

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86_400;

/// A session with cookie hash `token_hash`, opened `now`, for a day.
fn new_session(token_hash: &str, now: i64) -> NewSession<'_> {
    NewSession {
        token_hash,
        csrf: "csrf-of-session",
        now,
        expires_at: now + DAY,
    }
}

/// Runs `f` as one write of the store, committed when it succeeds.
pub(super) fn in_tx<R>(store: &Store, f: impl FnOnce(&Connection) -> Result<R, StoreError>) -> R {
    store.write_blocking(|tx| f(tx)).unwrap()
}

/// Rows in `table` (one of the web tables).
fn rows(c: &Connection, table: &str) -> Result<i64, StoreError> {
    Ok(
        c.query_row(&format!("SELECT COUNT(*) FROM {table}"), params![], |r| {
            r.get(0)
        })?,
    )
}

fn user(email: &str, teams: &[&str], admin: bool) -> User {
    User {
        email: email.into(),
        teams: teams.iter().map(|t| t.to_string()).collect(),
        admin,
        added_at: NOW,
        added_by: "root".into(),
    }
}

crate::both_backends! {
fn a_login_link_is_redeemed_once(store) {
    in_tx(&store, |tx| {
        web::add_login(tx, "link", "ana@x.example", NOW, NOW + 600)?;
        assert_eq!(web::pending_login(tx, "link", NOW + 1)?.as_deref(), Some("ana@x.example"));
        let signed_in = web::redeem_login(tx, "link", &new_session("first", NOW + 1))?;
        assert_eq!(signed_in.as_deref(), Some("ana@x.example"));
        assert_eq!(web::pending_login(tx, "link", NOW + 2)?, None, "used up");
        let again = web::redeem_login(tx, "link", &new_session("second", NOW + 2))?;
        assert_eq!(again, None, "a second use signs no one in");
        assert_eq!(
            web::session(tx, "first", NOW + 3)?,
            Some(Session {
                email: "ana@x.example".into(),
                csrf: "csrf-of-session".into(),
                created_at: NOW + 1,
            })
        );
        assert_eq!(web::session(tx, "second", NOW + 3)?, None, "no session opened");
        Ok(())
    });
}

fn a_sign_in_through_the_stores_write_is_committed(store) {
    // As the inbox signs in: the link used up and the session opened in
    // one of the store's writes.
    let signed_in = store
        .write_blocking(|tx| {
            web::add_login(tx, "link", "ana@x.example", NOW, NOW + 600)?;
            web::redeem_login(tx, "link", &new_session("cookie", NOW + 1))
        })
        .unwrap();
    assert_eq!(signed_in.as_deref(), Some("ana@x.example"));
    store
        .call_blocking(|c| {
            assert_eq!(web::pending_login(c, "link", NOW + 2)?, None);
            assert_eq!(web::session(c, "cookie", NOW + 2)?.unwrap().email, "ana@x.example");
            Ok(())
        })
        .unwrap();
}

fn an_expired_or_unknown_login_link_signs_no_one_in(store) {
    in_tx(&store, |tx| {
        web::add_login(tx, "link", "ana@x.example", NOW, NOW + 600)?;
        assert_eq!(web::pending_login(tx, "link", NOW + 600)?, None, "expired at its end");
        assert_eq!(web::redeem_login(tx, "link", &new_session("late", NOW + 600))?, None);
        assert_eq!(web::redeem_login(tx, "nope", &new_session("stranger", NOW))?, None);
        assert_eq!(web::session(tx, "late", NOW + 601)?, None);
        assert_eq!(web::session(tx, "stranger", NOW + 1)?, None);
        assert_eq!(rows(tx, "web_sessions")?, 0);
        Ok(())
    });
}

fn only_recent_links_to_an_address_are_counted(store) {
    in_tx(&store, |tx| {
        web::add_login(tx, "old", "ana@x.example", NOW - 3_600, NOW - 3_000)?;
        web::add_login(tx, "a", "ana@x.example", NOW - 600, NOW)?;
        web::add_login(tx, "b", "ana@x.example", NOW, NOW + 600)?;
        web::add_login(tx, "other", "bea@x.example", NOW, NOW + 600)?;
        assert_eq!(web::logins_since(tx, "ana@x.example", NOW - 600)?, 2);
        assert_eq!(web::logins_since(tx, "ana@x.example", NOW - 3_600)?, 3);
        assert_eq!(web::logins_since(tx, "bea@x.example", NOW - 600)?, 1);
        assert_eq!(web::logins_since(tx, "cid@x.example", 0)?, 0);
        Ok(())
    });
}

fn a_session_ends_when_revoked_or_expired(store) {
    in_tx(&store, |tx| {
        web::open_session(tx, "ana@x.example", &new_session("kept", NOW))?;
        web::open_session(tx, "ana@x.example", &new_session("signed-out", NOW))?;
        let open = web::session(tx, "kept", NOW + DAY - 1)?.unwrap();
        assert_eq!(open.email, "ana@x.example");
        assert_eq!(open.csrf, "csrf-of-session");
        assert_eq!(web::session(tx, "kept", NOW + DAY)?, None, "expired");
        web::revoke(tx, "signed-out", NOW + 10)?;
        assert_eq!(web::session(tx, "signed-out", NOW + 11)?, None, "revoked");
        assert!(web::session(tx, "kept", NOW + 11)?.is_some(), "the other stays");
        Ok(())
    });
}

fn ending_other_sessions_keeps_the_current_one(store) {
    in_tx(&store, |tx| {
        for hash in ["laptop", "phone", "tablet"] {
            web::open_session(tx, "ana@x.example", &new_session(hash, NOW))?;
        }
        web::open_session(tx, "bea@x.example", &new_session("bea", NOW))?;
        assert_eq!(web::end_other_sessions(tx, "ana@x.example", "laptop", NOW + 5)?, 2);
        assert!(web::session(tx, "laptop", NOW + 6)?.is_some());
        assert_eq!(web::session(tx, "phone", NOW + 6)?, None);
        assert_eq!(web::session(tx, "tablet", NOW + 6)?, None);
        assert!(web::session(tx, "bea", NOW + 6)?.is_some(), "not another's");
        assert_eq!(
            web::end_other_sessions(tx, "ana@x.example", "laptop", NOW + 7)?,
            0,
            "ended ones are not counted again"
        );
        Ok(())
    });
}

fn a_password_is_set_replaced_and_removed(store) {
    in_tx(&store, |tx| {
        let ana = "ana@x.example";
        assert_eq!(web::password_hash(tx, ana)?, None);
        assert!(web::set_password(tx, ana, Some("hash-1"), NOW)?);
        assert_eq!(web::password_hash(tx, ana)?.as_deref(), Some("hash-1"));
        assert!(web::set_password(tx, ana, Some("hash-2"), NOW + 1)?);
        assert_eq!(web::password_hash(tx, ana)?.as_deref(), Some("hash-2"));
        assert_eq!(web::password_hash(tx, "bea@x.example")?, None);
        assert!(web::set_password(tx, ana, None, NOW + 2)?, "it had one");
        assert_eq!(web::password_hash(tx, ana)?, None);
        assert!(!web::set_password(tx, ana, None, NOW + 3)?, "nothing to remove");
        Ok(())
    });
}

fn password_attempts_are_limited_until_one_passes(store) {
    in_tx(&store, |tx| {
        let (ana, bea) = ("ana@x.example", "bea@x.example");
        let window = (NOW - 900, 3);
        assert!(web::password_attempt(tx, ana, window, NOW - 1_000)?, "before the window");
        for at in [NOW - 10, NOW - 5, NOW] {
            assert!(web::password_attempt(tx, ana, window, at)?);
        }
        assert!(!web::password_attempt(tx, ana, window, NOW + 1)?, "three in the window");
        assert_eq!(rows(tx, "web_password_failures")?, 4, "a refused one is not counted");
        assert!(web::password_attempt(tx, bea, window, NOW + 1)?, "another address");
        web::password_passed(tx, ana)?;
        assert!(web::password_attempt(tx, ana, window, NOW + 2)?, "forgotten");
        for at in [NOW + 3, NOW + 4] {
            assert!(web::password_attempt(tx, ana, window, at)?);
        }
        assert!(!web::password_attempt(tx, ana, window, NOW + 5)?);
        web::set_password(tx, ana, Some("new"), NOW + 6)?;
        assert!(web::password_attempt(tx, ana, window, NOW + 7)?, "a new password forgets");
        Ok(())
    });
}

fn a_one_click_link_acts_once(store) {
    let used = |step| LinkUse {
        nonce: "n-1",
        mention: 7,
        step,
        recipient: "ana@x.example",
    };
    in_tx(&store, move |tx| {
        assert!(!web::link_used(tx, "n-1")?);
        assert!(web::use_link(tx, &used("ack"), NOW)?);
        assert!(web::link_used(tx, "n-1")?);
        assert!(!web::link_used(tx, "n-2")?);
        assert!(!web::use_link(tx, &used("resolve"), NOW + 1)?, "used before");
        let step: String = tx.query_row(
            "SELECT step FROM web_link_uses WHERE nonce = ?1",
            ["n-1"],
            |r| r.get(0),
        )?;
        assert_eq!(step, "ack", "the first use is the one recorded");
        Ok(())
    });
}

fn pruning_forgets_only_what_can_no_longer_be_used(store) {
    let ana = "ana@x.example";
    let uses_before = NOW - 14 * DAY;
    let removed = in_tx(&store, move |tx| {
        web::add_login(tx, "expired-long-ago", ana, NOW - 3 * DAY, NOW - DAY - 1)?;
        web::add_login(tx, "expired-today", ana, NOW - DAY, NOW - 10)?;
        web::add_login(tx, "live", ana, NOW, NOW + 600)?;
        let ended = NewSession { expires_at: NOW - DAY - 1, ..new_session("ended", NOW - 2 * DAY) };
        web::open_session(tx, ana, &ended)?;
        for hash in ["revoked-long-ago", "revoked-today", "open"] {
            web::open_session(tx, ana, &new_session(hash, NOW))?;
        }
        web::revoke(tx, "revoked-long-ago", NOW - DAY - 1)?;
        web::revoke(tx, "revoked-today", NOW - 10)?;
        let link = |nonce| LinkUse { nonce, mention: 1, step: "ack", recipient: ana };
        web::use_link(tx, &link("old"), uses_before - 1)?;
        web::use_link(tx, &link("recent"), uses_before)?;
        web::password_attempt(tx, ana, (0, 10), NOW - DAY - 1)?;
        web::password_attempt(tx, ana, (0, 10), NOW - 10)?;
        web::prune(tx, NOW, uses_before)
    });
    assert_eq!(removed, 5, "a link, two sessions, a link use, a failed password");
    store
        .call_blocking(|c| {
            assert_eq!(web::logins_since(c, ana, 0)?, 2, "expired less than a day ago stays");
            assert_eq!(web::pending_login(c, "live", NOW)?.as_deref(), Some(ana));
            assert_eq!(rows(c, "web_sessions")?, 2, "revoked today, and open");
            assert!(web::session(c, "open", NOW)?.is_some());
            assert!(web::link_used(c, "recent")?);
            assert!(!web::link_used(c, "old")?);
            assert_eq!(rows(c, "web_password_failures")?, 1);
            assert_eq!(web::prune(c, NOW, uses_before)?, 0, "nothing more to forget");
            Ok(())
        })
        .unwrap();
}

fn a_user_is_added_listed_and_updated_in_place(store) {
    in_tx(&store, |tx| {
        users::add(tx, &user("bea@x.example", &["support", "sales"], false))?;
        users::add(tx, &user("ana@x.example", &[], true))?;
        assert_eq!(
            users::get(tx, "bea@x.example")?,
            Some(user("bea@x.example", &["support", "sales"], false))
        );
        assert_eq!(users::get(tx, "cid@x.example")?, None);
        let again = User {
            added_at: NOW + 100,
            added_by: "someone else".into(),
            ..user("bea@x.example", &["legal"], true)
        };
        users::add(tx, &again)?;
        assert_eq!(
            users::list(tx)?,
            vec![
                user("ana@x.example", &[], true),
                // Teams and admin replaced; when and by whom kept.
                user("bea@x.example", &["legal"], true),
            ]
        );
        Ok(())
    });
}

fn removing_a_user_ends_their_password_and_sessions(store) {
    in_tx(&store, |tx| {
        for email in ["ana@x.example", "bea@x.example"] {
            users::add(tx, &user(email, &["support"], false))?;
            web::set_password(tx, email, Some("hash"), NOW)?;
            web::open_session(tx, email, &new_session(email, NOW))?;
        }
        assert!(users::remove(tx, "ana@x.example", NOW + 1)?);
        assert_eq!(users::get(tx, "ana@x.example")?, None);
        assert_eq!(web::password_hash(tx, "ana@x.example")?, None);
        assert_eq!(web::session(tx, "ana@x.example", NOW + 2)?, None);
        assert!(!users::remove(tx, "ana@x.example", NOW + 3)?, "no such user now");
        assert_eq!(users::list(tx)?.len(), 1);
        assert!(web::password_hash(tx, "bea@x.example")?.is_some());
        assert!(web::session(tx, "bea@x.example", NOW + 2)?.is_some());
        Ok(())
    });
}

fn resetting_a_user_forgets_the_password_and_ends_sessions(store) {
    in_tx(&store, |tx| {
        let ana = "ana@x.example";
        users::add(tx, &user(ana, &["support"], false))?;
        web::set_password(tx, ana, Some("hash"), NOW)?;
        for hash in ["laptop", "phone", "signed-out"] {
            web::open_session(tx, ana, &new_session(hash, NOW))?;
        }
        web::revoke(tx, "signed-out", NOW + 1)?;
        web::password_attempt(tx, ana, (0, 1), NOW + 1)?;
        assert_eq!(users::reset(tx, ana, NOW + 2)?, (true, 2));
        assert_eq!(web::password_hash(tx, ana)?, None);
        assert_eq!(web::session(tx, "laptop", NOW + 3)?, None);
        assert_eq!(web::session(tx, "phone", NOW + 3)?, None);
        assert!(web::password_attempt(tx, ana, (0, 1), NOW + 3)?, "failures forgotten");
        assert!(users::get(tx, ana)?.is_some(), "still a user");
        assert_eq!(users::reset(tx, ana, NOW + 4)?, (false, 0));
        Ok(())
    });
}
}
