-- Why a mention got its severity, as JSON (points, sentiment, alarm terms,
-- subject count, source weight): alerts, digests and `mentions show` say
-- it in the reader's language.
ALTER TABLE mentions ADD COLUMN severity_reason TEXT;
