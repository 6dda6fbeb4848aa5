-- A paid order Kassa captures (in store, not captured by Klarna itself):
-- pending until Klarna confirms, so a crash or an outage never leaves the
-- merchant unpaid; then captured, or refused (to be captured by hand).
ALTER TABLE payments ADD COLUMN capture_status TEXT;
CREATE INDEX payments_capture_pending ON payments (capture_status) WHERE capture_status = 'pending';
