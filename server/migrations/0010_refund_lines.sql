-- The items a refund gives back (JSON: line, name, quantity, amount), and
-- indexes for finding an older payment by Klarna's reference or amount.
ALTER TABLE refunds ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';
CREATE INDEX payments_store_reference ON payments (store_id, klarna_reference);
CREATE INDEX payments_store_amount ON payments (store_id, order_amount);
