-- Web-safe renditions of a video post (H.264/AAC MP4), one per short side; the original stays in
-- posts.object_key for its creator.
CREATE TABLE renditions (
    post_id TEXT NOT NULL,
    short_side BIGINT NOT NULL,
    object_key TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (post_id, short_side)
);
