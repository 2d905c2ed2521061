-- Shop product columns the research product query answers: a listing image, the product page and
-- the number of videos that feature the product. Kept in step with migrations/postgres.
ALTER TABLE shop_products ADD COLUMN image_url TEXT NOT NULL DEFAULT '';
ALTER TABLE shop_products ADD COLUMN product_url TEXT NOT NULL DEFAULT '';
ALTER TABLE shop_products ADD COLUMN related_video_count BIGINT NOT NULL DEFAULT 0;
CREATE INDEX shop_products_by_region ON shop_products (region_code, sold_count);
