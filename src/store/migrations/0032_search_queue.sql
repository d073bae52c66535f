-- A new mention is indexed for full-text search when its transaction
-- commits, all of a batch's in one statement, instead of row by row:
-- FTS5 writes what it holds to disk at every savepoint, so each write of
-- a batch (one savepoint each) left a one-mention segment for FTS5 to
-- merge, a sixth of the cost of storing a mention at 1,000,000 (issue
-- 21). The trigger queues the id; `mentions::index_queued` runs before
-- every commit. A queued mention deleted or edited before then is only
-- dequeued or left queued: the index never held it.
CREATE TABLE mentions_fts_queue (id INTEGER PRIMARY KEY);
DROP TRIGGER mentions_fts_insert;
DROP TRIGGER mentions_fts_delete;
DROP TRIGGER mentions_fts_update;
CREATE TRIGGER mentions_fts_insert AFTER INSERT ON mentions BEGIN
    INSERT INTO mentions_fts_queue (id) VALUES (new.id);
END;
CREATE TRIGGER mentions_fts_delete AFTER DELETE ON mentions BEGIN
    INSERT INTO mentions_fts (mentions_fts, rowid, title, text)
        SELECT 'delete', old.id, old.title, old.text
         WHERE NOT EXISTS (SELECT 1 FROM mentions_fts_queue WHERE id = old.id);
    DELETE FROM mentions_fts_queue WHERE id = old.id;
END;
CREATE TRIGGER mentions_fts_update AFTER UPDATE OF title, text ON mentions
    WHEN NOT EXISTS (SELECT 1 FROM mentions_fts_queue WHERE id = old.id)
BEGIN
    INSERT INTO mentions_fts (mentions_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO mentions_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
END;
