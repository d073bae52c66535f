//! The near-duplicate index: each brand's mentions of the last
//! [`FINGERPRINT_WINDOW_SECS`], filed under the four bands of their
//! fingerprint ([`buckets`]). A bucket is one row whose entries are packed
//! in a blob, oldest first: looking up a fingerprint reads four rows
//! whatever the store's size, and filing one rewrites them. (One index row
//! per band and mention read some 60 rows at 1,000,000 mentions of a
//! brand, and wrote three B-trees per band.)
//!
//! An entry is the mention's id, fingerprint and first sighting, 8 bytes
//! each, big-endian (as migration 33's `printf('%016x')` writes them).
//! Entries past the window are dropped when their bucket is next
//! rewritten, and skipped until then.

use std::collections::BTreeMap;

use crate::store::db::{params, Connection, OptionalExtension};

use super::FINGERPRINT_WINDOW_SECS;
use crate::pipeline::dedupe::{buckets, Fingerprint, BANDS, MAX_DISTANCE};
use crate::store::StoreError;

/// Bytes of one entry.
const ENTRY: usize = 24;

/// Entries a bucket keeps at most, the newest: about 70 times what a
/// bucket holds at 1,000,000 mentions of a brand in the window, so only a
/// flood of one fingerprint's neighbours reaches it, and filing into a
/// full bucket still rewrites 24 KB at most.
const MAX_ENTRIES: usize = 1024;

/// One filed mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    id: i64,
    hash: u64,
    seen_at: i64,
}

impl Entry {
    fn read(bytes: &[u8]) -> Entry {
        let word = |i: usize| {
            let mut out = [0; 8];
            out.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
            u64::from_be_bytes(out)
        };
        Entry {
            id: word(0) as i64,
            hash: word(1),
            seen_at: word(2) as i64,
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&self.hash.to_be_bytes());
        out.extend_from_slice(&self.seen_at.to_be_bytes());
    }
}

/// The entries of one bucket, oldest first (a blob whose length is not a
/// whole number of entries is read up to its last whole one).
fn entries(blob: &[u8]) -> impl Iterator<Item = Entry> + '_ {
    blob.chunks_exact(ENTRY).map(Entry::read)
}

/// The four buckets of one brand's fingerprint, as read for a lookup:
/// filing the mention after rewrites them without reading them again.
pub(super) struct Buckets<'a> {
    brand: &'a str,
    hash: u64,
    read: [(u32, Vec<u8>); BANDS],
}

