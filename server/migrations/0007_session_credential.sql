-- Which password a session was opened with (a digest of the associate's
-- password hash from the config): a changed password or a removed
-- associate ends the session on its next use.
ALTER TABLE seller_sessions ADD COLUMN credential TEXT NOT NULL DEFAULT '';
