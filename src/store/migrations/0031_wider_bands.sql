-- Near duplicates are looked up in four 16-bit bands of the SimHash
-- instead of five of 12 and 13 bits (see pipeline::dedupe::bands): each
-- lookup reads a sixteenth as many index rows (about 60 instead of 600
-- at 1,000,000 mentions of a brand) and still finds every fingerprint
-- within 3 bits, as far apart as copies of one text go (issue 21).
DELETE FROM mention_bands;
INSERT INTO mention_bands (brand, band, value, first_seen_at, fingerprint, mention_id)
    SELECT brand, 0, fingerprint & 65535, first_seen_at, fingerprint, id
      FROM mentions WHERE fp_words >= 12
    UNION ALL
    SELECT brand, 1, (fingerprint >> 16) & 65535, first_seen_at, fingerprint, id
      FROM mentions WHERE fp_words >= 12
    UNION ALL
    SELECT brand, 2, (fingerprint >> 32) & 65535, first_seen_at, fingerprint, id
      FROM mentions WHERE fp_words >= 12
    UNION ALL
    SELECT brand, 3, (fingerprint >> 48) & 65535, first_seen_at, fingerprint, id
      FROM mentions WHERE fp_words >= 12;
