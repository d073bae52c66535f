-- SQLite's migration 37: chat messages in the outbox.
ALTER TABLE outbox ADD COLUMN channel TEXT;
