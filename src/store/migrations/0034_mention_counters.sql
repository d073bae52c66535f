-- /metrics counts mentions by brand and sentiment label on every scrape.
-- Counters kept by triggers answer that in a few rows, where the
-- covering index it read cost every new mention an index entry (4 µs at
-- 1,000,000 mentions: issue 21). The index by label and time goes too:
-- nothing reads by label alone (a listing by label also reads by time,
-- status or team).
CREATE TABLE mention_counts (
    brand TEXT NOT NULL,
    label TEXT NOT NULL,
    n     INTEGER NOT NULL,
    PRIMARY KEY (brand, label)
) WITHOUT ROWID;
INSERT INTO mention_counts (brand, label, n)
    SELECT brand, COALESCE(sentiment_label, 'unscored'), count(*) FROM mentions GROUP BY 1, 2;
CREATE TRIGGER mention_counts_insert AFTER INSERT ON mentions BEGIN
    INSERT INTO mention_counts (brand, label, n)
        VALUES (new.brand, COALESCE(new.sentiment_label, 'unscored'), 1)
        ON CONFLICT (brand, label) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER mention_counts_delete AFTER DELETE ON mentions BEGIN
    UPDATE mention_counts SET n = n - 1
     WHERE brand = old.brand AND label = COALESCE(old.sentiment_label, 'unscored');
END;
CREATE TRIGGER mention_counts_update AFTER UPDATE OF brand, sentiment_label ON mentions BEGIN
    UPDATE mention_counts SET n = n - 1
     WHERE brand = old.brand AND label = COALESCE(old.sentiment_label, 'unscored');
    INSERT INTO mention_counts (brand, label, n)
        VALUES (new.brand, COALESCE(new.sentiment_label, 'unscored'), 1)
        ON CONFLICT (brand, label) DO UPDATE SET n = n + 1;
END;
DROP INDEX mentions_brand_label;
DROP INDEX mentions_label;
