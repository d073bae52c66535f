-- Copies of a story by their opening: a title shared by many stories (a
-- template's headline, "Update: outage") leaves too many candidates under
-- one title key, so a new mention also weighs the recent mentions whose
-- text opens with the same words (pipeline::dedupe::lead_key). Mentions
-- stored before have none.
ALTER TABLE mentions ADD COLUMN lead_key INTEGER;
CREATE INDEX mentions_lead_key ON mentions (brand, lead_key, first_seen_at)
    WHERE lead_key IS NOT NULL;
