-- The trading platform's members (R11, R12, R22) and their logged-in PC sessions; the QR answer's
-- license certificate, so a completed login knows who logged in.
CREATE TABLE members (
    uscc                   TEXT PRIMARY KEY,
    name                   TEXT NOT NULL,
    kind                   TEXT NOT NULL CHECK (kind IN ('bidder', 'agency', 'tenderer', 'purchaser')),
    registered_at          INTEGER NOT NULL,
    registered_by          TEXT NOT NULL,
    kind_of_entity         TEXT NOT NULL,
    legal_representative   TEXT NOT NULL,
    registered_capital     TEXT NOT NULL,
    established            TEXT NOT NULL,
    business_term          TEXT NOT NULL,
    domicile               TEXT NOT NULL,
    business_scope         TEXT NOT NULL,
    registration_authority TEXT NOT NULL,
    locality               TEXT NOT NULL,
    contact_name           TEXT NOT NULL,
    contact_phone          TEXT NOT NULL,
    synced_at              INTEGER NOT NULL
);

CREATE TABLE member_sessions (
    id_hash     TEXT PRIMARY KEY,
    uscc        TEXT NOT NULL,
    license_id  TEXT NOT NULL,
    person_name TEXT NOT NULL,
    role        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('registering', 'active', 'ended'))
);

ALTER TABLE qr_requests ADD COLUMN answer_certificate BLOB;
ALTER TABLE qr_requests ADD COLUMN member_session_at INTEGER;
