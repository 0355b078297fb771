-- Password-login attempts per account and per client address (issue #15): a counter per key
-- ('account:<name>' or 'address:<ip>') within a window, locked past its limit. Kept here, not in
-- memory, so that every replica counts the same attempts.
CREATE TABLE login_attempts (
    key          TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts     BIGINT NOT NULL CHECK (attempts >= 0),
    locked_until BIGINT NOT NULL
);
