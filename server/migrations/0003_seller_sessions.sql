-- Signed-in associates. Only a hash of the cookie's token is kept, so the
-- database alone cannot be used to sign in.
CREATE TABLE seller_sessions (
    token_hash   TEXT PRIMARY KEY,
    store_id     TEXT NOT NULL,
    associate    TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
