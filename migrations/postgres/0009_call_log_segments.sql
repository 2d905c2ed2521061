-- The call log in segments: the calls of one app from one flush of a node's log,
-- postcard-encoded and LZ4-compressed (reelbox_store::calls). The rows of the old per-call
-- table are converted at start-up and the table dropped then (Store::convert_legacy_call_log).
CREATE TABLE api_call_segments (
    id TEXT PRIMARY KEY,
    client_key TEXT,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    calls BIGINT NOT NULL,
    body BYTEA NOT NULL
);
CREATE INDEX api_call_segments_by_client ON api_call_segments (client_key, last_at, id);
CREATE INDEX api_call_segments_by_time ON api_call_segments (last_at);
