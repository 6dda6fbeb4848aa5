-- Where a web shopper returns to (success, failure, error, back or cancel),
-- kept so a retried start sends Klarna the same merchant URLs.
ALTER TABLE payments ADD COLUMN return_urls_json TEXT;
