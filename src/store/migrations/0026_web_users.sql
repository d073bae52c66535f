-- People an admin let into the web inbox with `vigia users add`, beside
-- the config's team recipients.
CREATE TABLE web_users (
    email     TEXT PRIMARY KEY,
    teams     TEXT NOT NULL DEFAULT '[]',
    admin     INTEGER NOT NULL DEFAULT 0,
    added_at  INTEGER NOT NULL,
    added_by  TEXT NOT NULL
);
