-- Copies of a story under its own title: a short text's SimHash moves
-- many bits for one changed line, so a new mention also weighs the recent
-- mentions filed under the same title key (pipeline::dedupe::title_key).
-- Mentions stored before have none: they are found by fingerprint only.
ALTER TABLE mentions ADD COLUMN title_key INTEGER;
CREATE INDEX mentions_title_key ON mentions (brand, title_key, first_seen_at)
    WHERE title_key IS NOT NULL;
