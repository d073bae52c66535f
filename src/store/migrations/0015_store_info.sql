-- When this database began watching: no scheduled digest covers a period
-- that ended before it (a fresh install sends no empty digest for the day
-- before it existed). A database from before this migration began with
-- its first mention or poll.
CREATE TABLE store_info (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    created_at INTEGER NOT NULL
);
INSERT INTO store_info (id, created_at) VALUES (1, COALESCE(
    (SELECT min(first_seen_at) FROM mentions),
    (SELECT min(last_polled_at) FROM sources),
    CAST(strftime('%s', 'now') AS INTEGER)
));
