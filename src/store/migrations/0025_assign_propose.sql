-- The web inbox: who a mention is assigned to, and the exclusions people
-- propose when they mark a mention "not relevant", for the config's owner.
ALTER TABLE mentions ADD COLUMN assignee TEXT;

CREATE TABLE exclusion_proposals (
    id           INTEGER PRIMARY KEY,
    mention_id   INTEGER NOT NULL REFERENCES mentions (id),
    brand        TEXT NOT NULL,
    source_id    TEXT,
    term         TEXT,
    proposed_by  TEXT NOT NULL,
    proposed_at  INTEGER NOT NULL,
    note         TEXT
);
