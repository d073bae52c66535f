-- Sending paused by a failure of the mail set-up, not of a mail (the
-- server refused the login, the TLS certificate is not trusted): one row
-- while it lasts, so that /healthz, /metrics, `vigia outbox` and
-- `vigia check` can all say so. The mail stays queued.
CREATE TABLE mail_pause (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    reason TEXT NOT NULL,
    since INTEGER NOT NULL
);
