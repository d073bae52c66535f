-- The outbox: every email, rendered, from the transaction that decided to
-- send it until the server took it. `key` names what the mail covers
-- (one digest per team and period, one alert per queue batch), so the
-- same mail is never queued twice.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    envelope_from TEXT NOT NULL,
    -- JSON array of addresses.
    envelope_to TEXT NOT NULL,
    subject TEXT NOT NULL,
    message BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    -- Set when the server refused it for good; it is not retried.
    failed_at INTEGER,
    sent_at INTEGER
);
CREATE INDEX outbox_due ON outbox (sent_at, failed_at, next_attempt_at);

-- Which outbox mail carried each queued alert.
ALTER TABLE alert_queue ADD COLUMN outbox_id INTEGER REFERENCES outbox (id);
