-- Passwords people set for the web inbox (optional: the mailed link
-- always works), as Argon2id PHC strings, and failed attempts, which
-- hold an address's password sign-in back for a while.
CREATE TABLE web_passwords (
    email  TEXT PRIMARY KEY,
    hash   TEXT NOT NULL,
    set_at INTEGER NOT NULL
);
CREATE TABLE web_password_failures (
    email TEXT NOT NULL,
    at    INTEGER NOT NULL
);
CREATE INDEX web_password_failures_email ON web_password_failures (email, at);
