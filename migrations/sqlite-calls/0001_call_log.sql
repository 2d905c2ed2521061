-- The call log of the embedded backend, in a database file of its own (`reelbox-calls.db`
-- beside `reelbox.db`), so its steady stream of writes never queues behind the main writer.
-- Every wire call is kept, in segments: the calls of one app from one flush of the log,
-- postcard-encoded and LZ4-compressed, so a busy log writes a row per app every few
-- milliseconds rather than a row per call (reelbox_store::calls).
CREATE TABLE api_call_segments (
    id TEXT PRIMARY KEY,
    client_key TEXT,
    first_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    calls BIGINT NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX api_call_segments_by_client ON api_call_segments (client_key, last_at, id);
CREATE INDEX api_call_segments_by_time ON api_call_segments (last_at);
