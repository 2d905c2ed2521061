-- Rate-limit hits shared by every node (used when several nodes serve one platform).
CREATE TABLE rate_hits (
    id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX rate_hits_by_bucket ON rate_hits (bucket, at);
