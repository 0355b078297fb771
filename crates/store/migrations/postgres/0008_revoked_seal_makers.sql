-- Revoked seal maker certificates (issue #5, GB/T 38540 seal verification step 3). The seal
-- root's CRL lists every one. The current maker stays in seal_keys 'maker'; a rotation replaces
-- that row and inserts the old maker here in the same transaction.
CREATE TABLE revoked_seal_makers (
    serial      TEXT PRIMARY KEY CHECK (length(serial) > 0 AND serial = lower(serial)),
    certificate BYTEA NOT NULL,
    revoked_at  BIGINT NOT NULL,
    reason      TEXT NOT NULL CHECK (length(reason) > 0)
);
