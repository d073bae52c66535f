-- SQLite's migration 35: source leases.
ALTER TABLE sources ADD COLUMN leased_by TEXT;
ALTER TABLE sources ADD COLUMN leased_until BIGINT;
