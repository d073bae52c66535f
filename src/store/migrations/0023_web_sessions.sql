-- The web inbox's sign-in: one-time links mailed to a team member, and
-- the sessions they open. Only hashes of the secrets are stored here (the
-- outbox drops a mail's body once it is sent).
CREATE TABLE web_logins (
    token_hash  TEXT PRIMARY KEY,
    email       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX web_logins_email ON web_logins (email, created_at);

CREATE TABLE web_sessions (
    token_hash  TEXT PRIMARY KEY,
    email       TEXT NOT NULL,
    csrf        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX web_sessions_email ON web_sessions (email);
