-- Per-creator clock offsets (sandbox): a creator's time is their app's time plus this offset,
-- for what concerns that creator only (their tokens, their caps).
CREATE TABLE creator_clocks (
    creator_id TEXT PRIMARY KEY,
    offset_ms BIGINT NOT NULL
);
