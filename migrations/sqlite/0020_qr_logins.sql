-- Login Kit with QR code: one row per get_qrcode. The polling token is stored as SHA-256 only;
-- the authorization code is never stored here (it is minted when check_qrcode hands it out).
CREATE TABLE qr_logins (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    client_key TEXT NOT NULL,
    scopes TEXT NOT NULL,
    state TEXT NOT NULL,
    stage TEXT NOT NULL,
    client_ticket TEXT,
    creator_id TEXT,
    granted TEXT,
    code_hash TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX qr_logins_by_expiry ON qr_logins (expires_at);
CREATE INDEX qr_logins_by_code ON qr_logins (code_hash);
