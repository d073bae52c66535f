-- Subject placement and recurrence whose cost per mention is bounded
-- however large a brand's subjects grow (issue 21).
--
-- Each filed feature carries its subject's last sighting, so that a new
-- mention reads, per feature, only the subjects most recently seen with
-- it (a bounded number) instead of every subject ever filed under a
-- common word.
ALTER TABLE subject_features ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
UPDATE subject_features
   SET last_seen_at = (SELECT s.last_seen_at FROM subjects s WHERE s.id = subject_id);
DROP INDEX subject_features_lookup;
CREATE INDEX subject_features_recent ON subject_features (brand, key, last_seen_at);

-- Mentions per subject per hour: a subject's count in its window is a sum
-- of at most one row per hour of the window, not a count of its mentions.
CREATE TABLE subject_hours (
    subject_id INTEGER NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
    hour       INTEGER NOT NULL,
    mentions   INTEGER NOT NULL,
    PRIMARY KEY (subject_id, hour)
) WITHOUT ROWID;
INSERT INTO subject_hours (subject_id, hour, mentions)
    SELECT subject_id, first_seen_at / 3600, COUNT(*) FROM mentions
     WHERE subject_id IS NOT NULL GROUP BY subject_id, first_seen_at / 3600;
