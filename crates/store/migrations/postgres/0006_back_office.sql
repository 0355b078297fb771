-- The platform's back office (后台): its users (window staff who register tenderers and
-- purchasers, R11; reviewers later) and their sessions. The refused answer's message beside its
-- code, so the PC page can show it verbatim.
CREATE TABLE back_office_users (
    username      TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('staff', 'reviewer')),
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE back_office_sessions (
    id_hash    TEXT PRIMARY KEY,
    username   TEXT NOT NULL REFERENCES back_office_users (username),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('active', 'ended'))
);

ALTER TABLE qr_requests ADD COLUMN last_error_message TEXT;
