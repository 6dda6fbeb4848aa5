-- What each kiosk shows, so a restart shows the same screen: the basket
-- (as the self-checkout system sent it), the payment on screen, the
-- shopper's session and the screen's revision (saves keep the newest).
CREATE TABLE kiosk_screens (
    kiosk_id      TEXT PRIMARY KEY,
    cart_id       TEXT,
    cart_json     TEXT,
    attempt       BIGINT NOT NULL,
    payment_id    TEXT,
    last_paid_id  TEXT,
    session       BIGINT NOT NULL,
    revision      BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
