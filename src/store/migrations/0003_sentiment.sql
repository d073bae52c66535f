-- Sentiment of each mention: the compound score, its label at the
-- configured thresholds, the language and the lexicon that scored it.
ALTER TABLE mentions ADD COLUMN sentiment REAL;
ALTER TABLE mentions ADD COLUMN sentiment_label TEXT;
ALTER TABLE mentions ADD COLUMN language TEXT;
ALTER TABLE mentions ADD COLUMN lexicon TEXT;
CREATE INDEX mentions_label ON mentions (sentiment_label, first_seen_at);
