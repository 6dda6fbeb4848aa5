-- Several instances share the following of open payments: each open
-- payment has a row saying when it is next read from Klarna, until when a
-- screen watches it (read often meanwhile), how long it has gone unwatched
-- (the back-off), and which instance holds it now and until when (a lease:
-- a dead instance's payments are taken over when it ends, sooner when its
-- database session is seen gone). Rows go when the payment ends.
CREATE TABLE payment_checks (
    payment_id     TEXT PRIMARY KEY REFERENCES payments (id),
    due_at         BIGINT NOT NULL,
    idle_ms        BIGINT NOT NULL,
    watched_until  BIGINT NOT NULL,
    claimed_by     BIGINT,
    claim_until    BIGINT NOT NULL
);
CREATE INDEX payment_checks_due ON payment_checks (due_at);
-- Wrong passwords at the till's sign-in, by a hash of store, name and
-- client, so the wait holds whichever instance the next try reaches.
CREATE TABLE sign_in_failures (
    key_hash  TEXT PRIMARY KEY,
    failures  BIGINT NOT NULL,
    last_at   BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_last ON sign_in_failures (last_at);
