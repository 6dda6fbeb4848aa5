-- Payments and what happened to them, for PostgreSQL: as the SQLite
-- schema of the same number, with a BIGSERIAL event id.
CREATE TABLE payments (
    id                    TEXT PRIMARY KEY,
    store_id              TEXT NOT NULL,
    origin                TEXT NOT NULL,
    attempt_key           TEXT NOT NULL,
    cart_ref              TEXT,
    cart_json             TEXT NOT NULL,
    currency              TEXT NOT NULL,
    order_amount          BIGINT NOT NULL,
    order_tax_amount      BIGINT NOT NULL,
    place_order_mode      TEXT NOT NULL,
    status                TEXT NOT NULL,
    -- 1 while the payment may still be paid; one live payment per cart.
    live                  BIGINT NOT NULL,
    problem               TEXT,
    kp_session_id         TEXT,
    hpp_session_id        TEXT,
    hpp_json              TEXT,
    klarna_expires_at     BIGINT,
    deadline_at           BIGINT NOT NULL,
    klarna_updated_at     BIGINT,
    -- Server-side only: it can place an order.
    authorization_token   TEXT,
    order_id              TEXT,
    klarna_reference      TEXT,
    callback_secret_hash  TEXT NOT NULL,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    UNIQUE (store_id, attempt_key)
);
CREATE UNIQUE INDEX payments_one_live_per_cart ON payments (store_id, cart_ref) WHERE live = 1 AND cart_ref IS NOT NULL;
CREATE INDEX payments_open ON payments (live);
CREATE INDEX payments_store_created ON payments (store_id, created_at);

CREATE TABLE payment_events (
    id          BIGSERIAL PRIMARY KEY,
    payment_id  TEXT NOT NULL REFERENCES payments (id),
    status      TEXT NOT NULL,
    source      TEXT NOT NULL,
    detail      TEXT,
    at          BIGINT NOT NULL
);
CREATE INDEX payment_events_payment ON payment_events (payment_id, id);

-- Klarna's callback event ids, so a duplicated callback does nothing twice.
CREATE TABLE callback_events (
    event_id     TEXT PRIMARY KEY,
    payment_id   TEXT NOT NULL REFERENCES payments (id),
    received_at  BIGINT NOT NULL
);
