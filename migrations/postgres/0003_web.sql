-- Web pages: developer accounts, browser sessions (only a SHA-256 of the session id is stored) and
-- the views counted once per viewer per period. Kept in step with migrations/postgres.
CREATE TABLE developers (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_by_subject ON web_sessions (kind, subject_id);

CREATE TABLE post_views (
    post_id TEXT NOT NULL,
    viewer TEXT NOT NULL,
    period BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (post_id, viewer, period)
);

CREATE INDEX post_hashtags_by_post ON post_hashtags (post_id);
