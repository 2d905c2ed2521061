-- reelbox schema, SQLite dialect. Kept in step with migrations/postgres: same tables, columns and
-- indexes; times are epoch milliseconds (BIGINT), flags 0/1 BIGINT, lists JSON TEXT.

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE apps (
    client_key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    secret_generation BIGINT NOT NULL DEFAULT 0,
    audited BIGINT NOT NULL DEFAULT 0,
    audit_requested_at BIGINT,
    scopes TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    verified_url_prefixes TEXT NOT NULL,
    webhook_url TEXT,
    test_users TEXT NOT NULL DEFAULT '[]',
    active_user_cap BIGINT,
    developer_id TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE creators (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    nickname TEXT NOT NULL,
    avatar_url TEXT NOT NULL,
    bio TEXT NOT NULL,
    region_code TEXT NOT NULL,
    private_account BIGINT NOT NULL,
    privacy_level_options TEXT NOT NULL,
    comment_disabled BIGINT NOT NULL,
    duet_disabled BIGINT NOT NULL,
    stitch_disabled BIGINT NOT NULL,
    max_video_post_duration_sec BIGINT NOT NULL,
    banned_from_posting BIGINT NOT NULL,
    daily_post_cap BIGINT,
    created_at BIGINT NOT NULL
);

-- One row per (app, creator) authorization; open_id is stable for the pair, as TikTok's is.
CREATE TABLE grants (
    id TEXT PRIMARY KEY,
    client_key TEXT NOT NULL,
    creator_id TEXT NOT NULL,
    open_id TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    UNIQUE (client_key, creator_id)
);

CREATE TABLE auth_codes (
    code_hash TEXT PRIMARY KEY,
    client_key TEXT NOT NULL,
    creator_id TEXT NOT NULL,
    scopes TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
);

-- Access, refresh and client tokens, stored as SHA-256 only.
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    client_key TEXT NOT NULL,
    grant_id TEXT,
    creator_id TEXT,
    scopes TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    parent_hash TEXT,
    used_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX tokens_by_grant ON tokens (grant_id);

CREATE TABLE publishes (
    id TEXT PRIMARY KEY,
    client_key TEXT NOT NULL,
    creator_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    mode TEXT NOT NULL,
    media_type TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    fail_reason TEXT,
    post_info TEXT NOT NULL,
    settings TEXT,
    video_url TEXT,
    photo_images TEXT,
    photo_cover_index BIGINT,
    video_size BIGINT,
    chunk_size BIGINT,
    total_chunk_count BIGINT,
    uploaded_bytes BIGINT NOT NULL DEFAULT 0,
    downloaded_bytes BIGINT NOT NULL DEFAULT 0,
    upload_token_hash TEXT,
    upload_expires_at BIGINT,
    upload_handle TEXT,
    object_key TEXT,
    probe TEXT,
    post_ids TEXT NOT NULL DEFAULT '[]',
    public_post_ids TEXT NOT NULL DEFAULT '[]',
    inbox_state TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    completed_at BIGINT
);
CREATE INDEX publishes_by_creator ON publishes (creator_id, created_at);
CREATE INDEX publishes_by_client ON publishes (client_key, created_at);
CREATE UNIQUE INDEX publishes_by_upload_token ON publishes (upload_token_hash);

CREATE TABLE upload_chunks (
    publish_id TEXT NOT NULL,
    idx BIGINT NOT NULL,
    byte_offset BIGINT NOT NULL,
    length BIGINT NOT NULL,
    etag TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (publish_id, idx)
);

CREATE TABLE posts (
    id TEXT PRIMARY KEY,
    creator_id TEXT NOT NULL,
    publish_id TEXT,
    client_key TEXT,
    media_type TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    privacy_level TEXT NOT NULL,
    disable_comment BIGINT NOT NULL,
    disable_duet BIGINT NOT NULL,
    disable_stitch BIGINT NOT NULL,
    brand_content_toggle BIGINT NOT NULL,
    brand_organic_toggle BIGINT NOT NULL,
    is_aigc BIGINT NOT NULL,
    auto_add_music BIGINT NOT NULL,
    object_key TEXT,
    cover_key TEXT,
    photo_keys TEXT NOT NULL DEFAULT '[]',
    content_type TEXT,
    duration_ms BIGINT NOT NULL DEFAULT 0,
    width BIGINT NOT NULL DEFAULT 0,
    height BIGINT NOT NULL DEFAULT 0,
    region_code TEXT NOT NULL DEFAULT 'US',
    hashtags TEXT NOT NULL DEFAULT '[]',
    mentions TEXT NOT NULL DEFAULT '[]',
    view_count BIGINT NOT NULL DEFAULT 0,
    like_count BIGINT NOT NULL DEFAULT 0,
    comment_count BIGINT NOT NULL DEFAULT 0,
    share_count BIGINT NOT NULL DEFAULT 0,
    favorite_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX posts_by_creator ON posts (creator_id, created_at);

CREATE TABLE post_hashtags (
    tag TEXT NOT NULL,
    post_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tag, post_id)
);

-- The persistent work queue: processing, pulls, webhook deliveries. At least once; handlers are
-- idempotent.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    locked_by TEXT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    done_at BIGINT
);
CREATE INDEX jobs_due ON jobs (done_at, run_at);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    client_key TEXT NOT NULL,
    event TEXT NOT NULL,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_status_code BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX webhook_deliveries_by_client ON webhook_deliveries (client_key, created_at);

-- Every wire call, per app, for inspection and the guideline report.
CREATE TABLE api_calls (
    id TEXT PRIMARY KEY,
    client_key TEXT,
    creator_id TEXT,
    token_hash TEXT,
    endpoint TEXT NOT NULL,
    method TEXT NOT NULL,
    status BIGINT NOT NULL,
    error_code TEXT NOT NULL,
    log_id TEXT NOT NULL,
    latency_ms BIGINT NOT NULL,
    summary TEXT NOT NULL,
    injected BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX api_calls_by_client ON api_calls (client_key, created_at);
