-- SQLite's migration 36: authors and reach.
ALTER TABLE mentions ADD COLUMN author TEXT;
ALTER TABLE mentions ADD COLUMN reach BIGINT;
ALTER TABLE mentions ADD COLUMN reach_kind TEXT;
