-- Payments whose creation lost Klarna's answer: Klarna may hold a link for
-- them that Kassa has not seen. Kassa learns it by asking again under the
-- same idempotency key and withdraws it, then forgets the row.
CREATE TABLE unknown_links (
    payment_id  TEXT PRIMARY KEY REFERENCES payments (id),
    since       BIGINT NOT NULL
)
