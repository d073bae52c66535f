-- A pending mail is claimed before it is sent: the process that claims it
-- (`claimed_by`) has it until `claimed_until`, so two processes on one
-- database never send the same mail at once. A claim that outlives its
-- process (a crash mid-send) expires, and the mail goes to the next sender.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
