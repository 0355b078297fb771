-- The append-only audit log, hash-chained with SM3 (SYSTEM.md §6).
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY CHECK (seq >= 1),
    at        BIGINT NOT NULL,
    actor     TEXT   NOT NULL,
    action    TEXT   NOT NULL,
    entity    TEXT   NOT NULL,
    detail    TEXT   NOT NULL,
    prev_hash TEXT   NOT NULL CHECK (length(prev_hash) = 64),
    hash      TEXT   NOT NULL CHECK (length(hash) = 64)
);

-- Append-only: the store never updates or deletes a record. Anyone able to drop these triggers
-- can still tamper, which is what the hash chain is for.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
