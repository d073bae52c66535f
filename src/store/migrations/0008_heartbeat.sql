-- The running daemon's heartbeat: one row, rewritten every few seconds,
-- so a health check (systemd's watchdog, /healthz) knows the store still
-- takes writes.
CREATE TABLE heartbeat (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at INTEGER NOT NULL
);
