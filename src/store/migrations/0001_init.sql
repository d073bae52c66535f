-- Sources and where each left off (Miniflux keeps the same state per feed).
CREATE TABLE sources (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    config_url      TEXT NOT NULL,
    cursor          TEXT NOT NULL DEFAULT '{}',
    error_count     INTEGER NOT NULL DEFAULT 0,
    next_check_at   INTEGER NOT NULL DEFAULT 0,
    last_polled_at  INTEGER,
    last_success_at INTEGER,
    last_error      TEXT,
    last_error_at   INTEGER,
    items_total     INTEGER NOT NULL DEFAULT 0,
    mentions_total  INTEGER NOT NULL DEFAULT 0
);

-- One row per (brand, story), with the SimHash of its text.
CREATE TABLE mentions (
    id             INTEGER PRIMARY KEY,
    brand          TEXT NOT NULL,
    url            TEXT,
    title          TEXT NOT NULL,
    snippet        TEXT NOT NULL,
    terms          TEXT NOT NULL,
    fingerprint    INTEGER NOT NULL,
    fp_words       INTEGER NOT NULL,
    source_id      TEXT NOT NULL,
    published_at   INTEGER,
    first_seen_at  INTEGER NOT NULL
);
CREATE INDEX mentions_brand_url ON mentions (brand, url) WHERE url IS NOT NULL;
CREATE INDEX mentions_seen ON mentions (first_seen_at);
CREATE INDEX mentions_brand_seen ON mentions (brand, first_seen_at);

-- Every place and time a mention was seen.
CREATE TABLE sightings (
    id          INTEGER PRIMARY KEY,
    mention_id  INTEGER NOT NULL REFERENCES mentions (id) ON DELETE CASCADE,
    source_id   TEXT NOT NULL,
    item_key    TEXT NOT NULL,
    url         TEXT NOT NULL DEFAULT '',
    seen_at     INTEGER NOT NULL,
    UNIQUE (mention_id, source_id, url)
);
CREATE INDEX sightings_item ON sightings (source_id, item_key);
