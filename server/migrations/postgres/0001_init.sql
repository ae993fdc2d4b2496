-- Passgenau schema 1 (PostgreSQL). Migrations are never edited once landed; add a new file instead.
CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    team_id       TEXT NOT NULL REFERENCES teams(id),
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

-- Browser sessions. Only the SHA-256 of the token is stored, so a database leak yields no live session.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- One counter row per team; bumped inside every write transaction so that pull cursors are gap-safe.
CREATE TABLE team_counters (
    team_id  TEXT PRIMARY KEY REFERENCES teams(id),
    seq      BIGINT NOT NULL
);

-- Current state of every synced record. `seq` is the team-wide position of its last change.
CREATE TABLE records (
    id          TEXT PRIMARY KEY,
    team_id     TEXT NOT NULL REFERENCES teams(id),
    kind        TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    deleted     BIGINT NOT NULL DEFAULT 0,
    body        TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX records_team_seq ON records(team_id, seq);

-- Per device: the last mutation id processed (applied or rejected), written with the change itself.
CREATE TABLE client_state (
    client_id       TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users(id),
    team_id         TEXT NOT NULL REFERENCES teams(id),
    last_processed  BIGINT NOT NULL DEFAULT 0,
    seen_at         TEXT NOT NULL
);

-- Mutations the server could not apply, kept with the reason so nothing vanishes silently.
CREATE TABLE rejected_mutations (
    client_id    TEXT NOT NULL,
    mutation_id  BIGINT NOT NULL,
    user_id      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    reason_de    TEXT NOT NULL,
    payload      TEXT NOT NULL,
    rejected_at  TEXT NOT NULL,
    PRIMARY KEY (client_id, mutation_id)
);
