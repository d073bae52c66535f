-- Near-duplicate lookup in constant time: each fingerprinted mention is
-- filed under the five bands of its SimHash (13, 13, 13, 13 and 12 bits;
-- see pipeline::dedupe::bands), so that a new candidate reads the few
-- mentions that share a band value, or one a bit away, instead of every
-- mention of its brand in the window.
CREATE TABLE mention_bands (
    brand         TEXT NOT NULL,
    band          INTEGER NOT NULL,
    value         INTEGER NOT NULL,
    first_seen_at INTEGER NOT NULL,
    mention_id    INTEGER NOT NULL REFERENCES mentions (id) ON DELETE CASCADE
);
CREATE INDEX mention_bands_lookup ON mention_bands (brand, band, value, first_seen_at);
CREATE INDEX mention_bands_mention ON mention_bands (mention_id);
-- Mentions fingerprinted before (12 words at least: dedupe::MIN_WORDS).
INSERT INTO mention_bands (brand, band, value, first_seen_at, mention_id)
    SELECT brand, 0, fingerprint & 8191, first_seen_at, id FROM mentions WHERE fp_words >= 12
    UNION ALL
    SELECT brand, 1, (fingerprint >> 13) & 8191, first_seen_at, id FROM mentions WHERE fp_words >= 12
    UNION ALL
    SELECT brand, 2, (fingerprint >> 26) & 8191, first_seen_at, id FROM mentions WHERE fp_words >= 12
    UNION ALL
    SELECT brand, 3, (fingerprint >> 39) & 8191, first_seen_at, id FROM mentions WHERE fp_words >= 12
    UNION ALL
    SELECT brand, 4, (fingerprint >> 52) & 4095, first_seen_at, id FROM mentions WHERE fp_words >= 12;
