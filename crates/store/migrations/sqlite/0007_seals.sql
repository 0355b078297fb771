-- The seal authority (R13–R16): uploaded impressions and their review, the seals made from them
-- (GB/T 38540 SESeal, DER), their collections onto licenses, seal admins per seal type and seal
-- use grants with counted uses. Entities are named by USCC without a foreign key: non-market
-- entities are not in the market registry.
CREATE TABLE impressions (
    id          TEXT PRIMARY KEY,
    uscc        TEXT NOT NULL,
    seal_type   TEXT NOT NULL CHECK (seal_type IN ('official', 'finance', 'contract', 'invoice', 'legal_rep_name', 'bid', 'business')),
    shape       TEXT NOT NULL CHECK (shape IN ('round', 'oval', 'square', 'rectangle')),
    width_mm    INTEGER NOT NULL CHECK (width_mm > 0),
    height_mm   INTEGER NOT NULL CHECK (height_mm > 0),
    picture     BLOB NOT NULL,
    quality     TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    signature   BLOB NOT NULL,
    uploaded_at INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'superseded')),
    reviewed_by TEXT,
    reviewed_at INTEGER,
    reason      TEXT
);
CREATE INDEX impressions_entity ON impressions (uscc, uploaded_at);
CREATE INDEX impressions_state ON impressions (state, uploaded_at);

CREATE TABLE seals (
    id            TEXT PRIMARY KEY,
    uscc          TEXT NOT NULL,
    seal_type     TEXT NOT NULL,
    name          TEXT NOT NULL,
    impression_id TEXT NOT NULL REFERENCES impressions (id),
    valid_start   INTEGER NOT NULL,
    valid_end     INTEGER NOT NULL CHECK (valid_end > valid_start),
    made_at       INTEGER NOT NULL,
    made_by       TEXT NOT NULL,
    seal          BLOB NOT NULL,
    superseded_at INTEGER
);
CREATE INDEX seals_entity ON seals (uscc, seal_type);

CREATE TABLE seal_collections (
    id             TEXT PRIMARY KEY,
    seal_id        TEXT NOT NULL REFERENCES seals (id),
    license_serial TEXT NOT NULL,
    grant_id       TEXT,
    seal           BLOB NOT NULL,
    collected_at   INTEGER NOT NULL,
    deleted_at     INTEGER
);
CREATE INDEX seal_collections_license ON seal_collections (license_serial);

CREATE TABLE seal_admins (
    id           TEXT PRIMARY KEY,
    uscc         TEXT NOT NULL,
    seal_type    TEXT NOT NULL,
    name         TEXT NOT NULL,
    id_number    TEXT NOT NULL CHECK (length(id_number) = 18),
    appointed_by TEXT NOT NULL,
    appointed_at INTEGER NOT NULL,
    revoked_at   INTEGER,
    revoked_by   TEXT
);
CREATE INDEX seal_admins_person ON seal_admins (uscc, id_number);

CREATE TABLE seal_use_grants (
    id           TEXT PRIMARY KEY,
    uscc         TEXT NOT NULL,
    seal_type    TEXT NOT NULL,
    name         TEXT NOT NULL,
    id_number    TEXT NOT NULL CHECK (length(id_number) = 18),
    period_start INTEGER NOT NULL,
    period_end   INTEGER NOT NULL CHECK (period_end > period_start),
    reason       TEXT NOT NULL,
    scope        TEXT NOT NULL,
    uses_total   INTEGER NOT NULL CHECK (uses_total > 0),
    uses_left    INTEGER NOT NULL CHECK (uses_left >= 0 AND uses_left <= uses_total),
    granted_by   TEXT NOT NULL,
    granted_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    revoked_by   TEXT
);
CREATE INDEX seal_use_grants_person ON seal_use_grants (uscc, id_number);

-- The seal authority's own keys (its root CA and the seal maker), sealed under the server's key
-- password, so every replica loads the same ones.
CREATE TABLE seal_keys (
    name        TEXT PRIMARY KEY,
    keystore    BLOB NOT NULL,
    certificate BLOB NOT NULL
);
