-- Per field of a record: the team position, device and user of its last write (JSON), so that the
-- server can tell a concurrent change from one made after seeing the other (docs/sync-protocol.md).
-- Conflict records themselves are ordinary rows of kind 'conflict'.
ALTER TABLE records ADD COLUMN field_versions TEXT NOT NULL DEFAULT '{}';
