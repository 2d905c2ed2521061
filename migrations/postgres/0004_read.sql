-- The read side: research-query columns and indexes on posts, sounds, shop products, trend buckets,
-- cached research result sets and the research quota. Kept in step with migrations/sqlite.

-- Sound and effects of a post (decimal ids as TEXT; effects a JSON list of strings).
ALTER TABLE posts ADD COLUMN music_id TEXT;
ALTER TABLE posts ADD COLUMN effect_ids TEXT NOT NULL DEFAULT '[]';

-- Research filters combine a date range with one selective condition.
CREATE INDEX posts_by_created ON posts (created_at);
CREATE INDEX posts_by_region ON posts (region_code, created_at);
CREATE INDEX posts_by_music ON posts (music_id, created_at);
CREATE INDEX post_hashtags_by_tag_time ON post_hashtags (tag, created_at, post_id);

CREATE TABLE music (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    author TEXT NOT NULL,
    duration_sec BIGINT NOT NULL,
    cover_url TEXT NOT NULL,
    is_original BIGINT NOT NULL,
    is_commercial BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE shop_products (
    id TEXT PRIMARY KEY,
    shop_id TEXT NOT NULL,
    shop_name TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    price BIGINT NOT NULL,
    original_price BIGINT NOT NULL,
    currency TEXT NOT NULL,
    sold_count BIGINT NOT NULL,
    sold_count_7d BIGINT NOT NULL,
    rating_x10 BIGINT NOT NULL,
    review_count BIGINT NOT NULL,
    region_code TEXT NOT NULL,
    category TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX shop_products_by_shop ON shop_products (shop_id);
CREATE INDEX shop_products_by_sold ON shop_products (sold_count);

-- Daily aggregates maintained incrementally at publish time and by every activity: kind 'tag' or
-- 'music', key the hashtag name or music id, region a region code or 'ALL', day = epoch day (UTC).
CREATE TABLE trend_buckets (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    region TEXT NOT NULL,
    day BIGINT NOT NULL,
    videos BIGINT NOT NULL DEFAULT 0,
    views BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, key, region, day)
);
CREATE INDEX trend_buckets_by_region ON trend_buckets (kind, region, day);

-- A research result set: the normalised query, the snapshot bound and the keyset position of
-- every page served, so later pages neither repeat nor skip rows while new videos arrive.
CREATE TABLE research_searches (
    id TEXT PRIMARY KEY,
    client_key TEXT NOT NULL,
    query TEXT NOT NULL,
    max_id TEXT NOT NULL,
    snapshot_at BIGINT NOT NULL,
    pages TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL
);
CREATE INDEX research_searches_by_time ON research_searches (created_at);

-- Research daily quota per client and UTC day; kind 'data' or 'follow'.
CREATE TABLE research_usage (
    client_key TEXT NOT NULL,
    day BIGINT NOT NULL,
    kind TEXT NOT NULL,
    requests BIGINT NOT NULL DEFAULT 0,
    records BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (client_key, day, kind)
);
