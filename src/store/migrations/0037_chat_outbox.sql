-- Chat messages go through the outbox beside mail: a row with a channel
-- (`TEAM/KIND`) is posted to that channel, its message the payload.
ALTER TABLE outbox ADD COLUMN channel TEXT;
