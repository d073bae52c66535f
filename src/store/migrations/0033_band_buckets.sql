-- The near-duplicate index keeps one row per brand and band value, its
-- mentions packed in a blob (store/mentions/buckets.rs), instead of one
-- row per mention and band: a lookup reads four rows whatever the
-- store's size, and filing a mention writes four rows instead of twelve
-- B-tree entries (issue 21). Entries are (id, fingerprint, first seen),
-- 8 bytes each, big-endian, oldest first; those past the 30-day window
-- are left behind.
CREATE TABLE mention_buckets (
    brand   TEXT NOT NULL,
    bucket  INTEGER NOT NULL,
    entries BLOB NOT NULL,
    PRIMARY KEY (brand, bucket)
) WITHOUT ROWID;
INSERT INTO mention_buckets (brand, bucket, entries)
    SELECT brand, (band << 16) | value,
           unhex(group_concat(printf('%016x%016x%016x', mention_id, fingerprint, first_seen_at),
                              '' ORDER BY mention_id))
      FROM mention_bands WHERE first_seen_at >= unixepoch() - 30 * 86400
     GROUP BY brand, band, value;
DROP TABLE mention_bands;
