-- The trading platform's QR requests (SYSTEM.md §4) and its own sealed signing key.
CREATE TABLE qr_requests (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('login', 'sign', 'encrypt', 'decrypt', 'impression')),
    requester_id TEXT NOT NULL,
    matter       TEXT NOT NULL,
    nonce        TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    session_hash TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'answered', 'completed', 'expired', 'refused')),
    license_id   TEXT,
    short_code   TEXT,
    wrong_tries  BIGINT NOT NULL DEFAULT 0,
    reason       TEXT,
    last_error   TEXT,
    body         TEXT NOT NULL,
    signature    BYTEA NOT NULL
);

CREATE TABLE platform_keys (
    name     TEXT PRIMARY KEY,
    keystore BYTEA NOT NULL
);
