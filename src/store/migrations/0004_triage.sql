-- Triage: each mention's severity, follow-up status and subject; the
-- teams it was routed to; the history of its status; recurring subjects;
-- and the urgent mentions waiting for delivery to send them.
ALTER TABLE mentions ADD COLUMN severity TEXT NOT NULL DEFAULT 'info';
ALTER TABLE mentions ADD COLUMN status TEXT NOT NULL DEFAULT 'new';
ALTER TABLE mentions ADD COLUMN subject_id INTEGER REFERENCES subjects (id);
CREATE INDEX mentions_status ON mentions (status, first_seen_at);
CREATE INDEX mentions_subject ON mentions (subject_id, first_seen_at);

CREATE TABLE subjects (
    id INTEGER PRIMARY KEY,
    brand TEXT NOT NULL,
    -- JSON: the features its mentions share (subjects::Profile).
    profile TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX subjects_recent ON subjects (brand, last_seen_at);

CREATE TABLE mention_teams (
    mention_id INTEGER NOT NULL REFERENCES mentions (id),
    team TEXT NOT NULL,
    PRIMARY KEY (mention_id, team)
) WITHOUT ROWID;
CREATE INDEX mention_teams_team ON mention_teams (team, mention_id);

CREATE TABLE mention_events (
    id INTEGER PRIMARY KEY,
    mention_id INTEGER NOT NULL REFERENCES mentions (id),
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT
);
CREATE INDEX mention_events_mention ON mention_events (mention_id, id);

-- Urgent and critical mentions, one row per team, until delivery sends
-- them (sent_at set).
CREATE TABLE alert_queue (
    id INTEGER PRIMARY KEY,
    mention_id INTEGER NOT NULL REFERENCES mentions (id),
    team TEXT NOT NULL,
    severity TEXT NOT NULL,
    queued_at INTEGER NOT NULL,
    sent_at INTEGER,
    UNIQUE (mention_id, team)
);
CREATE INDEX alert_queue_pending ON alert_queue (sent_at, queued_at);
