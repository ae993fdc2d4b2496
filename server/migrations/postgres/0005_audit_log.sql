-- Audit log (issue 6): who viewed, changed or exported which case. Per team a hash chain
-- (server/src/audit.rs); its head is kept with the team's counter, which every writer locks.
CREATE TABLE audit_log (
    team_id     TEXT NOT NULL REFERENCES teams(id),
    n           BIGINT NOT NULL,
    at          TEXT NOT NULL,
    device_at   TEXT,
    actor       TEXT NOT NULL,
    client_id   TEXT,
    action      TEXT NOT NULL,
    record_kind TEXT,
    record_id   TEXT,
    case_id     TEXT,
    event_id    TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    PRIMARY KEY (team_id, n)
);
CREATE INDEX audit_log_case ON audit_log(team_id, case_id);
CREATE UNIQUE INDEX audit_log_event ON audit_log(team_id, event_id);
ALTER TABLE team_counters ADD COLUMN audit_n BIGINT NOT NULL DEFAULT 0;
ALTER TABLE team_counters ADD COLUMN audit_hash TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';
