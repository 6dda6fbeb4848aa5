-- Links the store asked to withdraw (a kiosk reset) that Klarna has not yet
-- confirmed withdrawn: the tracker keeps trying, also after a restart.
CREATE TABLE withdrawals_due (
    payment_id  TEXT PRIMARY KEY REFERENCES payments (id),
    since       BIGINT NOT NULL
)
