-- Which daemon polls a source now, and until when its lease holds: with
-- several daemons on one database (PostgreSQL), each due source is polled
-- by the one that leased it; a daemon that dies loses its leases when they
-- expire.
ALTER TABLE sources ADD COLUMN leased_by TEXT;
ALTER TABLE sources ADD COLUMN leased_until INTEGER;
