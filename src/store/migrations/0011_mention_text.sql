-- Each mention keeps its whole text (as the pipeline read it, bounded),
-- for `mentions show` and for full-text search. Mentions stored before
-- this version had only their quote, which becomes their text.
ALTER TABLE mentions ADD COLUMN text TEXT;
UPDATE mentions SET text = snippet;

-- Full-text search over title and text, accents folded ("reclamacao"
-- finds "reclamação"). The index reads its content from `mentions` (so a
-- `rebuild` gives the same index); the triggers keep it in step.
CREATE VIRTUAL TABLE mentions_fts USING fts5 (
    title, text,
    content = 'mentions', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO mentions_fts (mentions_fts) VALUES ('rebuild');
CREATE TRIGGER mentions_fts_insert AFTER INSERT ON mentions BEGIN
    INSERT INTO mentions_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER mentions_fts_delete AFTER DELETE ON mentions BEGIN
    INSERT INTO mentions_fts (mentions_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER mentions_fts_update AFTER UPDATE OF title, text ON mentions BEGIN
    INSERT INTO mentions_fts (mentions_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO mentions_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
