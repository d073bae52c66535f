-- Spike detection reads a brand's negative mentions of the last week by
-- time, with their subjects (stories): a covering index, so the scan
-- never reads the mention rows. It begins with (brand, first_seen_at), so
-- it also serves every query the index of those two served.
CREATE INDEX mentions_brand_seen_sentiment ON mentions (brand, first_seen_at, sentiment, subject_id);
DROP INDEX mentions_brand_seen;
