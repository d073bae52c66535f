-- The band index carries each mention's fingerprint, so that a candidate
-- checks the distance on the index alone and reads the title only of the
-- mentions close enough to be its near duplicate (issue 21).
ALTER TABLE mention_bands ADD COLUMN fingerprint INTEGER NOT NULL DEFAULT 0;
UPDATE mention_bands
   SET fingerprint = (SELECT m.fingerprint FROM mentions m WHERE m.id = mention_id);
DROP INDEX mention_bands_lookup;
CREATE INDEX mention_bands_lookup
    ON mention_bands (brand, band, value, first_seen_at, fingerprint, mention_id);
