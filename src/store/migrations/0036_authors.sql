-- Who wrote a mention and how far it reached, where its source says
-- (a handle; followers, score or views): shown in digests and the inbox,
-- and tested by routes with min_reach.
ALTER TABLE mentions ADD COLUMN author TEXT;
ALTER TABLE mentions ADD COLUMN reach INTEGER;
ALTER TABLE mentions ADD COLUMN reach_kind TEXT;
