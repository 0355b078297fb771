-- The license authority (R1–R8): its registry, grants, real-name sessions, the built-in
-- identity-proofing outbox, downloaded licenses, proof challenges and its own keys.

CREATE TABLE enterprises (
    uscc                   TEXT PRIMARY KEY CHECK (length(uscc) = 18),
    name                   TEXT NOT NULL,
    kind                   TEXT NOT NULL,
    lr_name                TEXT NOT NULL,
    lr_id_number           TEXT NOT NULL CHECK (length(lr_id_number) = 18),
    lr_phone               TEXT NOT NULL,
    registered_capital     TEXT NOT NULL,
    established            TEXT NOT NULL,
    business_term          TEXT NOT NULL,
    domicile               TEXT NOT NULL,
    business_scope         TEXT NOT NULL,
    registration_authority TEXT NOT NULL,
    locality               TEXT NOT NULL CHECK (length(locality) = 6)
);
CREATE INDEX enterprises_locality ON enterprises (locality);
CREATE INDEX enterprises_lr ON enterprises (lr_id_number);

-- Admin appointments (R5) and agent authorizations (R6).
CREATE TABLE grants (
    id           TEXT PRIMARY KEY,
    uscc         TEXT NOT NULL REFERENCES enterprises (uscc),
    role         TEXT NOT NULL CHECK (role IN ('license_admin', 'agent')),
    name         TEXT NOT NULL,
    id_number    TEXT NOT NULL CHECK (length(id_number) = 18),
    phone        TEXT NOT NULL,
    scope        TEXT NOT NULL,
    period_start BIGINT,
    period_end   BIGINT,
    granted_by   TEXT NOT NULL,
    granted_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    revoked_by   TEXT,
    CHECK ((role = 'agent') = (period_start IS NOT NULL AND period_end IS NOT NULL)),
    CHECK (period_end IS NULL OR period_end > period_start)
);
CREATE INDEX grants_uscc ON grants (uscc, role);
CREATE INDEX grants_person ON grants (id_number);

CREATE TABLE realname_sessions (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    id_number        TEXT NOT NULL,
    phone            TEXT NOT NULL,
    code_hash        TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    token_hash       TEXT UNIQUE,
    token_expires_at BIGINT
);

CREATE TABLE outbox (
    id    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone TEXT NOT NULL,
    text  TEXT NOT NULL,
    code  TEXT NOT NULL,
    at    BIGINT NOT NULL
);
CREATE INDEX outbox_phone ON outbox (phone);

-- One row per downloaded copy: a license certificate bound to one phone's key.
CREATE TABLE licenses (
    serial      TEXT PRIMARY KEY,
    uscc        TEXT NOT NULL REFERENCES enterprises (uscc),
    id_number   TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('legal_representative', 'license_admin', 'agent')),
    grant_id    TEXT REFERENCES grants (id),
    device_key  BYTEA NOT NULL,
    certificate BYTEA NOT NULL,
    issued_at   BIGINT NOT NULL,
    revoked_at  BIGINT,
    CHECK ((role = 'legal_representative') = (grant_id IS NULL))
);
CREATE INDEX licenses_person ON licenses (id_number);
CREATE INDEX licenses_entity ON licenses (uscc, role);

CREATE TABLE challenges (
    challenge  TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);

CREATE TABLE authority_keys (
    name        TEXT PRIMARY KEY,
    keystore    BYTEA NOT NULL,
    certificate BYTEA NOT NULL
);
