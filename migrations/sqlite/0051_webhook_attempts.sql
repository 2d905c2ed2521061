-- Every attempt at a webhook delivery: the server's own, and those `reelbox listen` forwarded to
-- a local URL and reported back (request, answer, latency).
CREATE TABLE webhook_attempts (
    id TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL,
    client_key TEXT NOT NULL,
    via TEXT NOT NULL,
    url TEXT NOT NULL,
    status_code BIGINT,
    error TEXT,
    latency_ms BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, created_at);
CREATE INDEX webhook_attempts_app ON webhook_attempts (client_key, created_at);
