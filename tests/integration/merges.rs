//! Undoing a wrong merge: `vigia mentions split ID SIGHTING` makes a
//! near duplicate stored as a sighting a mention of its own.

use crate::commands::polled;
use crate::helpers::stdout;

/// The stored mentions, as `mentions --format json` lists them.
fn rows(setup: &crate::helpers::Setup) -> Vec<serde_json::Value> {
    serde_json::from_str(&stdout(&setup.vigia(&["mentions", "--format", "json"])))
        .unwrap_or_default()
}

/// The sighting ids `mentions show` lists: (id, line).
fn sightings(shown: &str) -> Vec<(String, String)> {
    shown
        .lines()
        .filter_map(|l| {
            let id = l
                .trim_start()
                .strip_prefix('#')?
                .split_whitespace()
                .next()?;
            Some((id.to_string(), l.to_string()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_merged_copy_splits_off_into_a_mention_of_its_own() {
    let (_server, setup) = polled().await;
    let before = rows(&setup);
    // The recall story: one feed's item, and the other's copy at another
    // URL merged into it by content.
    let merged = before
        .iter()
        .find(|r| r["sightings"].as_i64() == Some(2))
        .cloned()
        .unwrap_or_else(|| panic!("no mention seen twice: {before:?}"));
    let id = merged["id"].to_string();
    let shown = stdout(&setup.vigia(&["mentions", "show", &id]));
    let listed = sightings(&shown);
    assert_eq!(listed.len(), 2, "{shown}");
    let (first, copy) = (&listed[0], &listed[1]);
    assert!(!first.1.ends_with("(merged copy)"), "{shown}");
    assert!(copy.1.ends_with("(merged copy)"), "{shown}");

    // The first sighting is the mention itself: nothing to split.
    let refused = setup.vigia(&["mentions", "split", &id, &first.0]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("not a merged copy"), "{err}");

    let out = stdout(&setup.vigia(&["mentions", "split", &id, &copy.0, "--by", "ana"]));
    let new = out
        .strip_prefix(&format!(
            "Sighting {} of mention {id} is now mention ",
            copy.0
        ))
        .and_then(|rest| rest.split(':').next())
        .unwrap_or_else(|| panic!("{out}"))
        .to_string();
    let after = rows(&setup);
    assert_eq!(after.len(), before.len() + 1);
    let find = |id: &str| {
        after
            .iter()
            .find(|r| r["id"].as_i64().map(|n| n.to_string()).as_deref() == Some(id))
            .cloned()
            .unwrap_or_else(|| panic!("mention {id}: {after:?}"))
    };
    let (old, split) = (find(&id), find(&new));
    assert_eq!(old["sightings"], 1);
    assert_eq!(split["sightings"], 1);
    assert_eq!(split["brand"], merged["brand"]);
    assert_eq!(
        split["status"], "routed",
        "triaged as a new mention: {split}"
    );
    assert!(split["severity"].is_string(), "{split}");
    // Where the copy was seen, and who split them, on both.
    let shown_new = stdout(&setup.vigia(&["mentions", "show", &new]));
    assert!(shown_new.contains(&format!("#{}", copy.0)), "{shown_new}");
    assert!(
        shown_new.contains(&format!("by ana: split off from mention {id}")),
        "{shown_new}"
    );
    let shown_old = stdout(&setup.vigia(&["mentions", "show", &id]));
    assert!(
        shown_old.contains(&format!(
            "by ana: sighting {} split off into mention {new}",
            copy.0
        )),
        "{shown_old}"
    );
    // Done once: the same split again changes nothing.
    let again = setup.vigia(&["mentions", "split", &id, &copy.0]);
    assert!(!again.status.success());
    assert_eq!(rows(&setup).len(), after.len());
}
