-- Where a mention comes from beyond its source: the site an alert result
-- names, the sender of a mail; and the alert query that found it.
ALTER TABLE mentions ADD COLUMN origin TEXT;
ALTER TABLE mentions ADD COLUMN alert_query TEXT;
