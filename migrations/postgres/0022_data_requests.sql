-- Data Portability: one row per data request. `scope` is the granted scope the request was
-- made under (a `.single` one is used up by it); `object_key` the archive once built.
CREATE TABLE data_requests (
    id BIGINT PRIMARY KEY,
    client_key TEXT NOT NULL,
    creator_id TEXT NOT NULL,
    open_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    data_format TEXT NOT NULL,
    categories TEXT NOT NULL,
    status TEXT NOT NULL,
    apply_time BIGINT NOT NULL,
    collect_time BIGINT,
    ready_at BIGINT,
    object_key TEXT,
    size_bytes BIGINT
);
CREATE INDEX data_requests_by_grant ON data_requests (client_key, creator_id);
-- The archive's comments section reads a creator's comments in order.
CREATE INDEX comments_by_author ON comments (creator_id, created_at);
