-- Spike detection reads a brand's negative mentions of the last week by
-- time, with their subjects (stories): a covering index, so the scan
-- never reads the mention rows.
CREATE INDEX mentions_brand_seen_sentiment ON mentions (brand, first_seen_at, sentiment, subject_id);
