-- Each mention keeps its whole text (as the pipeline read it, bounded),
-- for `mentions show` and for full-text search. Mentions stored before
-- this version have only their quote.
ALTER TABLE mentions ADD COLUMN text TEXT;

-- Full-text search over title and text, accents folded ("reclamacao"
-- finds "reclamação"). The index reads its content from `mentions`; the
-- triggers keep it in step, indexing the quote where there is no text.
CREATE VIRTUAL TABLE mentions_fts USING fts5 (
    title, text,
    content = 'mentions', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO mentions_fts (rowid, title, text)
    SELECT id, title, coalesce(text, snippet) FROM mentions;
CREATE TRIGGER mentions_fts_insert AFTER INSERT ON mentions BEGIN
    INSERT INTO mentions_fts (rowid, title, text)
        VALUES (new.id, new.title, coalesce(new.text, new.snippet));
END;
CREATE TRIGGER mentions_fts_delete AFTER DELETE ON mentions BEGIN
    INSERT INTO mentions_fts (mentions_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, coalesce(old.text, old.snippet));
END;
CREATE TRIGGER mentions_fts_update AFTER UPDATE OF title, text, snippet ON mentions BEGIN
    INSERT INTO mentions_fts (mentions_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, coalesce(old.text, old.snippet));
    INSERT INTO mentions_fts (rowid, title, text)
        VALUES (new.id, new.title, coalesce(new.text, new.snippet));
END;
