-- One family per code exchange (or minted consent): every access and refresh token descended
-- from it, so a replayed code or refresh token can revoke them together (RFC 9700 §4.14).
ALTER TABLE tokens ADD COLUMN family_id TEXT;
CREATE INDEX tokens_by_family ON tokens (family_id);
-- The family a code was exchanged for, and codes invalidated by a revoke before their use.
ALTER TABLE auth_codes ADD COLUMN family_id TEXT;
ALTER TABLE auth_codes ADD COLUMN revoked_at BIGINT;
