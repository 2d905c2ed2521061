-- Profile lists the Research API reads (reposts, pinned videos, playlists), who may be listed,
-- and the research TikTok Shop data (shops, per-star rating counts, reviews). Kept in step with
-- migrations/postgres: the same statements run on both.

-- A declared birth date ('YYYY-MM-DD'; NULL when none was declared, read as adult) and whether
-- the liked-videos list is public. Research lists only public adults, liked videos only when
-- that list is public too. Likes themselves live in `likes` (read by likes_by_creator).
ALTER TABLE creators ADD COLUMN birth_date TEXT;
ALTER TABLE creators ADD COLUMN liked_list_public BIGINT NOT NULL DEFAULT 1;

CREATE TABLE reposts (
    creator_id TEXT NOT NULL,
    post_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (creator_id, post_id)
);
CREATE INDEX reposts_by_creator ON reposts (creator_id, created_at);

-- Videos pinned to the top of a profile, in `seq` order (TikTok allows three).
CREATE TABLE pins (
    creator_id TEXT NOT NULL,
    post_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (creator_id, post_id)
);

CREATE TABLE playlists (
    id TEXT PRIMARY KEY,
    creator_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX playlists_by_creator ON playlists (creator_id);

-- A video is in at most one playlist (a video object has one `playlist_id`).
CREATE TABLE playlist_items (
    playlist_id TEXT NOT NULL,
    post_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (playlist_id, seq)
);
CREATE UNIQUE INDEX playlist_items_by_post ON playlist_items (post_id);

-- Shops of shop_products.shop_id: rating in tenths and the performance score (0-100). Sold and
-- review counts are the sums over the shop's products.
CREATE TABLE shops (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    rating_x10 BIGINT NOT NULL,
    performance_value BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX shops_by_name ON shops (name);

-- How a product's reviews split by stars.
ALTER TABLE shop_products ADD COLUMN rating_1_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE shop_products ADD COLUMN rating_2_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE shop_products ADD COLUMN rating_3_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE shop_products ADD COLUMN rating_4_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE shop_products ADD COLUMN rating_5_count BIGINT NOT NULL DEFAULT 0;

-- Reviews of a product, numbered per product; rating 1-5 stars.
CREATE TABLE product_reviews (
    product_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    display_name TEXT NOT NULL,
    rating BIGINT NOT NULL,
    text TEXT NOT NULL,
    like_count BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (product_id, seq)
);
CREATE INDEX product_reviews_by_time ON product_reviews (product_id, created_at);
