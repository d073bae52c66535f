-- Negative spikes detected, one row per alert: the cool-down reads the
-- latest per brand.
CREATE TABLE spikes (
    id INTEGER PRIMARY KEY,
    brand TEXT NOT NULL,
    detected_at INTEGER NOT NULL,
    count INTEGER NOT NULL,
    expected REAL NOT NULL,
    p_value REAL NOT NULL,
    outbox_id INTEGER REFERENCES outbox (id)
);
CREATE INDEX spikes_brand ON spikes (brand, detected_at);
