-- A sighting merged into a mention by its content (a near duplicate at
-- another URL) keeps the item as it arrived, as JSON, so that a wrong
-- merge can be undone (`vigia mentions split`). NULL for a sighting at the
-- mention's own URL or item, which cannot be wrong.
ALTER TABLE sightings ADD COLUMN merged TEXT;
