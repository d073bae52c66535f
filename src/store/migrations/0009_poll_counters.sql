-- Polls and failed polls per source, all time: the counters /metrics
-- serves (a failure is also a backoff).
ALTER TABLE sources ADD COLUMN polls_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN failures_total INTEGER NOT NULL DEFAULT 0;
