-- Roles and administration (domain/src/roles.rs). Accounts are never deleted (the audit log names
-- them): an admin deactivates them; an inactive account cannot log in and has no session.
ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
-- What exactly an audit entry records, in words (server/src/audit.rs); covered by the entry's hash
-- only when present, so entries written before stay valid.
ALTER TABLE audit_log ADD COLUMN detail TEXT;
-- The module catalog as an admin changed it, one row per version (the newest counts). Without a row
-- the catalog built into the app applies (domain/data/catalog.toml).
CREATE TABLE catalog_versions (
    n           INTEGER PRIMARY KEY,
    body        TEXT NOT NULL,
    changed_by  TEXT NOT NULL,
    changed_at  TEXT NOT NULL
);
