-- Login throttling (PostgreSQL). Failed logins are counted here, not in memory, so every server process on
-- this database sees the same counts and locks. `throttle_key` is the SHA-256 (hex) of
-- "user:<normalized username>" or "ip:<client address>": no username, mistyped password or address is
-- stored in clear. Times are unix seconds; a row is deleted once it neither counts nor locks.
CREATE TABLE login_throttle (
    throttle_key  TEXT PRIMARY KEY,
    failures      BIGINT NOT NULL,
    window_start  BIGINT NOT NULL,
    locked_until  BIGINT NOT NULL
);
