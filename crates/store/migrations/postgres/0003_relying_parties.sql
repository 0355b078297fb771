-- Relying parties registered with the license authority (issue: QR login): who may ask a wallet
-- for a license proof, and for which matters. The wallet trusts the registered name in the
-- certificate the authority issues, never a name a request claims.
CREATE TABLE relying_parties (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    matters       TEXT NOT NULL,
    public_key    BYTEA NOT NULL,
    certificate   BYTEA NOT NULL,
    registered_at BIGINT NOT NULL,
    revoked_at    BIGINT
);
