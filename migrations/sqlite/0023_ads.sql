-- Commercial Content API (ad library): advertisers and their ads. Dates are YYYYMMDD integers
-- (the wire's form); `countries` is the targeted codes as ",FR,IT,"; `search_text` the ad's
-- title and advertiser name lower-cased, where search terms are looked for; `detail` the facts
-- only ad/detail/ reads (JSON).
CREATE TABLE advertisers (
    business_id BIGINT PRIMARY KEY,
    business_name TEXT NOT NULL,
    paid_by TEXT NOT NULL,
    country_code TEXT NOT NULL,
    follower_count BIGINT NOT NULL,
    avatar_url TEXT NOT NULL,
    profile_url TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE ads (
    id BIGINT PRIMARY KEY,
    business_id BIGINT NOT NULL, -- the advertiser's; no foreign key, as elsewhere in the schema: snapshots and `reelbox migrate` copy tables in name order
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    status_statement TEXT NOT NULL,
    first_shown_date BIGINT NOT NULL,
    last_shown_date BIGINT NOT NULL,
    countries TEXT NOT NULL,
    reach BIGINT NOT NULL,
    videos TEXT NOT NULL,
    image_urls TEXT NOT NULL,
    search_text TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ads_by_advertiser ON ads (business_id, id);
