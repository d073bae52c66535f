-- /metrics counts mentions by brand and sentiment label on every scrape:
-- a covering index makes that a scan of the index, not of the mentions.
CREATE INDEX mentions_brand_label ON mentions (brand, sentiment_label);
