-- Payments whose creation lost Klarna's answer: Klarna may hold a link for
-- them that Kassa has not seen. They stay "creating" (live, holding their
-- cart) until a retry under their key or Kassa itself learns the link by
-- asking again under the same idempotency key; `problem` is what the
-- payment ends with if nobody retries (the link is then withdrawn).
CREATE TABLE unknown_links (
    payment_id  TEXT PRIMARY KEY REFERENCES payments (id),
    problem     TEXT NOT NULL,
    since       BIGINT NOT NULL
)
