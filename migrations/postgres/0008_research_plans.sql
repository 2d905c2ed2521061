-- Research queries page through results newest first (ORDER BY id DESC). Region, sound and
-- creator filters index on (value, id) so that each value is an ordered walk that stops at the page;
-- the id range already encodes the date range. Kept in step with migrations/sqlite (which also
-- adds an FTS5 keyword index of its own).
DROP INDEX posts_by_region;
DROP INDEX posts_by_music;
CREATE INDEX posts_by_region ON posts (region_code, id);
CREATE INDEX posts_by_music ON posts (music_id, id);
-- A creator's videos newest first for research (posts_by_creator keeps the Display API's
-- creation-time order).
CREATE INDEX posts_by_creator_id ON posts (creator_id, id);
