//! A feed with more items than one poll reads (`[limits] items_per_poll`):
//! the newest are read first and the rest on the next polls, where the
//! feed's position says how far down they got.
//!
//! The position is the key of the item that was newest when the backlog
//! began (the anchor) and how many items from it down have been read.
//! Each poll reads what is new above the anchor, then continues down; when
//! the anchor has left the feed, the backlog starts again from the top
//! (an item read twice is only a sighting of a known mention).

use crate::source::RawItem;

/// How far a feed's backlog has been read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backlog {
    /// The key of the newest item when this backlog began.
    anchor: String,
    /// Items read from the anchor down.
    taken: usize,
}

const PREFIX: &str = "backlog:";

impl Backlog {
    /// The backlog a feed's stored position holds, if any.
    pub fn parse(position: Option<&str>) -> Option<Backlog> {
        let (taken, anchor) = position?.strip_prefix(PREFIX)?.split_once(':')?;
        Some(Backlog {
            anchor: anchor.to_string(),
            taken: taken.parse().ok()?,
        })
    }

    /// The position to store.
    pub fn encode(&self) -> String {
        format!("{PREFIX}{}:{}", self.taken, self.anchor)
    }
}

/// An item's identity from poll to poll: its guid, else its link, else its
/// title and summary.
fn key(item: &RawItem) -> String {
    match (&item.guid, &item.url) {
        (Some(guid), _) if !guid.trim().is_empty() => format!("g{}", guid.trim()),
        (_, Some(url)) => format!("u{url}"),
        _ => format!(
            "t{}\n{}",
            item.title.as_deref().unwrap_or_default(),
            item.summary.as_deref().unwrap_or_default()
        ),
    }
}

/// Of `items`, the at most `cap` to read now, newest first (by date when
/// every item has one, else in the feed's order), and the backlog left.
pub fn take(
    mut items: Vec<RawItem>,
    previous: Option<Backlog>,
    cap: usize,
) -> (Vec<RawItem>, Option<Backlog>) {
    let cap = cap.max(1);
    if previous.is_none() && items.len() <= cap {
        return (items, None);
    }
    if items.iter().all(|i| i.published.is_some()) {
        // Stable: items of one date keep the feed's order.
        items.sort_by_key(|i| std::cmp::Reverse(i.published));
    }
    let keys: Vec<String> = items.iter().map(key).collect();
    let Some(top) = keys.first().cloned() else {
        return (items, None);
    };
    let found = previous.and_then(|b| {
        keys.iter()
            .position(|k| *k == b.anchor)
            .map(|i| (i, b.taken))
    });
    let (new, mut from) = match found {
        // New items above the anchor first, then on down from where the
        // last poll stopped.
        Some((above, taken)) if above < cap => (above, above + taken),
        // The anchor has gone, or more is new than a poll reads: from the
        // top.
        _ => (0, 0),
    };
    from = from.min(items.len());
    let end = (from + cap - new).min(items.len());
    let taken = end;
    let mut rest = items.split_off(new);
    let tail: Vec<RawItem> = rest.drain(from - new..end - new).collect();
    items.extend(tail);
    let left = (taken < keys.len()).then_some(Backlog { anchor: top, taken });
    (items, left)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(range: std::ops::Range<u32>) -> Vec<RawItem> {
        // Newest first, as feeds list them.
        range
            .rev()
            .map(|i| RawItem {
                guid: Some(format!("item-{i}")),
                ..RawItem::default()
            })
            .collect()
    }

    fn guids(items: &[RawItem]) -> Vec<u32> {
        items
            .iter()
            .filter_map(|i| i.guid.as_deref()?.strip_prefix("item-")?.parse().ok())
            .collect()
    }

    #[test]
    fn a_small_feed_is_read_whole() {
        let (items, left) = take(feed(0..5), None, 10);
        assert_eq!(guids(&items), vec![4, 3, 2, 1, 0]);
        assert_eq!(left, None);
    }

    #[test]
    fn a_large_feed_is_read_newest_first_over_several_polls() {
        // 25 items, 10 a poll: 10, 10, 5, then nothing left.
        let (first, left) = take(feed(0..25), None, 10);
        assert_eq!(guids(&first), (15..25).rev().collect::<Vec<_>>());
        let left = Backlog::parse(Some(&left.unwrap().encode()));
        assert_eq!(left.as_ref().map(|b| b.taken), Some(10));
        let (second, left) = take(feed(0..25), left, 10);
        assert_eq!(guids(&second), (5..15).rev().collect::<Vec<_>>());
        // Two new items arrive on top meanwhile: read first.
        let (third, left) = take(feed(0..27), left, 10);
        assert_eq!(guids(&third), vec![26, 25, 4, 3, 2, 1, 0]);
        assert_eq!(left, None);
    }

    #[test]
    fn a_vanished_anchor_starts_again_from_the_top() {
        let (_, left) = take(feed(0..25), None, 10);
        // The feed now lists other items entirely.
        let (items, left) = take(feed(100..130), left, 10);
        assert_eq!(guids(&items), (120..130).rev().collect::<Vec<_>>());
        assert_eq!(left.map(|b| b.taken), Some(10));
    }

    #[test]
    fn dated_items_are_read_newest_first_whatever_the_order() {
        let mut items = feed(0..30);
        for (n, item) in items.iter_mut().enumerate() {
            // Oldest first in the document.
            item.published = chrono::DateTime::from_timestamp(n as i64 * 60, 0);
        }
        let (first, _) = take(items, None, 5);
        let dates: Vec<i64> = first
            .iter()
            .filter_map(|i| i.published)
            .map(|d| d.timestamp())
            .collect();
        assert_eq!(dates, vec![29 * 60, 28 * 60, 27 * 60, 26 * 60, 25 * 60]);
    }
}
