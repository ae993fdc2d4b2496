-- Retention (§ 9b SGB VIII, domain/src/retention.rs): a deleted case file is not hard-deleted while its
-- retention runs. When compaction removes a tombstone of a case-file record from `records`, the record
-- (its last body) moves here. `keep_until` is set for the case itself (from its birth), NULL for its
-- parts (they go with their case) and for cases without a recorded birth (no end yet).
CREATE TABLE archived_records (
    id           TEXT PRIMARY KEY,
    team_id      TEXT NOT NULL REFERENCES teams(id),
    kind         TEXT NOT NULL,
    body         TEXT NOT NULL,
    deleted_by   TEXT NOT NULL,
    deleted_at   TEXT NOT NULL,
    archived_at  TEXT NOT NULL,
    keep_until   TEXT
);
CREATE INDEX archived_records_team ON archived_records(team_id);
