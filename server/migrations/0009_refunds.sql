-- Refunds of paid orders. A refund is recorded (pending) before Klarna is
-- asked, with its own idempotency key, so a crash or a lost answer never
-- refunds twice and never loses one. refunded_amount on the payment is the
-- sum Klarna confirmed, kept in the same write as the refund's status.
CREATE TABLE refunds (
    id                TEXT PRIMARY KEY,
    payment_id        TEXT NOT NULL REFERENCES payments (id),
    request_key       TEXT NOT NULL,
    amount            BIGINT NOT NULL,
    reference         TEXT,
    requested_by      TEXT NOT NULL,
    status            TEXT NOT NULL,
    problem           TEXT,
    klarna_refund_id  TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (payment_id, request_key)
);
CREATE INDEX refunds_pending ON refunds (status) WHERE status = 'pending';
ALTER TABLE payments ADD COLUMN refunded_amount BIGINT NOT NULL DEFAULT 0;
