-- Subject placement in time that does not grow with the subjects: each
-- subject's feature keys, so that a new mention reads only the subjects it
-- shares a feature with (no other can take it: see subjects::admits).
CREATE TABLE subject_features (
    subject_id INTEGER NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
    brand      TEXT NOT NULL,
    key        TEXT NOT NULL,
    PRIMARY KEY (subject_id, key)
) WITHOUT ROWID;
CREATE INDEX subject_features_lookup ON subject_features (brand, key);
INSERT OR IGNORE INTO subject_features (subject_id, brand, key)
    SELECT s.id, s.brand, f.key FROM subjects s, json_each(s.profile, '$.features') f;
