-- Keys this Kassa installation derives secrets from (callback URL secrets),
-- made once at random and shared by every instance on the database, so a
-- secret derived again after a crash or on another instance is the same.
CREATE TABLE server_keys (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  BIGINT NOT NULL
)