impl<'a> Buckets<'a> {
    /// Reads the buckets of `brand` that fingerprint `hash` is filed under.
    pub fn read(conn: &Connection, brand: &'a str, hash: u64) -> Result<Buckets<'a>, StoreError> {
        let mut stmt = conn.prepare_cached(
            "SELECT entries FROM mention_buckets WHERE brand = ?1 AND bucket = ?2",
        )?;
        let mut read: [(u32, Vec<u8>); BANDS] = Default::default();
        for (slot, key) in read.iter_mut().zip(buckets(hash)) {
            let blob: Option<Vec<u8>> = stmt
                .query_row(params![brand, key], |r| r.get(0))
                .optional()?;
            *slot = (key, blob.unwrap_or_default());
        }
        Ok(Buckets { brand, hash, read })
    }

    /// The mentions first seen since `since` whose fingerprint is within
    /// [`MAX_DISTANCE`] bits of `fingerprint` (the one read for) and
    /// shares a band with it (every one within `FOUND_WITHIN` bits does):
    /// each id once, with its fingerprint.
    pub fn near(&self, fingerprint: &Fingerprint, since: i64) -> BTreeMap<i64, u64> {
        let mut found = BTreeMap::new();
        for (_, blob) in &self.read {
            for entry in entries(blob) {
                if entry.seen_at >= since && fingerprint.distance(entry.hash) <= MAX_DISTANCE {
                    found.insert(entry.id, entry.hash);
                }
            }
        }
        found
    }

    /// Files mention `id`, first seen at `now`, in these buckets, dropping
    /// what is past the window and, from a full bucket, the oldest.
    pub fn file(&self, conn: &Connection, id: i64, now: i64) -> Result<(), StoreError> {
        let since = now - FINGERPRINT_WINDOW_SECS;
        let new = Entry {
            id,
            hash: self.hash,
            seen_at: now,
        };
        let mut write = conn.prepare_cached(
            "INSERT INTO mention_buckets (brand, bucket, entries) VALUES (?1, ?2, ?3)
             ON CONFLICT (brand, bucket) DO UPDATE SET entries = excluded.entries",
        )?;
        for (key, blob) in &self.read {
            let kept: Vec<Entry> = entries(blob).filter(|e| e.seen_at >= since).collect();
            let skip = (kept.len() + 1).saturating_sub(MAX_ENTRIES);
            let mut out = Vec::with_capacity((kept.len() + 1 - skip) * ENTRY);
            for entry in kept.iter().skip(skip).chain([&new]) {
                entry.write(&mut out);
            }
            write.execute(params![self.brand, key, out])?;
        }
        Ok(())
    }
}

/// Files mention `id` of `brand`, first seen at `now`, under the bands of
/// its fingerprint `hash`. (Recording a mention files it; a bench that
/// builds a store in bulk calls this.)
pub fn file(
    conn: &Connection,
    brand: &str,
    id: i64,
    hash: u64,
    now: i64,
) -> Result<(), StoreError> {
    Buckets::read(conn, brand, hash)?.file(conn, id, now)
}

/// Where mention `id` is filed: each bucket's key and the fingerprint
/// filed there.
#[cfg(test)]
pub(crate) fn filed(conn: &Connection, id: i64) -> Result<Vec<(u32, u64)>, StoreError> {
    let mut stmt =
        conn.prepare("SELECT bucket, entries FROM mention_buckets ORDER BY brand, bucket")?;
    let rows = stmt.query_map(params![], |r| Ok((r.get::<u32>(0)?, r.get::<Vec<u8>>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (key, blob) = row?;
        out.extend(entries(&blob).filter(|e| e.id == id).map(|e| (key, e.hash)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_back_as_written() {
        let written = [
            Entry {
                id: 7,
                hash: 0xF0F0_1234_89AB_CDEF,
                seen_at: 1_700_000_000,
            },
            Entry {
                id: i64::MAX,
                hash: 0,
                seen_at: -1,
            },
        ];
        let mut blob = Vec::new();
        for entry in &written {
            entry.write(&mut blob);
        }
        // A torn last entry is not read.
        blob.push(1);
        assert_eq!(entries(&blob).collect::<Vec<_>>(), written);
    }

    crate::both_backends! {
    fn a_full_bucket_keeps_its_newest_entries_and_the_window(store) {
        let hash = 0x0123_4567_89AB_CDEF;
        let fingerprint = Fingerprint { hash, words: 40 };
        let day = 86_400;
        store
            .write_blocking(|tx| {
                // One mention filed long ago, then a flood of copies.
                file(tx, "Lumora", 1, hash, 0)?;
                let now = FINGERPRINT_WINDOW_SECS - day;
                let read = Buckets::read(tx, "Lumora", hash)?;
                assert_eq!(
                    read.near(&fingerprint, now - FINGERPRINT_WINDOW_SECS).len(),
                    1
                );
                for id in 2..(MAX_ENTRIES as i64 + 10) {
                    file(tx, "Lumora", id, hash, now + 2 * day)?;
                }
                let found = Buckets::read(tx, "Lumora", hash)?.near(&fingerprint, 3 * day);
                let ids: Vec<i64> = found.into_keys().collect();
                let newest: Vec<i64> = (10..MAX_ENTRIES as i64 + 10).collect();
                assert_eq!(ids, newest);
                // Another brand's bucket is its own.
                assert!(Buckets::read(tx, "Other", hash)?
                    .near(&fingerprint, 0)
                    .is_empty());
                Ok(())
            })
            .unwrap();
    }
    }
}
