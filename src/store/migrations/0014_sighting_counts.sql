-- A sighting is one (mention, source, canonical URL): seeing it again
-- counts, it does not add a row. Feeds that rotate their GUIDs or put a
-- session id in their links added a row per item per poll.
ALTER TABLE sightings ADD COLUMN last_seen_at INTEGER;
ALTER TABLE sightings ADD COLUMN times INTEGER NOT NULL DEFAULT 1;
UPDATE sightings SET last_seen_at = seen_at;
