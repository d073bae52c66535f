-- One-click links in mail work once: the nonce of each link used, with
-- what it did and for whom.
CREATE TABLE web_link_uses (
    nonce       TEXT PRIMARY KEY,
    mention_id  INTEGER NOT NULL,
    step        TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    used_at     INTEGER NOT NULL
);
