-- Social graph and engagement: follows, likes, comments. Kept in step with migrations/postgres.
CREATE TABLE follows (
    follower_id TEXT NOT NULL,
    followee_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX follows_by_followee ON follows (followee_id, created_at);

CREATE TABLE likes (
    post_id TEXT NOT NULL,
    creator_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (post_id, creator_id)
);
CREATE INDEX likes_by_creator ON likes (creator_id, created_at);

CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    post_id TEXT NOT NULL,
    creator_id TEXT NOT NULL,
    parent_id TEXT,
    text TEXT NOT NULL,
    like_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX comments_by_post ON comments (post_id, created_at);
