-- Research queries page through results newest first (ORDER BY id DESC). Region, sound and
-- creator filters index on (value, id) so that each value is an ordered walk that stops at the page;
-- the id range already encodes the date range. Kept in step with migrations/postgres, except the
-- keyword index below, which is SQLite's own (FTS5).
DROP INDEX posts_by_region;
DROP INDEX posts_by_music;
CREATE INDEX posts_by_region ON posts (region_code, id);
CREATE INDEX posts_by_music ON posts (music_id, id);
-- A creator's videos newest first for research (posts_by_creator keeps the Display API's
-- creation-time order).
CREATE INDEX posts_by_creator_id ON posts (creator_id, id);

-- Keyword search: a trigram FTS5 index over captions finds candidates for substring matches
-- (without positions, to stay small: a keyword is looked up as the AND of its trigrams, and the
-- LIKE rule is still applied to the candidates). Its rowid is the post id as an integer, so it
-- walks in id order too; ids past 2038 (beyond i64) are not indexed and fall back to the scan.
CREATE VIRTUAL TABLE posts_fts USING fts5(title, description, content='', contentless_delete=1, detail=none, tokenize='trigram');

CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts
WHEN length(NEW.id) = 19 AND NEW.id < '9223372036854775808'
BEGIN
    INSERT INTO posts_fts (rowid, title, description) VALUES (CAST(NEW.id AS INTEGER), NEW.title, NEW.description);
END;

CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts
WHEN length(OLD.id) = 19 AND OLD.id < '9223372036854775808'
BEGIN
    DELETE FROM posts_fts WHERE rowid = CAST(OLD.id AS INTEGER);
END;

CREATE TRIGGER posts_fts_update AFTER UPDATE OF title, description ON posts
WHEN length(NEW.id) = 19 AND NEW.id < '9223372036854775808'
BEGIN
    DELETE FROM posts_fts WHERE rowid = CAST(OLD.id AS INTEGER);
    INSERT INTO posts_fts (rowid, title, description) VALUES (CAST(NEW.id AS INTEGER), NEW.title, NEW.description);
END;

INSERT INTO posts_fts (rowid, title, description)
SELECT CAST(id AS INTEGER), title, description FROM posts
WHERE length(id) = 19 AND id < '9223372036854775808';
