-- Tombstone compaction (docs/sync-protocol.md, "Tombstones and reset").
-- `pulled_upto`: the cursor a device last pulled from, i.e. what it has applied; the oldest among the
-- team's active devices bounds which tombstones may be removed.
ALTER TABLE client_state ADD COLUMN pulled_upto BIGINT NOT NULL DEFAULT 0;
-- `compacted_upto`: the highest seq of a removed tombstone. A device whose cursor is below it may have
-- missed a delete and must reset (410 reset_required).
ALTER TABLE team_counters ADD COLUMN compacted_upto BIGINT NOT NULL DEFAULT 0;
