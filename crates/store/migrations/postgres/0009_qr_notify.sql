-- Every change of a QR request's state, short code, wrong tries or last error is announced on
-- the channel `yizhao_qr` (payload: the request's id), delivered when the change commits and
-- not at all if it rolls back. The replicas listen there, so that a page waiting on one replica
-- hears an answer taken by another, with no extra statement per change.
CREATE FUNCTION yizhao_qr_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('yizhao_qr', NEW.id);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER qr_requests_changed
    AFTER UPDATE OF state, short_code, wrong_tries, last_error, last_error_message ON qr_requests
    FOR EACH ROW EXECUTE FUNCTION yizhao_qr_changed();
