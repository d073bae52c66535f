-- Alert mails a reply may act on: who each went to and the mentions it
-- named. A reply names its mail by a signed token (in the subject and in
-- the Message-ID it answers); the token is not stored.
CREATE TABLE reply_mails (
    id         INTEGER PRIMARY KEY,
    -- JSON array of addresses, in lower case.
    recipients TEXT NOT NULL,
    -- JSON array of mention ids.
    mentions   TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX reply_mails_created ON reply_mails (created_at);

-- Replies read, by Message-ID: each acts once, however often its mailbox
-- is read again.
CREATE TABLE replies_read (
    message_id TEXT PRIMARY KEY,
    sender     TEXT NOT NULL,
    read_at    INTEGER NOT NULL,
    -- What came of it: the steps taken, or why it was ignored.
    outcome    TEXT NOT NULL
);
CREATE INDEX replies_read_at ON replies_read (read_at);
