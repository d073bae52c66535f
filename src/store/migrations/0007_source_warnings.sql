-- What the last successful poll of a source found wrong without failing:
-- a selector that matched nothing (the page changed its layout), a date
-- that did not parse. NULL when all was well.
ALTER TABLE sources ADD COLUMN warning TEXT;
